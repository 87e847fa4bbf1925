import Foundation
import Testing
@testable import KoopScopeCUDA

/// Whether this process loads the host emulation of CUDA (`scripts/cuda-emulation`).
let onEmulatedCUDA = deviceStatus.available && deviceStatus.reason.contains("emulation")

/// Failures the emulation produces come back through the backend's own error paths, as a real
/// driver's would: a ``CUDAError`` naming the call, its status and the status's name.
@Suite("Failures on the emulated CUDA", .enabled(if: onEmulatedCUDA, "not on the emulated CUDA"))
struct EmulatedCUDATests {
    /// The loader finds the three emulated libraries where KOOPSCOPE_CUDA_LIBRARY_PATH points,
    /// and the device is the emulation's, at the architecture the kernels are compiled for.
    @Test func theLoaderOpensTheEmulatedLibraries() throws {
        let folder = try #require(ProcessInfo.processInfo.environment["KOOPSCOPE_CUDA_LIBRARY_PATH"]?.split(separator: ":").first)
        let device = try CUDADevice.open()
        #expect(device.libraries == ["driver": "\(folder)/libcuda.so.1", "nvrtc": "\(folder)/libnvrtc.so.12",
                                     "cublas": "\(folder)/libcublas.so.12"])
        #expect(device.name == "koopscope CUDA emulation (host)" && device.architecture == "sm_90")
        #expect(throws: CUDAError.noDevice(detail: "the driver reports 1 device(s), device 1 was asked for")) {
            _ = try CUDADevice.open(ordinal: 1)
        }
    }

    @Test func anUnknownKernelIsNotFound() throws {
        let device = try CUDADevice.open()
        try device.load(.lift)
        #expect(throws: CUDAError.callFailed(call: "cuModuleGetFunction(ks_no_such_kernel)", status: 500,
                                             message: "no loaded module defines it (load its CUDAKernelSource first)")) {
            try device.launch("ks_no_such_kernel", threads: 1, [])
        }
    }

    /// The backend's launches are always well formed; the driver's answer to one that is not goes
    /// through the same check as every call.
    @Test func aBadLaunchConfigurationIsRefused() throws {
        let device = try CUDADevice.open()
        try device.load(.lift)
        let sigmoid = try device.function("ks_sigmoid_rows")
        for (grid, block) in [(UInt32(0), UInt32(256)), (1, 2048)] {
            let status = device.driver.cuLaunchKernel(sigmoid, grid, 1, 1, block, 1, 1, 0, nil, nil, nil)
            #expect(throws: CUDAError.callFailed(call: "cuLaunchKernel(ks_sigmoid_rows)", status: 1,
                                                 message: "CUDA_ERROR_INVALID_VALUE")) {
                try device.driver.check(status, "cuLaunchKernel(ks_sigmoid_rows)")
            }
        }
    }

    @Test func aCopyPastTheEndOfABufferIsRefused() throws {
        let device = try CUDADevice.open()
        let address = try device.allocate(bytes: 64)
        defer { device.free(address) }
        let host = [UInt8](repeating: 7, count: 128)
        #expect(throws: CUDAError.callFailed(call: "cuMemcpyHtoD_v2", status: 1, message: "CUDA_ERROR_INVALID_VALUE")) {
            try host.withUnsafeBytes { try device.copy(from: $0.baseAddress!, to: address, bytes: 128) }
        }
        var back = [UInt8](repeating: 0, count: 64)
        try host.withUnsafeBytes { try device.copy(from: $0.baseAddress!, to: address, bytes: 64) }
        try back.withUnsafeMutableBytes { try device.copy(from: address, to: $0.baseAddress!, bytes: 64) }
        #expect(back == [UInt8](repeating: 7, count: 64), "a copy inside the buffer goes through")
        #expect(throws: CUDAError.callFailed(call: "cuMemcpyDtoD_v2", status: 1, message: "CUDA_ERROR_INVALID_VALUE")) {
            try device.copy(from: address + 32, to: address, bytes: 64)
        }
    }

    @Test func aProductOverAShortBufferIsRefusedAsCuBLASWould() throws {
        let device = try CUDADevice.open()
        let a = try device.allocate(bytes: 4 * 6), b = try device.allocate(bytes: 4 * 6), c = try device.allocate(bytes: 4 * 3)
        defer { [a, b, c].forEach(device.free) }
        // C (2×2) = A (2×3) B (3×2): C has room for 3 floats, not 4.
        #expect(throws: CUDAError.callFailed(call: "cublasSgemm_v2", status: 7, message: "CUBLAS_STATUS_INVALID_VALUE")) {
            try device.gemm(transposeA: false, transposeB: false, m: 2, n: 2, k: 3, alpha: Float(1), a: a, lda: 3, b: b, ldb: 2,
                            beta: Float(0), c: c, ldc: 2)
        }
    }
}
