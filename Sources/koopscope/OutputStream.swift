import ArgumentParser
import Foundation
import KoopScope

extension AnalysisFormat: ExpressibleByArgument {}

/// Text output to stdout, or to a file that appears only once complete: the text goes to a
/// temporary file beside it, renamed into place by `commit()`, and removed if never committed.
final class OutputStream {
    private let destination: String?
    private let temporary: String?
    private let handle: FileHandle
    private var buffer = ""
    private var committed = false

    init(path: String?) throws {
        destination = path
        guard let path else {
            temporary = nil
            handle = .standardOutput
            return
        }
        let temporary = AtomicFile.temporarySibling(of: path)
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw AtomicFileError(path: path, reason: "cannot create a file in "
                                  + URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
        self.temporary = temporary
        self.handle = handle
    }

    deinit {
        if let temporary, !committed {
            try? handle.close()
            AtomicFile.discard(temporary)
        }
    }

    func write(_ text: String) throws {
        buffer += text
        if buffer.utf8.count >= 1 << 20 { try flush() }
    }

    /// Flushes and, for a file, moves it into place.
    func commit() throws {
        try flush()
        guard let temporary, let destination else { return }
        try handle.close()
        committed = true
        if let reason = AtomicFile.commit(temporary, to: destination) {
            throw AtomicFileError(path: destination, reason: reason)
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: Data(buffer.utf8))
        } catch {
            throw AtomicFileError(path: destination ?? "stdout", reason: "\(error.localizedDescription)")
        }
        buffer = ""
    }
}
