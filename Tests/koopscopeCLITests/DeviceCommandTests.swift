import Foundation
import Testing

/// Whether a CUDA driver is installed where the loader would find it (these tests are about a
/// machine without one). Looked for as files: this process may have loaded the emulated driver
/// already, which a dlopen by name would return.
let cudaDriverPresent: Bool = {
    let directories = (ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"] ?? "").split(separator: ":").map(String.init)
        + ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/cuda/lib64",
           "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/wsl/lib"]
    return directories.contains { FileManager.default.fileExists(atPath: $0 + "/libcuda.so.1") }
}()

/// A machine without CUDA, even where the test suite runs with the emulated libraries.
let withoutEmulatedCUDA = ["KOOPSCOPE_CUDA_LIBRARY_PATH"]

/// `--device` on `analyze` and `train` where there is no CUDA: `cuda` is a clear error naming
/// what is missing, `auto` a one-line notice and the CPU, and nothing is left behind.
@Suite("--device without CUDA", .enabled(if: !cudaDriverPresent, "a CUDA driver is installed on this machine"))
struct DeviceCommandTests {
    @Test func analyzeOnCUDAWithoutADriverIsAnError() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("a.json").path
        let r = try koopscope(["analyze", fixturePath("linear-padded.h5"), "--device", "cuda", "--format", "json", "-o", out],
                              removing: withoutEmulatedCUDA)
        #expect(r.status == 1 && r.stderr.contains("libcuda.so.1") && r.stderr.contains("KOOPSCOPE_CUDA_LIBRARY_PATH"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let auto = try koopscope(["analyze", fixturePath("linear-padded.h5"), "--device", "auto", "--format", "json", "-o", out],
                                 removing: withoutEmulatedCUDA)
        #expect(auto.status == 0 && auto.stderr.hasPrefix("notice: --device auto: lifting on the CPU"), "\(auto.stderr)")
        let cpu = try koopscope("analyze", fixturePath("linear-padded.h5"), "--format", "json")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == cpu.stdout, "auto on the CPU is the CPU's analysis")
        let bad = try koopscope("analyze", fixturePath("linear-padded.h5"), "--device", "tpu")
        #expect(bad.status != 0 && bad.stderr.contains("--device 'tpu'"))
    }

    @Test func trainOnCUDAWithoutADriverIsAnError() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run").path
        let r = try koopscope(["train", "--run-dir", run, "--device", "cuda", "--steps", "1"] + TrainCommandTests.tiny,
                              removing: withoutEmulatedCUDA)
        #expect(r.status == 1 && r.stderr.contains("CUDA is not available"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run))
        let auto = try koopscope(["train", "--run-dir", run, "--device", "auto", "--steps", "1", "--eval-every", "0"] + TrainCommandTests.tiny,
                                 removing: withoutEmulatedCUDA)
        #expect(auto.status == 0 && auto.stderr.contains("notice: --device auto: running on the CPU"), "\(auto.stderr)")
        #expect(auto.stdout.contains("device: cpu"))
    }
}
