import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

/// One optimiser update must move the policy the way the objective says: up the log-probability
/// of positive-advantage responses, down that of negative ones, and — for ReLaX — up the DSD of
/// positive-advantage trajectories.
@Suite("Trainer updates")
struct TrainerUpdateTests {
    static func smallConfiguration(method: TrainingMethod) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.method = method
        c.taskSize = 2
        c.modelDimension = 16; c.layers = 1; c.heads = 2; c.mlpDimension = 32; c.contextLength = 16
        c.promptsPerStep = 2; c.groupSize = 4; c.miniBatches = 1
        c.learningRate = 1e-4; c.gradientClip = 0; c.weightDecay = 0
        c.koopmanDimension = 6
        return c
    }

    static func rollouts(_ trainer: Trainer, rewards: [Double]) throws -> [Rollout] {
        let texts = ["57", "12", "9", "101", "33", "47", "5", "88"]
        var out: [Rollout] = []
        for (i, text) in texts.enumerated() {
            let instance = TaskInstance(prompt: i < 4 ? "23+34=" : "40+7=", answer: i < 4 ? "57" : "47", numbers: [], target: nil)
            let response = try trainer.text.demonstration(text)
            out.append(Rollout(instance: instance, group: i / 4, prompt: try trainer.encodePrompt(instance), response: response,
                               text: text, reward: Reward(correct: rewards[i], format: 1), score: rewards[i]))
        }
        let a = GroupAdvantages.compute(rewards: rewards, groups: out.map(\.group))
        for i in out.indices { out[i].advantage = a[i] }
        return out
    }

    @Test func grpoUpdateFollowsTheAdvantage() throws {
        let directory = temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trainer = try Trainer(configuration: Self.smallConfiguration(method: .grpo), runDirectory: directory)
        let rewards: [Double] = [1, 0, 0, 0, 0, 1, 0, 1]
        var rollouts = try Self.rollouts(trainer, rewards: rewards)
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: 16, koopmanDimension: 6)
        let before = trainer.inferencePass(rollouts).logp.map { $0.reduce(0, +) }
        var timing = UpdateTiming()
        let metrics = try trainer.update(Array(0..<8), of: &rollouts, old: nil, dictionary: dictionary, timing: &timing)
        let after = trainer.inferencePass(rollouts).logp.map { $0.reduce(0, +) }
        // Adam's first step is lr·sign(g) per parameter, so single responses that share tokens may
        // move either way; the advantage-weighted change (minus the surrogate's change) must rise.
        let gain = (0..<8).reduce(0.0) { $0 + rollouts[$1].advantage * (after[$1] - before[$1]) }
        #expect(gain > 0, "Σ A·Δlog π = \(gain)")
        let positive = (0..<8).filter { rollouts[$0].advantage > 0 }, negative = (0..<8).filter { rollouts[$0].advantage < 0 }
        #expect(positive.reduce(0.0) { $0 + after[$1] - before[$1] } > 0)
        #expect(negative.reduce(0.0) { $0 + after[$1] - before[$1] } < 0)
        // On-policy: ratio 1, nothing clipped, ppo_kl 0, pg_loss = −Σ_tokens A / N = −mean token advantage.
        #expect(metrics["actor/pg_clipfrac"] == 0 && metrics["actor/ppo_kl"] == 0)
        let tokens = rollouts.reduce(0) { $0 + $1.response.count }
        let expected = -rollouts.reduce(0.0) { $0 + $1.advantage * Double($1.response.count) } / Double(tokens)
        #expect(abs(metrics["actor/pg_loss"]! - expected) < 1e-6)
        #expect(rollouts.allSatisfy { $0.hidden?.rows == $0.response.count && $0.dsd != nil })
    }

    @Test func relaxUpdateRaisesDSDOfPositiveAdvantageTrajectories() throws {
        let directory = temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var c = Self.smallConfiguration(method: .relax)
        c.relaxAlpha = 1e4       // L_xp dominates the surrogate
        c.learningRate = 1e-3
        let trainer = try Trainer(configuration: c, runDirectory: directory)
        var rollouts = try Self.rollouts(trainer, rewards: [1, 0, 0, 0, 0, 1, 0, 1])
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: 16, koopmanDimension: 6)
        func dsd() -> [Double] {
            TrajectoryDSD.compute(trainer.inferencePass(rollouts).hidden, dictionary: dictionary, variant: .paper,
                                  variance: .sample, withGradient: false).map { $0.dsd! }
        }
        let before = dsd()
        var timing = UpdateTiming()
        let metrics = try trainer.update(Array(0..<8), of: &rollouts, old: nil, dictionary: dictionary, timing: &timing)
        let after = dsd()
        let positive = rollouts.indices.filter { rollouts[$0].advantage > 0 }
        #expect(positive.allSatisfy { after[$0] > before[$0] }, "before \(before), after \(after)")
        #expect(metrics["actor/relax/l_xp"] != nil && timing.dsd > 0)
        #expect(metrics["actor/relax/kl"] == nil && timing.reference == 0, "𝓘 is empty at ξ = 25: no reference forward")
    }

    @Test func relaxPenalisesTheSetWithKLToTheReference() throws {
        let directory = temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var c = Self.smallConfiguration(method: .relax)
        c.relaxXi = 0            // every trajectory with a DSD is in 𝓘 (paper variant: D_i > ξ)
        let trainer = try Trainer(configuration: c, runDirectory: directory)
        trainer.reference = trainer.policy.copy()
        var rollouts = try Self.rollouts(trainer, rewards: [1, 0, 0, 0, 0, 1, 0, 1])
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: 16, koopmanDimension: 6)
        var timing = UpdateTiming()
        var metrics = try trainer.update(Array(0..<8), of: &rollouts, old: nil, dictionary: dictionary, timing: &timing)
        // The reference equals the policy before the first update: KL 0 on all of 𝓘.
        #expect(metrics["actor/relax/penalised_frac"] == 1 && metrics["actor/relax/kl"] == 0 && timing.reference > 0)
        metrics = try trainer.update(Array(0..<8), of: &rollouts, old: nil, dictionary: dictionary, timing: &timing)
        #expect((metrics["actor/relax/kl"] ?? 0) > 0, "after an update the policy has moved away from the reference")
    }

    /// The update of a mini-batch cut into parts (each on its own tape, on the cores at once)
    /// is the update of the whole batch: the same gradient up to rounding, the same step.
    @Test(arguments: [TrainingMethod.grpo, .relax])
    func anUpdateInPartsIsTheUpdateOfTheWholeBatch(method: TrainingMethod) throws {
        var c = Self.smallConfiguration(method: method)
        c.promptsPerStep = 8
        c.relaxAlpha = 10
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: 16, koopmanDimension: 6)
        var results: [(metrics: [String: Double], parameters: [[Float]])] = []
        for parted in [true, false] {
            let directory = temporaryDirectory().path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let trainer = try Trainer(configuration: c, runDirectory: directory)
            trainer.splitsUpdates = parted
            var rollouts: [Rollout] = []
            for copy in 0..<4 {
                for var r in try Self.rollouts(trainer, rewards: [1, 0, 0, 0, 0, 1, 1, 0]) {
                    r.group += 2 * copy
                    rollouts.append(r)
                }
            }
            #expect(PartedPass.ranges(count: rollouts.count, parted: parted).count == (parted ? 4 : 1))
            var timing = UpdateTiming()
            let metrics = try trainer.update(Array(rollouts.indices), of: &rollouts, old: nil, dictionary: dictionary, timing: &timing)
            results.append((metrics, trainer.policy.parameters.map { trainer.backend.download($0.value) }))
        }
        let (parted, whole) = (results[0], results[1])
        let norm = try #require(whole.metrics["actor/grad_norm"])
        #expect(norm > 0 && abs(parted.metrics["actor/grad_norm"]! - norm) <= 1e-5 * norm, "gradient norm \(parted.metrics["actor/grad_norm"]!) against \(norm)")
        // The per-token values summed in Double come from Float32 forwards of batches of different
        // shapes, so they agree to Float32's rounding, not to the bit (measured: 4.5e-9 relative);
        // a lost or doubled part moves the loss by a quarter.
        let loss = whole.metrics["actor/loss"]!
        #expect(abs(parted.metrics["actor/loss"]! - loss) <= 1e-6 * abs(loss), "loss \(parted.metrics["actor/loss"]!) against \(loss)")
        var largest: Float = 0
        for (a, b) in zip(parted.parameters, whole.parameters) { for (x, y) in zip(a, b) { largest = max(largest, abs(x - y)) } }
        // AdamW's first step moves every parameter by about lr = 1e-4 whatever its gradient's size,
        // so components whose gradient is at the level of Float rounding may move a little
        // differently; a lost or doubled part would move the norm above by a quarter.
        #expect(largest < 1e-5, "parameters after the step differ by up to \(largest) (a step moves them by about 1e-4)")
    }
}

