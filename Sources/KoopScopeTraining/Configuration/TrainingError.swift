/// Why training could not start or go on; each case names the flag, key, file or step at fault.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A configuration value that is malformed or out of range (`source` is `--flag` or `FILE:LINE`).
    case invalidSetting(source: String, key: String, detail: String)
    /// A configuration file that cannot be read or parsed.
    case configurationFile(path: String, detail: String)
    /// A run directory, checkpoint or output that cannot be used.
    case runDirectory(path: String, detail: String)
    /// A checkpoint that is missing, damaged or from a different configuration.
    case checkpoint(path: String, detail: String)
    /// The loss or the parameters became NaN or infinite.
    case nonFinite(step: Int, detail: String)

    public var description: String {
        switch self {
        case let .invalidSetting(source, key, detail): "\(source): \(key): \(detail)"
        case let .configurationFile(path, detail): "\(path): \(detail)"
        case let .runDirectory(path, detail): "\(path): \(detail)"
        case let .checkpoint(path, detail): "checkpoint \(path): \(detail)"
        case let .nonFinite(step, detail): "step \(step): \(detail)"
        }
    }
}
