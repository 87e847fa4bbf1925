import FoundationEssentials
import Glibc
import KoopScope
import _KoopScopeABI

/// A failure the C interface reports: its code and message.
struct ABIFailure: Error {
    var code: koopscope_code
    var message: String

    static func argument(_ message: String) -> ABIFailure { ABIFailure(code: KOOPSCOPE_ERROR_ARGUMENT, message: message) }
}

/// Runs one exported call: every Swift error becomes a code and a message in `status`.
/// Nothing here is shared between calls, so many threads may call at once.
func abiCall(_ status: UnsafeMutablePointer<koopscope_status>?, _ body: () throws -> Void) -> Int32 {
    let code: koopscope_code, message: String
    do {
        try body()
        (code, message) = (KOOPSCOPE_OK, "")
    } catch let failure as ABIFailure {
        (code, message) = (failure.code, failure.message)
    } catch let error as KoopmanError {
        switch error {
        case .shapeMismatch, .tooShort: (code, message) = (KOOPSCOPE_ERROR_ARGUMENT, error.description)
        default: (code, message) = (KOOPSCOPE_ERROR_NUMERICAL, error.description)
        }
    } catch let error as LinearAlgebraError {
        (code, message) = (KOOPSCOPE_ERROR_NUMERICAL, error.description)
    } catch let error as DumpError {
        (code, message) = (KOOPSCOPE_ERROR_FILE, error.description)
    } catch let error as DictionaryError {
        (code, message) = (KOOPSCOPE_ERROR_FILE, error.description)
    } catch let error as SettingError {
        (code, message) = (KOOPSCOPE_ERROR_ARGUMENT, "options_json: " + error.description)
    } catch let error as LimitError {
        (code, message) = (KOOPSCOPE_ERROR_ARGUMENT, error.description)
    } catch {
        (code, message) = (KOOPSCOPE_ERROR_INTERNAL, "\(error)")
    }
    if let status { write(code, message, into: status) }
    return Int32(bitPattern: code.rawValue)
}

/// Writes `message` into the status, cut at a character boundary to fit, NUL-terminated.
private func write(_ code: koopscope_code, _ message: String, into status: UnsafeMutablePointer<koopscope_status>) {
    status.pointee.code = Int32(bitPattern: code.rawValue)
    withUnsafeMutableBytes(of: &status.pointee.message) { buffer in
        let capacity = buffer.count - 1
        var bytes: [UInt8] = []
        for character in message {
            let utf8 = Array(String(character).utf8)
            if bytes.count + utf8.count > capacity { break }
            bytes += utf8
        }
        buffer.copyBytes(from: bytes)
        buffer[bytes.count] = 0
    }
}

/// A copy of `text` in memory the caller frees with `koopscope_free`.
func allocatedCString(_ text: String) -> UnsafeMutablePointer<CChar> {
    let utf8 = Array(text.utf8)
    let out = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
    utf8.withUnsafeBufferPointer { source in
        for (i, byte) in source.enumerated() { out[i] = CChar(bitPattern: byte) }
    }
    out[utf8.count] = 0
    return out
}

/// Fills a `char **` output with the text `make` returns: checked non-NULL and cleared first, so
/// that a failure anywhere leaves the caller's pointer NULL.
func returnText(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, named name: String = "report_json",
                _ make: () throws -> String) throws {
    guard let out else { throw ABIFailure.argument("\(name) is NULL") }
    out.pointee = nil
    out.pointee = allocatedCString(try make())
}

/// Frees a string the library allocated.
@_cdecl("koopscope_free")
public func koopscope_free(_ string: UnsafeMutablePointer<CChar>?) {
    string?.deallocate()
}

@_cdecl("koopscope_abi_version")
public func koopscope_abi_version() -> Int32 { KOOPSCOPE_ABI_VERSION }

/// Made once, never freed: the caller may keep the pointer.
nonisolated(unsafe) private let versionCString = UnsafePointer(allocatedCString(koopscopeVersion))

@_cdecl("koopscope_version")
public func koopscope_version() -> UnsafePointer<CChar> { versionCString }
