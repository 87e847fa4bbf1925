import Foundation

extension TrainingConfiguration {
    /// Where a run's settings come from: the flags given, a TOML file, or a run to resume.
    public struct Sources: Sendable {
        /// `--key value` pairs in the order given.
        public var flags: [(key: String, value: String)]
        /// A TOML file of settings (not with `resumeDirectory`).
        public var file: String?
        /// A run directory whose saved `config.toml` is continued; only resumable settings may change.
        public var resumeDirectory: String?

        public init(flags: [(key: String, value: String)] = [], file: String? = nil, resumeDirectory: String? = nil) {
            self.flags = flags
            self.file = file
            self.resumeDirectory = resumeDirectory
        }
    }

    /// The settings of a run: the paper's defaults, then the file, then the flags — a recipe
    /// before every other setting wherever it stands, so that any setting given beside it wins —
    /// or, when resuming, the saved configuration with the resumable flags applied; checked
    /// together.
    ///
    /// ```swift
    /// let c = try TrainingConfiguration.resolve(.init(flags: [("dual-clip", "4"), ("recipe", "relax-authors")]))
    /// print(c.dualClip)   // 4.0: the recipe's 10 is applied first
    /// ```
    public static func resolve(_ sources: Sources) throws -> TrainingConfiguration {
        var settings = TrainingConfiguration()
        let flags = sources.flags.map { (key: $0.key, value: $0.value, source: "--\($0.key)") }
        if let directory = sources.resumeDirectory {
            let saved = directory + "/config.toml"
            guard FileManager.default.fileExists(atPath: saved) else {
                throw TrainingError.runDirectory(path: directory, detail: "holds no run to resume (no config.toml)")
            }
            if let file = sources.file {
                throw TrainingError.invalidSetting(source: file, key: "config",
                                                   detail: "a resumed run reads \(saved); no other file can be given")
            }
            settings = try TrainingConfiguration(contentsOf: saved)
            for flag in flags where !resumableKeys.contains(flag.key) {
                throw TrainingError.invalidSetting(
                    source: flag.source, key: flag.key,
                    detail: "cannot change when resuming (only \(resumableKeys.sorted().map { "--" + $0 }.joined(separator: ", ")))")
            }
            for flag in flags { try settings.set(flag.key, to: flag.value, source: flag.source) }
        } else {
            let file = try sources.file.map { path in
                try TOMLFile.parse(contentsOf: path).map { (key: $0.key, value: $0.value, source: "\(path):\($0.line)") }
            } ?? []
            for entry in applyingOrder(file + flags, key: \.key) {
                try settings.set(entry.key, to: entry.value, source: entry.source)
            }
        }
        try settings.validate()
        return settings
    }
}
