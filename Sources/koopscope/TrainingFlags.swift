import Foundation
import KoopScopeTraining

/// The training settings as command-line flags, read from the one table that declares them
/// (`TrainingConfiguration.keys`): `train` and `experiment` take them all.
enum TrainingFlags {
    /// `--key value` and `--key=value` pairs in order, each key a training setting.
    static func parse(_ arguments: [String]) throws -> [(key: String, value: String)] {
        let names = Set(TrainingConfiguration.keys.map(\.name))
        var out: [(key: String, value: String)] = []
        var k = 0
        while k < arguments.count {
            let word = arguments[k]
            guard word.hasPrefix("--") else { throw ExperimentError.invalidFlag(flag: word, detail: "expected a training setting --key value") }
            var key = String(word.dropFirst(2)), value: String?
            if let eq = key.firstIndex(of: "=") { value = String(key[key.index(after: eq)...]); key = String(key[..<eq]) }
            guard names.contains(key) else {
                throw ExperimentError.invalidFlag(flag: "--" + key, detail: "is not a training setting (see `koopscope train --help`)")
            }
            if value == nil {
                guard k + 1 < arguments.count else { throw ExperimentError.invalidFlag(flag: word, detail: "needs a value") }
                k += 1
                value = arguments[k]
            }
            out.append((key, value!))
            k += 1
        }
        return out
    }

    /// One line per setting: the flag, its default and its help.
    static let help: String = {
        let defaults = Dictionary(uniqueKeysWithValues: (try? TOMLFile.parse(TrainingConfiguration().toml, path: "defaults"))?
            .map { ($0.key, $0.value) } ?? [])
        return TrainingConfiguration.keys.map { key in
            let d = defaults[key.name].map { $0.isEmpty ? "" : " [\($0)]" } ?? ""
            return "  --\(key.name)\(d)  \(key.help)"
        }.joined(separator: "\n")
    }()
}
