import ArgumentParser
import KoopScope

/// Flags that are settings of a library table (``AnalysisConfiguration``,
/// ``DictionaryFitConfiguration``): their help comes from the table, and their values go back
/// to it to be read and checked, so the command line says nothing of its own about them.
enum SettingFlags<Configuration: SettingsTable> {
    /// The help of the flag for `key`, with its default.
    static func help(_ key: String, valueName: String? = nil) -> ArgumentHelp {
        guard let setting = Configuration.keys.first(where: { $0.name == key }) else { return ArgumentHelp() }
        let shown = setting.kind == .boolean || setting.defaultText.isEmpty ? "" : " (default \(setting.defaultText))"
        return ArgumentHelp(setting.help.prefix(1).uppercased() + setting.help.dropFirst() + shown + ".", valueName: valueName)
    }

    /// The configuration of the flags given: `texts` are the value flags (nil where absent),
    /// `flags` the boolean ones.
    static func configuration(texts: [(String, String?)], flags: [(String, Bool)] = []) throws -> Configuration {
        let values = texts.compactMap { key, text in text.map { (key, SettingValue.text($0)) } }
            + flags.filter(\.1).map { ($0.0, SettingValue.flag(true)) }
        return try Configuration(values: values, naming: .flag)
    }
}
