/// Why CUDA could not be used or a call into it failed; each case names the library, the call or
/// the kernel, so a message points at what to install or what went wrong.
public enum CUDAError: Error, CustomStringConvertible, Equatable {
    /// No file of this library could be opened; `tried` lists every path or name attempted.
    case libraryNotFound(library: String, tried: [String])
    /// The library opened but lacks a function koopscope calls (too old a version).
    case symbolMissing(library: String, symbol: String)
    /// A driver, NVRTC or cuBLAS call returned an error status.
    case callFailed(call: String, status: Int32, message: String)
    /// The driver answered but there is no device (or not the one asked for).
    case noDevice(detail: String)
    /// NVRTC could not compile the kernels; `log` is its output.
    case compilationFailed(architecture: String, log: String)

    public var description: String {
        switch self {
        case let .libraryNotFound(library, tried):
            "CUDA is not available: \(library) was not found (tried \(tried.joined(separator: ", "))); "
                + "set KOOPSCOPE_CUDA_LIBRARY_PATH to the directory that holds it"
        case let .symbolMissing(library, symbol): "\(library) has no \(symbol) (a newer CUDA is needed)"
        case let .callFailed(call, status, message): "\(call) failed with status \(status): \(message)"
        case let .noDevice(detail): "no CUDA device: \(detail)"
        case let .compilationFailed(architecture, log): "NVRTC could not compile koopscope's kernels for \(architecture):\n\(log)"
        }
    }
}
