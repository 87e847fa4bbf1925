import Foundation
import KoopScope
import Testing
import KoopScopeTraining

/// Training that means something: from a warmed-up policy, GRPO raises held-out accuracy on
/// addition, and with the same seed and steps ReLaX keeps the rollouts' DSD above GRPO's.
///
/// A run computes the same numbers on any number of cores and whatever other tests do with
/// OpenBLAS meanwhile (the trainer keeps OpenBLAS to one thread; a CLI test compares one
/// core with all), so these margins, measured here, hold on every machine.
@Suite("Learning")
struct LearningTests {
    /// 2-digit addition, a 2-block policy of width 64 (≈ 110k parameters), 600 warm-up steps,
    /// then 32 prompts × 8 responses per step.
    ///
    /// docs/training.md gives the spread of these figures over seeds 0–7 (ReLaX, α = 10, also
    /// ends within 0.03 of GRPO's greedy accuracy on every seed). Any change to the arithmetic's
    /// rounding (a new kernel) moves a seed within that spread, so the bounds below are set
    /// inside it for seed 0 rather than at seed 0's own figures.
    static func configuration(_ extra: [(String, String)]) throws -> TrainingConfiguration {
        let common = [("task", "addition"), ("task-size", "2"), ("seed", "0"), ("model-dim", "64"), ("layers", "2"),
                      ("heads", "4"), ("mlp-dim", "256"), ("context", "16"), ("sft-steps", "600"), ("sft-batch", "64"),
                      ("sft-lr", "1e-3"), ("steps", "20"), ("prompts-per-step", "32"), ("group-size", "8"),
                      ("mini-batches", "1"), ("lr", "1e-4"), ("eval-every", "20"), ("eval-prompts", "200"),
                      ("eval-samples", "4"), ("checkpoint-every", "0")]
        var c = TrainingConfiguration()
        for (key, value) in common + extra { try c.set(key, to: value, source: "--\(key)") }
        return c
    }

    /// The run's metric lines, step 0 (the evaluation before RL) first.
    static func run(_ extra: [(String, String)]) throws -> [[String: Double]] {
        let directory = temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Trainer(configuration: configuration(extra), runDirectory: directory).run()
        return try TrainingRun(directory: directory).steps.map(\.values)
    }

    @Test func grpoRaisesHeldOutAccuracyAndReLaXKeepsDSDHigher() throws {
        let grpo = try Self.run([("method", "grpo")])
        let before = grpo.first!, after = grpo.last!
        let greedyBefore = before["eval/mean@1"]!, greedyAfter = after["eval/mean@1"]!
        let sampledBefore = before["eval/mean@4"]!, sampledAfter = after["eval/mean@4"]!
        // 200 held-out prompts: a standard error of about 0.035 on each accuracy.
        #expect(greedyBefore > 0.3, "the warm-up leaves a policy that is sometimes right (\(greedyBefore))")
        #expect(greedyAfter > greedyBefore, "greedy accuracy \(greedyBefore) → \(greedyAfter)")
        #expect(sampledAfter > sampledBefore + 0.03, "sampled accuracy \(sampledBefore) → \(sampledAfter)")

        // α = 10: these responses are 3–4 tokens, so DSD is ≈ 0.025 and the paper's α = 0.1 moves it
        // by under a percent in 20 steps (measured: 0.0260 against GRPO's 0.0259); with DSD of order
        // one, as in the paper, α = 0.1 weighs what α = 10 weighs here.
        let relax = try Self.run([("method", "relax"), ("relax-alpha", "10")])
        func meanDSD(_ lines: [[String: Double]]) -> Double {
            let values = lines.compactMap { $0["actor/dsd/mean"] }.dropFirst()
            return values.reduce(0, +) / Double(values.count)
        }
        // Same seed, same warm-up: the first step's rollouts are the same in both runs.
        #expect(grpo[1]["actor/dsd/mean"] == relax[1]["actor/dsd/mean"])
        #expect(meanDSD(relax) > meanDSD(grpo), "mean DSD over steps 2…20: ReLaX \(meanDSD(relax)), GRPO \(meanDSD(grpo))")
        // On the fixed held-out prompts (greedy responses), without the rollouts' sampling noise.
        let heldOutGRPO = grpo.last!["eval/dsd/mean"]!, heldOutReLaX = relax.last!["eval/dsd/mean"]!
        #expect(heldOutReLaX > 1.1 * heldOutGRPO, "held-out DSD: ReLaX \(heldOutReLaX), GRPO \(heldOutGRPO)")
        #expect(relax.last!["eval/mean@1"]! > greedyBefore && relax.last!["eval/mean@4"]! > sampledBefore + 0.03,
                "ReLaX learns the task too")
    }
}
