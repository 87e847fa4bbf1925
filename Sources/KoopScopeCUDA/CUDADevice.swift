import Foundation

/// One NVIDIA device through the driver API (its primary context), with a cuBLAS handle and the
/// kernel modules its users load (``load(_:)``: compiled by NVRTC for the device's own
/// architecture, loaded as cubins).
/// Every call's status is checked and becomes a ``CUDAError`` naming the call.
///
/// ```swift
/// let device = try CUDADevice.open()
/// print(device.name, device.architecture)      // "NVIDIA H100 80GB HBM3 sm_90"
/// ```
public final class CUDADevice: @unchecked Sendable {
    public let name: String
    /// `sm_XY`, the architecture the kernels were compiled for.
    public let architecture: String
    /// Where each library was loaded from.
    public let libraries: [String: String]
    let driver: DriverAPI
    let blas: CuBLASAPI
    private let nvrtc: NVRTCAPI
    private let ordinal: Int32
    private let context: OpaquePointer?
    private let handle: OpaquePointer?
    /// Each loaded source's module, by the source's name, and which module defines each kernel.
    private var modules: [String: OpaquePointer] = [:]
    private var kernelModules: [String: OpaquePointer] = [:]
    private var functions: [String: OpaquePointer] = [:]
    private let lock = NSLock()

    /// A kernel argument: a device address, an integer (`long long`), or a scalar.
    public enum Argument {
        case pointer(UInt64), int(Int), float(Float), double(Double)
    }

