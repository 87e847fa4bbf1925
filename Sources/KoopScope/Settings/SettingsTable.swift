/// A configuration declared as a table of ``SettingKey``s: every entry point (flags, the C
/// interface's options JSON, Python's keyword arguments) reads its settings through the table,
/// so names, defaults, bounds and the rules between settings are stated once.
public protocol SettingsTable: Sendable {
    /// The paper's defaults.
    init()
    /// Every setting, in the order they are documented.
    static var keys: [SettingKey<Self>] { get }
    /// The settings given explicitly (the rules between settings ask which were).
    var given: Set<String> { get set }
    /// Throws unless the settings given go together; `naming` spells them in the message.
    func validate(naming: SettingNaming) throws
}

extension SettingsTable {
    /// The defaults with `values` applied in order, then checked together.
    ///
    /// ```swift
    /// let c = try AnalysisConfiguration(values: [("koopman_dim", .number(64))], naming: .option)
    /// print(c.koopmanDimension)   // 64
    /// ```
    public init(values: [(String, SettingValue)], naming: SettingNaming) throws {
        self.init()
        for (name, value) in values { try set(name, to: value, naming: naming) }
        try validate(naming: naming)
    }

    /// Sets one setting by its key, checked alone; ``validate(naming:)`` checks them together.
    public mutating func set(_ name: String, to value: SettingValue, naming: SettingNaming) throws {
        guard let key = Self.keys.first(where: { $0.name == name }) else {
            throw SettingError.unknown(setting: naming.callName(name), known: Self.keys.map { naming.callName($0.name) })
        }
        try key.apply(&self, value, naming.callName(name))
        given.insert(name)
    }

    /// Whether `name` was given explicitly.
    public func isGiven(_ name: String) -> Bool { given.contains(name) }
}