@Suite("Checkpoint layouts")
struct CheckpointLayoutTests {
    /// A checkpoint folder whose tensors.bin holds `floats` values and whose layout says `layout`.
    func checkpoint(floats: Int, layout: [[String: Any]]) throws -> String {
        let dir = temporaryDirectory()
        let blob = [UInt8](repeating: 0, count: 4 * floats)
        try Data(blob).write(to: dir.appendingPathComponent("tensors.bin"))
        let state: [String: Any] = ["format": Trainer.checkpointFormat, "version": 1, "tensors": layout,
                                    "tensors_sha256": sha256Hex(blob)]
        try JSONSerialization.data(withJSONObject: state).write(to: dir.appendingPathComponent("state.json"))
        return dir.path
    }

    @Test func craftedCountsAreRefusedNotTrapped() throws {
        let good = try checkpoint(floats: 5, layout: [["name": "a", "count": 2], ["name": "b", "count": 3]])
        defer { try? FileManager.default.removeItem(atPath: good) }
        #expect(try Trainer.readCheckpoint(at: good).tensors.mapValues(\.count) == ["a": 2, "b": 3])
        // The digest of the digest, as earlier checkpoints recorded it, is accepted; another is not.
        let blob = [UInt8](repeating: 0, count: 20)
        #expect(Trainer.digest(sha256Hex(sha256Hex(blob).chunkedHexBytes), matches: blob))
        #expect(!Trainer.digest(sha256Hex([1]), matches: blob))
        for layout: [[String: Any]] in [
            [["name": "a", "count": 1 << 62]],                       // 4 × count overflows Int
            [["name": "a", "count": 2], ["name": "b", "count": Int.max]],
            [["name": "a", "count": -1]],
            [["name": "a", "count": 1e300]],
            [["name": "a", "count": 2.5]],
            [["name": "a", "count": 4]],                             // covers 4 of the 5 values
        ] {
            let path = try checkpoint(floats: 5, layout: layout)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: TrainingError.self, "\(layout)") { try Trainer.readCheckpoint(at: path) }
        }
    }
}

