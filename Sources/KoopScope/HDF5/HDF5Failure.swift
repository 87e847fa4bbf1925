import _CHDF5

/// An HDF5 call that failed, with HDF5's own error stack as its message.
///
/// The dump and dictionary layers catch this and rethrow it with the file and the
/// dataset it concerns.
struct HDF5Failure: Error, CustomStringConvertible {
    /// The HDF5 function that returned a failure.
    let call: String
    /// HDF5's error stack, innermost first, on one line.
    let stack: String

    var description: String { stack.isEmpty ? "\(call) failed" : "\(call) failed: \(stack)" }

    /// The failure of `call`, taking (and clearing) the calling thread's error stack.
    static func take(_ call: String) -> HDF5Failure {
        var buffer = [CChar](repeating: 0, count: 2048)
        let used = buffer.withUnsafeMutableBufferPointer { ks_take_error_stack($0.baseAddress!, $0.count) }
        let stack = text(ofCString: buffer.prefix(used))
        return HDF5Failure(call: call, stack: stack)
    }
}

/// Turns off HDF5's printing of its error stack to stderr (``HDF5Serial`` calls it).
@inline(__always) func silenceHDF5() { _ = ks_silence_errors() }

/// Returns `id`, or throws the failure of `call` when HDF5 returned a negative identifier.
@inline(__always) func checkID(_ id: hid_t, _ call: @autoclosure () -> String) throws -> hid_t {
    if id < 0 { throw HDF5Failure.take(call()) }
    return id
}

/// Throws the failure of `call` when HDF5 returned a negative status.
@inline(__always) func checkStatus<T: BinaryInteger>(_ status: T, _ call: @autoclosure () -> String) throws {
    if status < 0 { throw HDF5Failure.take(call()) }
}
