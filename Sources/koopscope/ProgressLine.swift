import Foundation

/// A one-line progress count on standard error, shown only when it is a terminal.
final class ProgressLine {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) != 0
    private var shown = false

    init(label: String) { self.label = label }

    func update(_ done: Int, of total: Int) {
        guard enabled else { return }
        shown = true
        FileHandle.standardError.write(Data("\r\(label) \(done)/\(total)".utf8))
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
