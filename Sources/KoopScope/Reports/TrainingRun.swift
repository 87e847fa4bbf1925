import FoundationEssentials
import Glibc

/// The per-step metrics of a training run, read from `RUN_DIR/metrics.jsonl` (one JSON
/// object per line, VeRL's key names, `step` for the step).
public struct TrainingRun: Sendable {
    /// The run's name (its directory's name).
    public var name: String
    public var path: String
    /// One entry per line: the step and every numeric value of the line.
    public var steps: [(step: Double, values: [String: Double])]

    /// Reads `directory/metrics.jsonl`.
    public init(directory: String) throws {
        let url = URL(fileURLWithPath: directory)
        let metrics = url.appendingPathComponent("metrics.jsonl").path
        guard FileManager.default.fileExists(atPath: metrics) else { throw ReportError.runWithoutMetrics(path: directory) }
        guard let data = FileManager.default.contents(atPath: metrics) else {
            throw ReportError.malformedMetrics(path: metrics, line: 0, detail: "cannot be read")
        }
        name = url.lastPathComponent
        path = directory
        steps = []
        for (k, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingSpaces()
            if text.isEmpty { continue }
            // JSONDecoder reads doubles exactly (round-trip), which the statistics over runs rely on.
            guard let object = try? JSONDecoder().decode([String: MetricValue].self, from: Data(text.utf8)) else {
                throw ReportError.malformedMetrics(path: metrics, line: k + 1, detail: "not a JSON object")
            }
            let values = object.compactMapValues(\.number)
            steps.append((values["step"] ?? Double(steps.count), values))
        }
        if steps.isEmpty { throw ReportError.malformedMetrics(path: metrics, line: 0, detail: "no metrics") }
    }

    /// The series of `key`: (step, value) for the steps that logged it.
    public func series(_ key: String) -> [(Double, Double)] {
        steps.compactMap { s in s.values[key].map { (s.step, $0) } }
    }

    /// Every metric key logged at least once, sorted.
    public var keys: [String] { Array(Set(steps.flatMap(\.values.keys))).sorted() }
}

/// A value of a metrics line: a number, or anything else (kept out of the series).
private struct MetricValue: Decodable {
    var number: Double?
    init(from decoder: Decoder) throws {
        number = try? decoder.singleValueContainer().decode(Double.self)
    }
}
