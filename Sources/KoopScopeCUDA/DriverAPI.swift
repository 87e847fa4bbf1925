/// The CUDA driver functions koopscope calls, resolved from `libcuda.so.1`.
struct DriverAPI: @unchecked Sendable {
    typealias Result = Int32
    let cuInit: @convention(c) (UInt32) -> Result
    let cuDriverGetVersion: @convention(c) (UnsafeMutablePointer<Int32>) -> Result
    let cuDeviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>) -> Result
    let cuDeviceGet: @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Result
    let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>, Int32, Int32) -> Result
    let cuDeviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>, Int32, Int32) -> Result
    let cuDevicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<OpaquePointer?>, Int32) -> Result
    let cuDevicePrimaryCtxRelease: @convention(c) (Int32) -> Result
    let cuCtxSetCurrent: @convention(c) (OpaquePointer?) -> Result
    let cuCtxSynchronize: @convention(c) () -> Result
    let cuMemAlloc: @convention(c) (UnsafeMutablePointer<UInt64>, Int) -> Result
    let cuMemFree: @convention(c) (UInt64) -> Result
    let cuMemcpyHtoD: @convention(c) (UInt64, UnsafeRawPointer, Int) -> Result
    let cuMemcpyDtoH: @convention(c) (UnsafeMutableRawPointer, UInt64, Int) -> Result
    let cuMemcpyDtoD: @convention(c) (UInt64, UInt64, Int) -> Result
    let cuMemsetD8: @convention(c) (UInt64, UInt8, Int) -> Result
    let cuModuleLoadData: @convention(c) (UnsafeMutablePointer<OpaquePointer?>, UnsafeRawPointer) -> Result
    let cuModuleGetFunction: @convention(c) (UnsafeMutablePointer<OpaquePointer?>, OpaquePointer?, UnsafePointer<CChar>) -> Result
    let cuLaunchKernel: @convention(c) (OpaquePointer?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, OpaquePointer?,
                                        UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                        UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Result
    let cuGetErrorName: @convention(c) (Result, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Result

    init(_ l: LibraryLoader.Library) throws {
        cuInit = try l.function("cuInit", as: type(of: cuInit))
        cuDriverGetVersion = try l.function("cuDriverGetVersion", as: type(of: cuDriverGetVersion))
        cuDeviceGetCount = try l.function("cuDeviceGetCount", as: type(of: cuDeviceGetCount))
        cuDeviceGet = try l.function("cuDeviceGet", as: type(of: cuDeviceGet))
        cuDeviceGetName = try l.function("cuDeviceGetName", as: type(of: cuDeviceGetName))
        cuDeviceGetAttribute = try l.function("cuDeviceGetAttribute", as: type(of: cuDeviceGetAttribute))
        cuDevicePrimaryCtxRetain = try l.function("cuDevicePrimaryCtxRetain", as: type(of: cuDevicePrimaryCtxRetain))
        cuDevicePrimaryCtxRelease = try l.function("cuDevicePrimaryCtxRelease_v2", as: type(of: cuDevicePrimaryCtxRelease))
        cuCtxSetCurrent = try l.function("cuCtxSetCurrent", as: type(of: cuCtxSetCurrent))
        cuCtxSynchronize = try l.function("cuCtxSynchronize", as: type(of: cuCtxSynchronize))
        cuMemAlloc = try l.function("cuMemAlloc_v2", as: type(of: cuMemAlloc))
        cuMemFree = try l.function("cuMemFree_v2", as: type(of: cuMemFree))
        cuMemcpyHtoD = try l.function("cuMemcpyHtoD_v2", as: type(of: cuMemcpyHtoD))
        cuMemcpyDtoH = try l.function("cuMemcpyDtoH_v2", as: type(of: cuMemcpyDtoH))
        cuMemcpyDtoD = try l.function("cuMemcpyDtoD_v2", as: type(of: cuMemcpyDtoD))
        cuMemsetD8 = try l.function("cuMemsetD8_v2", as: type(of: cuMemsetD8))
        cuModuleLoadData = try l.function("cuModuleLoadData", as: type(of: cuModuleLoadData))
        cuModuleGetFunction = try l.function("cuModuleGetFunction", as: type(of: cuModuleGetFunction))
        cuLaunchKernel = try l.function("cuLaunchKernel", as: type(of: cuLaunchKernel))
        cuGetErrorName = try l.function("cuGetErrorName", as: type(of: cuGetErrorName))
    }

    /// Throws a ``CUDAError/callFailed`` naming `call` unless `status` is CUDA_SUCCESS.
    func check(_ status: Result, _ call: String) throws {
        guard status != 0 else { return }
        var name: UnsafePointer<CChar>?
        let message = cuGetErrorName(status, &name) == 0 && name != nil ? String(cString: name!) : "unknown error"
        throw CUDAError.callFailed(call: call, status: status, message: message)
    }
}

/// NVRTC, from `libnvrtc.so.13` or `.12`.
struct NVRTCAPI: @unchecked Sendable {
    typealias Result = Int32
    let nvrtcVersion: @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Result
    let nvrtcCreateProgram: @convention(c) (UnsafeMutablePointer<OpaquePointer?>, UnsafePointer<CChar>, UnsafePointer<CChar>?,
                                            Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> Result
    let nvrtcCompileProgram: @convention(c) (OpaquePointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Result
    let nvrtcGetProgramLogSize: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>) -> Result
    let nvrtcGetProgramLog: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>) -> Result
    let nvrtcGetCUBINSize: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>) -> Result
    let nvrtcGetCUBIN: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>) -> Result
    let nvrtcDestroyProgram: @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Result
    let nvrtcGetErrorString: @convention(c) (Result) -> UnsafePointer<CChar>?

    init(_ l: LibraryLoader.Library) throws {
        nvrtcVersion = try l.function("nvrtcVersion", as: type(of: nvrtcVersion))
        nvrtcCreateProgram = try l.function("nvrtcCreateProgram", as: type(of: nvrtcCreateProgram))
        nvrtcCompileProgram = try l.function("nvrtcCompileProgram", as: type(of: nvrtcCompileProgram))
        nvrtcGetProgramLogSize = try l.function("nvrtcGetProgramLogSize", as: type(of: nvrtcGetProgramLogSize))
        nvrtcGetProgramLog = try l.function("nvrtcGetProgramLog", as: type(of: nvrtcGetProgramLog))
        nvrtcGetCUBINSize = try l.function("nvrtcGetCUBINSize", as: type(of: nvrtcGetCUBINSize))
        nvrtcGetCUBIN = try l.function("nvrtcGetCUBIN", as: type(of: nvrtcGetCUBIN))
        nvrtcDestroyProgram = try l.function("nvrtcDestroyProgram", as: type(of: nvrtcDestroyProgram))
        nvrtcGetErrorString = try l.function("nvrtcGetErrorString", as: type(of: nvrtcGetErrorString))
    }

    func check(_ status: Result, _ call: String) throws {
        guard status != 0 else { return }
        let message = nvrtcGetErrorString(status).map { String(cString: $0) } ?? "unknown error"
        throw CUDAError.callFailed(call: call, status: status, message: message)
    }
}

