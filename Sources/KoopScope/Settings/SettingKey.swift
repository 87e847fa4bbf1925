/// One setting of a table (``AnalysisConfiguration/keys``, ``DictionaryFitConfiguration/keys``):
/// its name, kind, bounds and help, and how a value is read into a configuration. Its default is
/// the configuration's initial value, so each is declared once.
public struct SettingKey<Configuration: SettingsTable>: Sendable {
    /// What a setting holds.
    public enum Kind: String, Sendable {
        case boolean, integer, number, text
    }

    /// The key as the options JSON and Python spell it (snake_case); the flag is ``flag``.
    public let name: String
    public let kind: Kind
    /// The values it takes, in words ("1…4096", "> 0", "paper or reference").
    public let bounds: String
    public let help: String
    let render: @Sendable (Configuration) -> String
    let apply: @Sendable (inout Configuration, SettingValue, String) throws -> Void

    /// The command-line flag: `--koopman-dim` for `koopman_dim`.
    public var flag: String { SettingNaming.flag.callName(name) }

    /// The default as text ("" where the setting is absent unless given).
    public var defaultText: String { render(Configuration()) }
}

extension SettingKey {
    static func boolean(_ name: String, _ path: WritableKeyPath<Configuration, Bool> & Sendable, _ help: String) -> Self {
        SettingKey(name: name, kind: .boolean, bounds: "true or false", help: help,
                   render: { $0[keyPath: path] ? "true" : "false" },
                   apply: { c, v, called in c[keyPath: path] = try v.boolean(called) })
    }

    static func integer(_ name: String, _ path: WritableKeyPath<Configuration, Int> & Sendable,
                        within bounds: ClosedRange<Int>, _ help: String) -> Self {
        SettingKey(name: name, kind: .integer, bounds: "\(bounds.lowerBound)…\(bounds.upperBound)", help: help,
                   render: { String($0[keyPath: path]) },
                   apply: { c, v, called in c[keyPath: path] = try v.integer(called, within: bounds) })
    }

    static func number(_ name: String, _ path: WritableKeyPath<Configuration, Double> & Sendable, _ bounds: String,
                       _ accepts: @escaping @Sendable (Double) -> Bool, _ help: String) -> Self {
        SettingKey(name: name, kind: .number, bounds: bounds, help: help,
                   render: { "\($0[keyPath: path])" },
                   apply: { c, v, called in
                       let x = try v.number(called)
                       guard accepts(x) else { throw SettingError.invalid(setting: called, detail: "is \(x); it must be \(bounds)") }
                       c[keyPath: path] = x
                   })
    }

    static func text(_ name: String, _ path: WritableKeyPath<Configuration, String?> & Sendable, _ bounds: String,
                     _ help: String) -> Self {
        SettingKey(name: name, kind: .text, bounds: bounds, help: help,
                   render: { $0[keyPath: path] ?? "" },
                   apply: { c, v, called in c[keyPath: path] = try v.text(called) })
    }

    /// A text setting read into a value by `parse`, which returns nil for text it refuses.
    static func parsed<T: Sendable>(_ name: String, _ path: WritableKeyPath<Configuration, T> & Sendable, _ bounds: String,
                                    render: @escaping @Sendable (T) -> String,
                                    _ parse: @escaping @Sendable (String) -> T?, _ help: String) -> Self {
        SettingKey(name: name, kind: .text, bounds: bounds, help: help,
                   render: { render($0[keyPath: path]) },
                   apply: { c, v, called in
                       let text = try v.text(called)
                       guard let value = parse(text) else {
                           throw SettingError.invalid(setting: called, detail: "is \"\(text)\"; it must be \(bounds)")
                       }
                       c[keyPath: path] = value
                   })
    }
}

extension SettingValue {
    func boolean(_ called: String) throws -> Bool {
        switch self {
        case .flag(let b): return b
        case .text("true"): return true
        case .text("false"): return false
        default: throw SettingError.invalid(setting: called, detail: "must be true or false")
        }
    }

    func integer(_ called: String, within bounds: ClosedRange<Int>) throws -> Int {
        switch self {
        case .number(let x): return try Limits.count(x, called, within: bounds)
        case .text(let s):
            if let x = Int(s) { try Limits.check(x, called, within: bounds); return x }
            if let x = Double(s) { return try Limits.count(x, called, within: bounds) }
            throw SettingError.invalid(setting: called, detail: "is \"\(s)\"; it must be a whole number in \(bounds.lowerBound)…\(bounds.upperBound)")
        case .flag: throw SettingError.invalid(setting: called, detail: "must be a whole number, not true or false")
        }
    }

    func number(_ called: String) throws -> Double {
        switch self {
        case .number(let x) where x.isFinite: return x
        case .text(let s): if let x = Double(s), x.isFinite { return x }
        default: break
        }
        throw SettingError.invalid(setting: called, detail: "must be a finite number")
    }

    /// A string, or a number written as the command line would take it.
    func text(_ called: String) throws -> String {
        switch self {
        case .text(let s): return s
        case .number(let x): return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
        case .flag: throw SettingError.invalid(setting: called, detail: "must be a string or a number")
        }
    }
}

extension SettingKey {
    /// An integer that is absent unless given (its default is described in `bounds`).
    static func integer(_ name: String, _ path: WritableKeyPath<Configuration, Int?> & Sendable,
                        within bounds: ClosedRange<Int>, _ help: String) -> Self {
        SettingKey(name: name, kind: .integer, bounds: "\(bounds.lowerBound)…\(bounds.upperBound)", help: help,
                   render: { $0[keyPath: path].map(String.init) ?? "" },
                   apply: { c, v, called in c[keyPath: path] = try v.integer(called, within: bounds) })
    }

    /// A number that is absent unless given.
    static func number(_ name: String, _ path: WritableKeyPath<Configuration, Double?> & Sendable, _ bounds: String,
                       _ accepts: @escaping @Sendable (Double) -> Bool, _ help: String) -> Self {
        SettingKey(name: name, kind: .number, bounds: bounds, help: help,
                   render: { $0[keyPath: path].map { "\($0)" } ?? "" },
                   apply: { c, v, called in
                       let x = try v.number(called)
                       guard accepts(x) else { throw SettingError.invalid(setting: called, detail: "is \(x); it must be \(bounds)") }
                       c[keyPath: path] = x
                   })
    }
}