    /// Loads the libraries and retains device `ordinal`'s primary context.
    public static func open(ordinal: Int = 0, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> CUDADevice
    {
        let driverLibrary = try LibraryLoader.open(["libcuda.so.1", "libcuda.so"], environment: environment)
        let nvrtcLibrary = try LibraryLoader.open(["libnvrtc.so.13", "libnvrtc.so.12"], environment: environment)
        let blasLibrary = try LibraryLoader.open(["libcublas.so.13", "libcublas.so.12"], environment: environment)
        return try CUDADevice(ordinal: Int32(ordinal), driver: DriverAPI(driverLibrary), nvrtc: NVRTCAPI(nvrtcLibrary),
                              blas: CuBLASAPI(blasLibrary),
                              libraries: ["driver": driverLibrary.path, "nvrtc": nvrtcLibrary.path, "cublas": blasLibrary.path])
    }

    private init(ordinal: Int32, driver: DriverAPI, nvrtc: NVRTCAPI, blas: CuBLASAPI, libraries: [String: String]) throws {
        self.driver = driver
        self.blas = blas
        self.nvrtc = nvrtc
        self.ordinal = ordinal
        self.libraries = libraries
        try driver.check(driver.cuInit(0), "cuInit")
        var count: Int32 = 0
        try driver.check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount")
        guard ordinal < count else { throw CUDAError.noDevice(detail: "the driver reports \(count) device(s), device \(ordinal) was asked for") }
        var device: Int32 = 0
        try driver.check(driver.cuDeviceGet(&device, ordinal), "cuDeviceGet")
        var text = [CChar](repeating: 0, count: 256)
        try driver.check(driver.cuDeviceGetName(&text, 256, device), "cuDeviceGetName")
        name = Self.string(text)
        var major: Int32 = 0, minor: Int32 = 0
        try driver.check(driver.cuDeviceGetAttribute(&major, 75, device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)")
        try driver.check(driver.cuDeviceGetAttribute(&minor, 76, device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)")
        architecture = "sm_\(major)\(minor)"
        var ctx: OpaquePointer?
        try driver.check(driver.cuDevicePrimaryCtxRetain(&ctx, device), "cuDevicePrimaryCtxRetain")
        context = ctx
        try driver.check(driver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")
        var h: OpaquePointer?
        try blas.check(blas.cublasCreate(&h), "cublasCreate_v2")
        handle = h
    }

    deinit {
        _ = blas.cublasDestroy(handle)
        _ = driver.cuDevicePrimaryCtxRelease(ordinal)
    }

    /// Compiles `source` for this device and loads it, once: its kernels can then be launched.
    public func load(_ source: CUDAKernelSource) throws {
        lock.lock(); defer { lock.unlock() }
        guard modules[source.name] == nil else { return }
        let cubin = try Self.compile(source.text, architecture: architecture, nvrtc: nvrtc)
        var loaded: OpaquePointer?
        try cubin.withUnsafeBytes { try driver.check(driver.cuModuleLoadData(&loaded, $0.baseAddress!), "cuModuleLoadData") }
        modules[source.name] = loaded!
        for name in source.kernelNames { kernelModules[name] = loaded! }
    }

    /// Compiles CUDA C `source` to a cubin for `architecture` with NVRTC.
    static func compile(_ source: String, architecture: String, nvrtc: NVRTCAPI) throws -> [UInt8] {
        var program: OpaquePointer?
        try nvrtc.check(nvrtc.nvrtcCreateProgram(&program, source, "koopscope_kernels.cu", 0, nil, nil), "nvrtcCreateProgram")
        defer { _ = nvrtc.nvrtcDestroyProgram(&program) }
        let options = ["--gpu-architecture=\(architecture)", "--std=c++17"]
        let cStrings = options.map { strdup($0) }
        defer { cStrings.forEach { Foundation.free($0) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        let status = nvrtc.nvrtcCompileProgram(program, Int32(options.count), &pointers)
        if status != 0 {
            var size = 0
            _ = nvrtc.nvrtcGetProgramLogSize(program, &size)
            var log = [CChar](repeating: 0, count: max(size, 1))
            _ = nvrtc.nvrtcGetProgramLog(program, &log)
            throw CUDAError.compilationFailed(architecture: architecture, log: string(log))
        }
        var size = 0
        try nvrtc.check(nvrtc.nvrtcGetCUBINSize(program, &size), "nvrtcGetCUBINSize")
        var cubin = [CChar](repeating: 0, count: size)
        try nvrtc.check(nvrtc.nvrtcGetCUBIN(program, &cubin), "nvrtcGetCUBIN")
        return cubin.map { UInt8(bitPattern: $0) }
    }

    /// A NUL-terminated C buffer as a String.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Memory

    public func allocate(bytes: Int) throws -> UInt64 {
        var address: UInt64 = 0
        try driver.check(driver.cuMemAlloc(&address, max(bytes, 1)), "cuMemAlloc_v2(\(bytes) bytes)")
        try driver.check(driver.cuMemsetD8(address, 0, max(bytes, 1)), "cuMemsetD8_v2")
        return address
    }

    public func free(_ address: UInt64) { _ = driver.cuMemFree(address) }

    public func copy(from host: UnsafeRawPointer, to device: UInt64, bytes: Int) throws {
        guard bytes > 0 else { return }
        try driver.check(driver.cuMemcpyHtoD(device, host, bytes), "cuMemcpyHtoD_v2")
    }

    public func copy(from device: UInt64, to host: UnsafeMutableRawPointer, bytes: Int) throws {
        guard bytes > 0 else { return }
        try driver.check(driver.cuMemcpyDtoH(host, device, bytes), "cuMemcpyDtoH_v2")
    }

    public func copy(from source: UInt64, to destination: UInt64, bytes: Int) throws {
        guard bytes > 0 else { return }
        try driver.check(driver.cuMemcpyDtoD(destination, source, bytes), "cuMemcpyDtoD_v2")
    }

    public func zero(_ address: UInt64, bytes: Int) throws {
        guard bytes > 0 else { return }
        try driver.check(driver.cuMemsetD8(address, 0, bytes), "cuMemsetD8_v2")
    }

    public func synchronize() throws { try driver.check(driver.cuCtxSynchronize(), "cuCtxSynchronize") }

    // MARK: Kernels and products

    /// Launches kernel `name` over `threads` threads (blocks of 256; the kernels loop when the
    /// grid is capped).
    public func launch(_ name: String, threads: Int, _ arguments: [Argument]) throws {
        let function = try self.function(name)
        let blocks = UInt32(min(max((threads + 255) / 256, 1), 65_535))
        let storage = UnsafeMutableRawPointer.allocate(byteCount: 8 * max(arguments.count, 1), alignment: 8)
        defer { storage.deallocate() }
        var pointers: [UnsafeMutableRawPointer?] = []
        for (k, argument) in arguments.enumerated() {
            let slot = storage + 8 * k
            switch argument {
            case let .pointer(p): slot.storeBytes(of: p, as: UInt64.self)
            case let .int(i): slot.storeBytes(of: Int64(i), as: Int64.self)
            case let .float(f): slot.storeBytes(of: f, as: Float.self)
            case let .double(d): slot.storeBytes(of: d, as: Double.self)
            }
            pointers.append(slot)
        }
        try pointers.withUnsafeMutableBufferPointer { buffer in
            try driver.check(driver.cuLaunchKernel(function, blocks, 1, 1, 256, 1, 1, 0, nil, buffer.baseAddress, nil),
                             "cuLaunchKernel(\(name))")
        }
    }

    func function(_ name: String) throws -> OpaquePointer {
        lock.lock(); defer { lock.unlock() }
        if let f = functions[name] { return f }
        guard let module = kernelModules[name] else {
            throw CUDAError.callFailed(call: "cuModuleGetFunction(\(name))", status: 500,
                                       message: "no loaded module defines it (load its CUDAKernelSource first)")
        }
        var f: OpaquePointer?
        try driver.check(driver.cuModuleGetFunction(&f, module, name), "cuModuleGetFunction(\(name))")
        functions[name] = f!
        return f!
    }

    /// Row-major C[m×n] = α op(A) op(B) + β C (leading dimensions in elements), as the
    /// column-major product Cᵀ = op(B)ᵀ op(A)ᵀ.
    public func gemm<T: BinaryFloatingPoint>(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: T,
                                             a: UInt64, lda: Int, b: UInt64, ldb: Int, beta: T, c: UInt64, ldc: Int,
                                             batch: Int = 1, strideA: Int = 0, strideB: Int = 0, strideC: Int = 0) throws {
        var alpha = alpha, beta = beta
        let ta: Int32 = transposeB ? 1 : 0, tb: Int32 = transposeA ? 1 : 0
        let pa = UnsafeRawPointer(bitPattern: UInt(b)), pb = UnsafeRawPointer(bitPattern: UInt(a))
        let pc = UnsafeMutableRawPointer(bitPattern: UInt(c))
        let single = T.self == Float.self
        precondition(single || T.self == Double.self, "gemm in Float or Double only")
        let name = (single ? "cublasS" : "cublasD") + (batch > 1 ? "gemmStridedBatched" : "gemm_v2")
        let status = withUnsafeBytes(of: &alpha) { al in withUnsafeBytes(of: &beta) { be in
            if batch > 1 {
                return (single ? blas.cublasSgemmStridedBatched : blas.cublasDgemmStridedBatched)(
                    handle, ta, tb, Int32(n), Int32(m), Int32(k), al.baseAddress!, pa, Int32(ldb), Int64(strideB),
                    pb, Int32(lda), Int64(strideA), be.baseAddress!, pc, Int32(ldc), Int64(strideC), Int32(batch))
            }
            return (single ? blas.cublasSgemm : blas.cublasDgemm)(
                handle, ta, tb, Int32(n), Int32(m), Int32(k), al.baseAddress!, pa, Int32(ldb), pb, Int32(lda),
                be.baseAddress!, pc, Int32(ldc))
        } }
        try blas.check(status, name)
    }
}
