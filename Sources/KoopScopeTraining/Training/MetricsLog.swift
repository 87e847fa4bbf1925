import Foundation
import KoopScope

/// A run's log (`RUN_DIR/metrics.jsonl`, `sft.jsonl`): one JSON object per step, keys sorted,
/// `step` first, appended and flushed line by line so a killed run leaves every finished step
/// readable; `append(text:)` appends free text the same way (`sft-samples.txt`).
final class MetricsLog {
    let path: String

    init(path: String) { self.path = path }

    /// Appends one line.
    func append(step: Int, _ values: [String: Double]) throws {
        var line = "{\"step\": \(step)"
        for key in values.keys.sorted() {
            let v = values[key]!
            line += ", \(Self.quote(key)): " + (v.isFinite ? Self.number(v) : "null")
        }
        line += "}\n"
        try append(text: line)
    }

    /// Appends `text` as it is (creating the file), flushed before it returns.
    func append(text: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw TrainingError.runDirectory(path: path, detail: "cannot create the file")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw TrainingError.runDirectory(path: path, detail: "cannot open the file for writing")
        }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            throw TrainingError.runDirectory(path: path, detail: "cannot append: \(error.localizedDescription)")
        }
    }

    /// Keeps the lines of steps up to `step` (a resumed run rewrites what came after its checkpoint).
    func truncate(after step: Int) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return }
        var kept = ""
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let s = (object["step"] as? NSNumber)?.intValue, s <= step else { continue }
            kept += line + "\n"
        }
        try AtomicFile.write(Data(kept.utf8), to: path)
    }

    static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func quote(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        let text = String(decoding: data, as: UTF8.self)
        return String(text.dropFirst().dropLast())
    }
}
