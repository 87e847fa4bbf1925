import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

/// Training that means something: from a warmed-up policy, GRPO raises held-out accuracy on
/// addition, and with the same seed and steps ReLaX keeps the rollouts' DSD above GRPO's.
@Suite("Learning", .serialized)
struct LearningTests {
    /// 2-digit addition, a 2-block policy of width 64 (≈ 110k parameters), 600 warm-up steps
    /// (held-out greedy accuracy ≈ 0.5 afterwards), then 32 prompts × 8 responses per step.
    static func configuration(method: TrainingMethod, steps: Int) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.task = "addition"; c.taskSize = 2; c.method = method; c.seed = 0
        c.modelDimension = 64; c.layers = 2; c.heads = 4; c.mlpDimension = 256; c.contextLength = 16
        c.sftSteps = 600; c.sftBatch = 64; c.sftLearningRate = 1e-3
        c.steps = steps; c.promptsPerStep = 32; c.groupSize = 8; c.miniBatches = 1; c.learningRate = 1e-4
        c.evalEvery = steps; c.evalPrompts = 200; c.evalSamples = 4
        c.checkpointEvery = 0
        return c
    }

    static func run(_ c: TrainingConfiguration) throws -> [[String: Any]] {
        let directory = NSTemporaryDirectory() + "koopscope-learning-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Trainer(configuration: c, runDirectory: directory).run()
        return try String(contentsOfFile: directory + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    static func value(_ line: [String: Any], _ key: String) -> Double { (line[key] as! NSNumber).doubleValue }

    @Test func grpoRaisesHeldOutAccuracyAndReLaXKeepsDSDHigher() throws {
        let steps = 20
        let grpo = try Self.run(Self.configuration(method: .grpo, steps: steps))
        let before = grpo.first!, after = grpo.last!
        let greedyBefore = Self.value(before, "eval/mean@1"), greedyAfter = Self.value(after, "eval/mean@1")
        let sampledBefore = Self.value(before, "eval/mean@4"), sampledAfter = Self.value(after, "eval/mean@4")
        // 200 held-out prompts: a standard error of about 0.035 on each accuracy.
        #expect(greedyBefore > 0.3, "the warm-up leaves a policy that is sometimes right (\(greedyBefore))")
        #expect(greedyAfter > greedyBefore + 0.1, "greedy accuracy \(greedyBefore) → \(greedyAfter)")
        #expect(sampledAfter > sampledBefore + 0.05, "sampled accuracy \(sampledBefore) → \(sampledAfter)")

        // α = 10: these responses are 3–4 tokens, so DSD is ≈ 0.025 and the paper's α = 0.1 moves it
        // by under a percent in 20 steps (measured: 0.0260 against GRPO's 0.0259); with
        // DSD of order one, as in the paper, α = 0.1 weighs what α = 10 weighs here.
        var relaxConfiguration = Self.configuration(method: .relax, steps: steps)
        relaxConfiguration.relaxAlpha = 10
        let relax = try Self.run(relaxConfiguration)
        func meanDSD(_ lines: [[String: Any]]) -> Double {
            let values = lines.compactMap { ($0["actor/dsd/mean"] as? NSNumber)?.doubleValue }.dropFirst()
            return values.reduce(0, +) / Double(values.count)
        }
        // The first step's rollouts are the same in both runs (same seed, same warm-up); only
        // rounding differs, when other tests running in this process change OpenBLAS's thread
        // count under the GEMMs (alone, the two values are bit-identical).
        let first = (Self.value(grpo[1], "actor/dsd/mean"), Self.value(relax[1], "actor/dsd/mean"))
        #expect(abs(first.0 - first.1) <= 1e-2 * first.0, "step 1: \(first.0) vs \(first.1)")
        #expect(meanDSD(relax) > meanDSD(grpo), "mean DSD over steps 2…\(steps): ReLaX \(meanDSD(relax)), GRPO \(meanDSD(grpo))")
        // On the fixed held-out prompts (greedy responses), without the rollouts' sampling noise.
        let heldOutGRPO = Self.value(grpo.last!, "eval/dsd/mean"), heldOutReLaX = Self.value(relax.last!, "eval/dsd/mean")
        #expect(heldOutReLaX > 1.1 * heldOutGRPO, "held-out DSD: ReLaX \(heldOutReLaX), GRPO \(heldOutGRPO)")
        #expect(Self.value(relax.last!, "eval/mean@1") > greedyBefore + 0.1, "ReLaX learns the task too")
    }
}
