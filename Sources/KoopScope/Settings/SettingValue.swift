/// A setting's value as a caller hands it over: text from a command line, or a JSON value from
/// the C interface's options (and so from Python's keyword arguments).
public enum SettingValue: Sendable, Equatable {
    /// A command-line word, or a JSON string.
    case text(String)
    /// A JSON number.
    case number(Double)
    /// A flag that was given, or a JSON boolean.
    case flag(Bool)
}

/// How an entry point names its settings in messages: `--koopman-dim` on the command line,
/// `"koopman_dim"` in the C interface's options JSON and Python's keyword arguments.
public enum SettingNaming: Sendable {
    /// Command-line flags.
    case flag
    /// Keys of an options object.
    case option

    /// `name` (a table key, snake_case) as this entry point spells it.
    public func callName(_ name: String) -> String {
        switch self {
        case .flag: "--" + name.replacing("_", with: "-")
        case .option: "\"\(name)\""
        }
    }
}