@Suite("Resuming a run")
struct ResumeTests {
    /// Every metric but the wall-clock ones, as sorted JSON lines.
    func deterministic(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let kept = object.filter { !$0.key.hasPrefix("timing_s/") && $0.key != Metric.perfThroughput }
            return String(decoding: try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    /// Each step logs its rollouts' mean effective rank, and from the second and third step on its
    /// first and second differences — computed here from the logged means.
    @Test func theEffectiveRankIsLoggedWithItsDifferences() throws {
        var c = TrainerUpdateTests.smallConfiguration(method: .grpo)
        c.steps = 4; c.evalEvery = 0
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Trainer(configuration: c, runDirectory: dir.path).run()
        let steps = try String(contentsOfFile: dir.path + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }.filter { ($0["step"] as? Int ?? 0) >= 1 }
        #expect(steps.count == 4)
        let mean = steps.map { ($0[Metric.actorEffectiveRankMean] as? NSNumber)?.doubleValue ?? .nan }
        #expect(mean.allSatisfy { $0 >= 1 && $0 <= Double(c.modelDimension) }, "\(mean)")
        #expect(steps[0][Metric.actorEffectiveRankVelocity] == nil && steps[1][Metric.actorEffectiveRankAcceleration] == nil)
        for t in 1..<4 {
            let velocity = (steps[t][Metric.actorEffectiveRankVelocity] as? NSNumber)?.doubleValue ?? .nan
            #expect(abs(velocity - (mean[t] - mean[t - 1])) < 1e-12)
        }
        for t in 2..<4 {
            let acceleration = (steps[t][Metric.actorEffectiveRankAcceleration] as? NSNumber)?.doubleValue ?? .nan
            #expect(abs(acceleration - ((mean[t] - mean[t - 1]) - (mean[t - 1] - mean[t - 2]))) < 1e-12)
        }
    }

    /// A run stopped after step 7 (two steps past its last checkpoint, as a killed process
    /// leaves it) and resumed computes exactly what an uninterrupted run does.
    @Test func aStoppedAndResumedRunEqualsAnUninterruptedOne() throws {
        var c = TrainerUpdateTests.smallConfiguration(method: .clipCov)
        c.steps = 12; c.checkpointEvery = 5; c.evalEvery = 4; c.evalPrompts = 4; c.evalSamples = 2
        c.sftSteps = 3; c.sftBatch = 4; c.covarianceRatio = 0.05
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = dir.appendingPathComponent("whole").path, stopped = dir.appendingPathComponent("stopped").path
        try Trainer(configuration: c, runDirectory: whole).run()
        try Trainer(configuration: c, runDirectory: stopped).run(stoppingAfter: 7)
        #expect(try deterministic(stopped + "/metrics.jsonl").count == 8, "steps 0…7 logged, the checkpoint at 5")
        let resumed = try Trainer(configuration: c, runDirectory: stopped, resume: true)
        #expect(resumed.step == 5)
        try resumed.run()
        let a = try deterministic(whole + "/metrics.jsonl"), b = try deterministic(stopped + "/metrics.jsonl")
        #expect(a.count == 13 && a == b)
    }
}

extension String {
    /// 64 hexadecimal digits as their 32 bytes.
    fileprivate var chunkedHexBytes: [UInt8] {
        let digits = Array(utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }
}