/// cuBLAS, from `libcublas.so.13` or `.12`: the GEMMs (column-major; ``CUDADevice/gemm`` turns
/// koopscope's row-major products around).
struct CuBLASAPI: @unchecked Sendable {
    typealias Status = Int32
    /// α and β are host pointers to a float or a double, per the routine.
    typealias Gemm = @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafeRawPointer, UnsafeRawPointer?,
                                     Int32, UnsafeRawPointer?, Int32, UnsafeRawPointer, UnsafeMutableRawPointer?, Int32) -> Status
    typealias GemmBatched = @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafeRawPointer,
                                            UnsafeRawPointer?, Int32, Int64, UnsafeRawPointer?, Int32, Int64,
                                            UnsafeRawPointer, UnsafeMutableRawPointer?, Int32, Int64, Int32) -> Status
    let cublasCreate: @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Status
    let cublasDestroy: @convention(c) (OpaquePointer?) -> Status
    let cublasSgemm: Gemm
    let cublasDgemm: Gemm
    let cublasSgemmStridedBatched: GemmBatched
    let cublasDgemmStridedBatched: GemmBatched

    init(_ l: LibraryLoader.Library) throws {
        cublasCreate = try l.function("cublasCreate_v2", as: type(of: cublasCreate))
        cublasDestroy = try l.function("cublasDestroy_v2", as: type(of: cublasDestroy))
        cublasSgemm = try l.function("cublasSgemm_v2", as: Gemm.self)
        cublasDgemm = try l.function("cublasDgemm_v2", as: Gemm.self)
        cublasSgemmStridedBatched = try l.function("cublasSgemmStridedBatched", as: GemmBatched.self)
        cublasDgemmStridedBatched = try l.function("cublasDgemmStridedBatched", as: GemmBatched.self)
    }

    func check(_ status: Status, _ call: String) throws {
        guard status != 0 else { return }
        let names: [Int32: String] = [1: "CUBLAS_STATUS_NOT_INITIALIZED", 3: "CUBLAS_STATUS_ALLOC_FAILED",
                                      7: "CUBLAS_STATUS_INVALID_VALUE", 8: "CUBLAS_STATUS_ARCH_MISMATCH",
                                      11: "CUBLAS_STATUS_MAPPING_ERROR", 13: "CUBLAS_STATUS_EXECUTION_FAILED",
                                      14: "CUBLAS_STATUS_INTERNAL_ERROR", 15: "CUBLAS_STATUS_NOT_SUPPORTED"]
        throw CUDAError.callFailed(call: call, status: status, message: names[status] ?? "unknown cuBLAS status")
    }
}
