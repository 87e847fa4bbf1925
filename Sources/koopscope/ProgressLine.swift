import Foundation

/// Progress on standard error: on a terminal one line rewritten in place (done/total, rate,
/// time left); otherwise a plain line every `interval` seconds, so that logs of long runs
/// show it too; nothing when quiet.
///
/// ```swift
/// let progress = ProgressLine(label: "analysing", unit: "trajectories", quiet: false)
/// progress.update(128, of: 256)
/// progress.finish()
/// ```
final class ProgressLine {
    private let label: String
    private let unit: String
    private let quiet: Bool
    private let terminal = isatty(STDERR_FILENO) != 0
    private let interval: Double
    private let start = Date()
    private var lastShown: Date?
    private var shown = false

    init(label: String, unit: String, quiet: Bool, interval: Double = 10) {
        self.label = label
        self.unit = unit
        self.quiet = quiet
        self.interval = interval
    }

    /// Shows `done` of `total`, with `note` (a rate of something else, say) after the count.
    func update(_ done: Int, of total: Int, note: String? = nil) {
        guard !quiet else { return }
        let now = Date()
        if !terminal, now.timeIntervalSince(lastShown ?? start) < interval { return }
        lastShown = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var text = "\(label) \(done)/\(total) \(unit)"
        if let note { text += ", " + note }
        if rate > 0 {
            text += String(format: ", %.1f/s", rate)
            if done < total { text += ", " + Self.duration(Double(total - done) / rate) + " left" }
        }
        if terminal {
            shown = true
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        } else {
            FileHandle.standardError.write(Data("\(text)\n".utf8))
        }
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// `42 s`, `3 min 5 s`, `2 h 10 min`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \((s % 3600) / 60) min"
    }
}
