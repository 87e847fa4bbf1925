/// One arm of an experiment: a method, or one of ReLaX's ablations, with optional settings.
///
/// ```swift
/// let arm = try ExperimentArm(parsing: "relax:alpha=0.3:relax-variant=reference")
/// print(arm.settings)   // [("method", "relax"), ("relax-alpha", "0.3"), ("relax-variant", "reference")]
/// ```
public struct ExperimentArm: Sendable, Equatable {
    /// The arm as written (`relax:alpha=0.3`).
    public let name: String
    /// A folder name for it (`relax_alpha-0.3`).
    public let directoryName: String
    /// The training settings it sets, in order, after the experiment's own flags.
    public let settings: [Setting]

    public struct Setting: Sendable, Equatable {
        public var key: String
        public var value: String
    }

    /// The ablations of ReLaX, by name, and what each changes.
    public static let ablations: [(name: String, settings: [Setting], help: String)] = [
        ("relax-random-dictionary", [Setting(key: "random-dictionary", value: "true")],
         "ReLaX through a Kaiming-uniform dictionary that is never fitted"),
        ("relax-no-advantage-shaping", [Setting(key: "relax-shaping", value: "none")],
         "ReLaX with w_i = 1: DSD raised on every trajectory, not only those with positive advantage"),
        ("relax-uniform-kl", [Setting(key: "relax-kl", value: "uniform")],
         "ReLaX with the β·KL term on every trajectory instead of the set 𝓘"),
    ]

    /// Settings every arm of a seed must share (they make the pairing), so an arm cannot change them.
    public static let sharedKeys: Set<String> = [
        "seed", "init-checkpoint", "sft-steps", "sft-lr", "sft-batch", "task", "task-size", "task-largest", "model-dim", "layers",
        "heads", "mlp-dim", "context", "steps", "eval-every", "eval-prompts", "eval-samples", "prompts-per-step", "device",
    ]

    /// Reads `text`: a method (`grpo`, `relax`, …) or an ablation, then `:key=value` settings
    /// (a training setting's name; `alpha`, `beta`, `xi`, `variant` stand for the `relax-` ones).
    public init(parsing text: String) throws {
        func fail(_ detail: String) -> ExperimentError { .invalidArm(arm: text, detail: detail) }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let base = parts[0]
        var settings: [Setting] = []
        if TrainingMethod(rawValue: base) != nil {
            settings.append(Setting(key: "method", value: base))
        } else if let ablation = Self.ablations.first(where: { $0.name == base }) {
            settings.append(Setting(key: "method", value: "relax"))
            settings += ablation.settings
        } else {
            let known = TrainingMethod.allCases.map(\.rawValue) + Self.ablations.map(\.name)
            throw fail("\"\(base)\" is not a method or ablation (one of \(known.joined(separator: ", ")))")
        }
        var probe = TrainingConfiguration()
        for s in settings { try probe.set(s.key, to: s.value, source: "--arms") }
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else { throw fail("\"\(part)\" is not key=value") }
            let names = Set(TrainingConfiguration.keys.map(\.name))
            let key = names.contains(pair[0]) ? pair[0] : names.contains("relax-" + pair[0]) ? "relax-" + pair[0] : nil
            guard let key else { throw fail("\"\(pair[0])\" is not a training setting") }
            guard !Self.sharedKeys.contains(key), key != "method" else {
                throw fail("\(key) is shared by every arm of a seed; give it to the experiment as --\(key)")
            }
            do { try probe.set(key, to: pair[1], source: "--arms") } catch let error as TrainingError {
                throw fail(error.description)
            }
            settings.append(Setting(key: key, value: pair[1]))
        }
        name = text
        self.settings = settings
        directoryName = parts.joined(separator: "_").replacingOccurrences(of: "=", with: "-")
            .replacingOccurrences(of: "/", with: "-")
    }
}
