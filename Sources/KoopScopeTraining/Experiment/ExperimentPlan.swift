import Foundation
import KoopScope

/// What an experiment runs: arms × seeds, each arm of a seed started from that seed's one warm-up,
/// with the same training flags; and where each run lives under the output folder.
///
/// ```swift
/// let plan = try ExperimentPlan(arms: ["grpo", "relax"], seeds: [1, 2], flags: [("task", "countdown-trace")])
/// print(plan.runs.map(\.directory))   // ["grpo/seed-1", "relax/seed-1", "grpo/seed-2", "relax/seed-2"]
/// ```
public struct ExperimentPlan: Sendable, Equatable {
    public let arms: [ExperimentArm]
    public let seeds: [UInt64]
    /// Training flags shared by every run, as (key, value), in the order given.
    public let flags: [ExperimentArm.Setting]

    /// One training run of the plan.
    public struct Run: Sendable, Equatable {
        /// nil for a seed's warm-up.
        public var arm: ExperimentArm?
        public var seed: UInt64
        /// Relative to the output folder.
        public var directory: String
        /// The training settings, in the order they apply.
        public var settings: [ExperimentArm.Setting]
    }

    public init(arms: [String], seeds: [UInt64], flags: [(key: String, value: String)]) throws {
        guard !arms.isEmpty else { throw ExperimentError.invalidFlag(flag: "--arms", detail: "no arm given") }
        let parsed = try arms.map(ExperimentArm.init(parsing:))
        var seen = Set<String>()
        for arm in parsed where !seen.insert(arm.directoryName).inserted {
            throw ExperimentError.invalidArm(arm: arm.name, detail: "given twice")
        }
        guard !seeds.isEmpty else { throw ExperimentError.invalidFlag(flag: "--seeds", detail: "no seed given") }
        guard Set(seeds).count == seeds.count else {
            throw ExperimentError.invalidFlag(flag: "--seeds", detail: "seeds repeat (\(seeds.map(String.init).joined(separator: ",")))")
        }
        var probe = TrainingConfiguration()
        for (key, value) in flags {
            guard !["seed", "init-checkpoint", "method"].contains(key) else {
                throw ExperimentError.invalidFlag(flag: "--\(key)", detail: "is set by the experiment (--seeds, --arms, the warm-up)")
            }
            do { try probe.set(key, to: value, source: "--\(key)") } catch let error as TrainingError {
                throw ExperimentError.invalidFlag(flag: "--\(key)", detail: error.description)
            }
        }
        for arm in parsed {
            do {
                _ = try TrainingConfiguration.resolve(.init(flags: flags + arm.settings.map { ($0.key, $0.value) }))
            } catch let error as TrainingError {
                throw ExperimentError.invalidArm(arm: arm.name, detail: error.description)
            }
        }
        self.arms = parsed
        self.seeds = seeds
        self.flags = flags.map { ExperimentArm.Setting(key: $0.key, value: $0.value) }
    }

    /// The warm-up of `seed`: the shared flags, 0 RL steps (it checkpoints the warmed-up policy).
    public func warmUp(seed: UInt64) -> Run {
        Run(arm: nil, seed: seed, directory: "warmup/seed-\(seed)",
            settings: flags + [.init(key: "seed", value: String(seed)), .init(key: "steps", value: "0")])
    }

    /// Where a warm-up leaves the policy the arms of its seed start from.
    public static let warmUpCheckpoint = "checkpoints/step-000000"

    /// Every arm's run, seed by seed.
    public var runs: [Run] {
        seeds.flatMap { seed in
            arms.map { arm in
                Run(arm: arm, seed: seed, directory: "\(arm.directoryName)/seed-\(seed)",
                    settings: flags.filter { !["sft-steps"].contains($0.key) } + arm.settings + [
                        .init(key: "seed", value: String(seed)), .init(key: "sft-steps", value: "0"),
                        .init(key: "init-checkpoint", value: "warmup/seed-\(seed)/" + Self.warmUpCheckpoint),
                    ])
            }
        }
    }

    /// What identifies the experiment in `DIR/experiment.json`: a rerun with the same one resumes it.
    public var specification: String {
        var lines = ["koopscope experiment 1"]
        lines.append("arms " + arms.map(\.name).joined(separator: ","))
        lines.append("seeds " + seeds.map(String.init).joined(separator: ","))
        for f in flags { lines.append("flag \(f.key)=\(f.value)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
