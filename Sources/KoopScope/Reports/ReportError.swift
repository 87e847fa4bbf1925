/// Why `koopscope report` cannot use an input.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    case notFound(path: String)
    /// A file that is neither an HDF5 dump nor an analysis JSON, or a directory without runs.
    case unrecognized(path: String, detail: String)
    /// An analysis written by another version of koopscope.
    case unsupportedFormat(path: String, found: String)
    case malformedAnalysis(path: String, detail: String)
    case runWithoutMetrics(path: String)
    case malformedMetrics(path: String, line: Int, detail: String)
    case noInputs
    /// Two analyses that `compare` cannot pair: other prompts, settings, dictionary or layer.
    case incomparable(path: String, other: String, detail: String)

    public var description: String {
        switch self {
        case .notFound(let p): "\(p): no such file or directory"
        case .unrecognized(let p, let d): "\(p): not a dump, an analysis (JSON) or a training run directory: \(d)"
        case .unsupportedFormat(let p, let found):
            "\(p): analysis JSON of an unsupported format (\(found)); koopscope reads format \"koopscope-analysis\" "
                + "version 1 — re-run koopscope analyze on the dump"
        case .malformedAnalysis(let p, let d): "\(p): malformed analysis JSON: \(d)"
        case .runWithoutMetrics(let p): "\(p): training run directory without metrics.jsonl"
        case .malformedMetrics(let p, let line, let d): "\(p): line \(line): \(d)"
        case .noInputs: "no inputs: give dumps, analysis JSON files or training run directories"
        case .incomparable(let p, let other, let d): "\(p): cannot be compared with \(other): \(d)"
        }
    }
}
