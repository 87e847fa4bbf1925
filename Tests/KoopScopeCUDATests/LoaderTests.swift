import Foundation
import Testing
import _TestSupport
@testable import KoopScopeCUDA

/// The run-time loader's search and every way it can fail, on a machine without CUDA.
@Suite("Loading CUDA at run time")
struct LoaderTests {
    @Test func missingLibraryNamesEveryPlaceTried() throws {
        let dir = temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try LibraryLoader.open(["libkoopscope-no-such.so.1"], environment: ["KOOPSCOPE_CUDA_LIBRARY_PATH": dir])
            Issue.record("a missing library must not load")
        } catch let error as CUDAError {
            guard case let .libraryNotFound(library, tried) = error else { Issue.record("\(error)"); return }
            #expect(library == "libkoopscope-no-such.so.1")
            #expect(tried.first == "\(dir)/libkoopscope-no-such.so.1", "the override directory comes first")
            #expect(tried.contains("libkoopscope-no-such.so.1"), "then the loader's own search")
            #expect(tried.last!.contains("/usr/local/cuda/lib64"))
            #expect(error.description.contains("KOOPSCOPE_CUDA_LIBRARY_PATH"))
        }
    }

    @Test func searchIncludesPipInstalledCUDA() throws {
        let venv = temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: venv) }
        for package in ["cuda_nvrtc", "cublas"] {
            try FileManager.default.createDirectory(atPath: "\(venv)/lib/python3.11/site-packages/nvidia/\(package)/lib",
                                                    withIntermediateDirectories: true)
        }
        let directories = LibraryLoader.searchDirectories(environment: ["VIRTUAL_ENV": venv, "KOOPSCOPE_CUDA_LIBRARY_PATH": "/opt/a:/opt/b"])
        #expect(Array(directories.prefix(2)) == ["/opt/a", "/opt/b"])
        #expect(directories.contains("\(venv)/lib/python3.11/site-packages/nvidia/cublas/lib"))
        #expect(directories.contains("\(venv)/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib"))
        #expect(directories.contains("/usr/local/cuda/lib64"))
    }

    @Test func aFileThatIsNotALibraryIsSkipped() throws {
        let dir = temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("not an ELF file".utf8).write(to: URL(fileURLWithPath: "\(dir)/libcuda.so.1"))
        // Skipped: an error where no other driver can be found, or another one (an installed driver,
        // or the emulated one this process has loaded already).
        do {
            let library = try LibraryLoader.open(["libcuda.so.1"], environment: ["KOOPSCOPE_CUDA_LIBRARY_PATH": dir])
            #expect(library.path != "\(dir)/libcuda.so.1")
        } catch is CUDAError {}
    }

    /// A real shared library under the driver's name (the C math library) loads, but has no
    /// `cuInit`: opening the device must say which function is missing, not crash.
    @Test func aLibraryWithoutTheDriverAPIIsRefusedByName() throws {
        let dir = temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let libm = ["/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6", "/lib64/libm.so.6"]
            .first { FileManager.default.fileExists(atPath: $0) }
        try #require(libm != nil)
        for name in ["libcuda.so.1", "libnvrtc.so.13", "libcublas.so.13"] {
            try FileManager.default.copyItem(atPath: libm!, toPath: "\(dir)/\(name)")
        }
        do {
            _ = try CUDADevice.open(environment: ["KOOPSCOPE_CUDA_LIBRARY_PATH": dir])
            Issue.record("libm is not a CUDA driver")
        } catch let error as CUDAError {
            #expect(error == .symbolMissing(library: "libcuda.so.1", symbol: "cuInit"), "\(error)")
        }
    }

    @Test func theLiftsSourceDefinesItsKernel() {
        #expect(CUDAKernelSource.lift.kernelNames == ["ks_sigmoid_rows"])
        #expect(CUDAKernelSource.lift.text.hasPrefix(CUDAKernelSource.preamble))
    }
}
