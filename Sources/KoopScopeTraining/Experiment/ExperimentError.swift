/// Why an experiment cannot start, go on, or be summarised; each case names the flag or path.
public enum ExperimentError: Error, CustomStringConvertible, Equatable {
    /// An arm that is not a method or ablation, or a setting it cannot have.
    case invalidArm(arm: String, detail: String)
    /// A flag of the experiment itself (`--seeds`, `--jobs`, a training flag).
    case invalidFlag(flag: String, detail: String)
    /// `--out` holds something else than this experiment.
    case outputDirectory(path: String, detail: String)
    /// A run that failed or whose files cannot be read.
    case run(path: String, detail: String)

    public var description: String {
        switch self {
        case let .invalidArm(arm, detail): "--arms: \(arm): \(detail)"
        case let .invalidFlag(flag, detail): "\(flag): \(detail)"
        case let .outputDirectory(path, detail): "--out \(path): \(detail)"
        case let .run(path, detail): "\(path): \(detail)"
        }
    }
}
