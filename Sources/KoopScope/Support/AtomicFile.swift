import FoundationEssentials
import Glibc

/// Writing files so that a reader never sees half of one: everything goes to a temporary
/// file beside the destination, which is renamed over it only when complete.
public enum AtomicFile {
    /// A fresh temporary path in the same directory as `path` (so a rename is atomic).
    /// The path is also registered with ``CrashGuard`` until ``commit(_:to:)``.
    public static func temporarySibling(of path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        CrashGuard.addTemporary(temporary)
        return temporary
    }

    /// Renames `temporary` over `path`; on failure removes `temporary` and returns why.
    public static func commit(_ temporary: String, to path: String) -> String? {
        defer { CrashGuard.removeTemporary(temporary) }
        if rename(temporary, path) == 0 { return nil }
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        return reason
    }

    /// Removes a temporary file that will not be committed.
    public static func discard(_ temporary: String) {
        unlink(temporary)
        CrashGuard.removeTemporary(temporary)
    }

    /// Writes `data` to `path` atomically; throws a description of the failure.
    public static func write(_ data: Data, to path: String) throws {
        let temporary = temporarySibling(of: path)
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            discard(temporary)
            throw AtomicFileError(path: path, reason: "cannot create a file in \(URL(fileURLWithPath: path).deletingLastPathComponent().path)")
        }
        if let reason = commit(temporary, to: path) { throw AtomicFileError(path: path, reason: reason) }
    }
}

/// An output file that could not be written.
public struct AtomicFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): could not be written: \(reason)" }
}
