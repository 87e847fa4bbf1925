import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

/// One update of the tiny Qwen3 checkpoint equal to PyTorch's (scripts/make-step-fixtures.py:
/// the loss of docs/math.md §9–10 written in PyTorch, autograd, clip_grad_norm_, AdamW): the loss,
/// the gradient norm, each trajectory's DSD, AdamW's first moment (a tenth of the clipped
/// gradient) and the parameters after the step, within 10⁻⁴ relative — on the CPU, and on the
/// CUDA backend (its host emulation where no GPU is) too.
@Suite("One update equal to PyTorch's")
struct StepParityTests {
    struct Fixture: Decodable {
        struct Optimizer: Decodable { var lr: Double, betas: [Double], eps: Double, weight_decay: Double, clip: Double }
        struct Update: Decodable {
            var method: String, variant: String?, alpha: Double?, beta: Double?, xi: Double?
            var loss: Double, grad_norm: Double, dsd: [Double?]
        }
        var prompts: [[Int32]], responses: [[Int32]], groups: [Int], rewards: [Double], advantages: [Double]
        var old_logp: [[Double]], dictionary: [[Float]], max_response_length: Int, reference_scale: Float
        var optimizer: Optimizer, updates: [String: Update]
    }

    static let folder = fixturePath("hf/qwen3-f32")

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/steps.json")))
    }

    /// |a − b| relative to |b|.
    static func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

    func check(_ name: String, on backend: any Backend) throws {
        let f = try Self.fixture(), expected = try #require(f.updates[name])
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = TrainingConfiguration()
        c.model = Self.folder
        c.method = expected.method == "relax" ? .relax : .grpo
        if let variant = expected.variant { c.relaxVariant = variant == "paper" ? .paper : .reference }
        c.relaxAlpha = expected.alpha ?? 0.1
        c.relaxBeta = expected.beta ?? 0.01
        c.relaxXi = expected.xi
        c.learningRate = f.optimizer.lr; c.adamBeta1 = f.optimizer.betas[0]; c.adamBeta2 = f.optimizer.betas[1]
        c.weightDecay = f.optimizer.weight_decay; c.gradientClip = f.optimizer.clip
        c.maxResponseLength = f.max_response_length
        c.koopmanDimension = f.dictionary.count
        c.promptsPerStep = 2; c.groupSize = 4; c.miniBatches = 1; c.evalPrompts = 4
        let trainer = try Trainer(configuration: c, runDirectory: dir.path, backend: backend)
        let policy = trainer.policy
        let initial = policy.parameters.map { backend.download($0.value) }
        if c.method == .relax {
            let reference = policy.copy()
            for p in reference.parameters { backend.write(backend.download(p.value).map { $0 * f.reference_scale }, to: p.value) }
            trainer.reference = reference
        }
        let advantages = GroupAdvantages.compute(rewards: f.rewards, groups: f.groups, normalizeByStd: true)
        for (a, b) in zip(advantages, f.advantages) { #expect(Self.relative(a, b) < 1e-12) }
        var rollouts = f.rewards.indices.map { i in
            var r = Rollout(instance: TaskInstance(prompt: "", answer: "", numbers: [], target: nil), group: f.groups[i],
                            prompt: f.prompts[i], response: f.responses[i], text: "",
                            reward: Reward(correct: f.rewards[i], format: 0), score: f.rewards[i])
            r.advantage = advantages[i]
            return r
        }
        let dictionary = try KoopmanDictionary(weight: Matrix(rows: f.dictionary.count, columns: f.dictionary[0].count,
                                                              elements: f.dictionary.flatMap { $0 }))
        var timing = UpdateTiming()
        let metrics = try trainer.update(Array(rollouts.indices), of: &rollouts, old: f.old_logp, dictionary: dictionary,
                                         timing: &timing)
        let label = "\(name) on \(backend.name)"
        #expect(Self.relative(metrics[Metric.actorLoss]!, expected.loss) < 1e-4, "\(label): loss \(metrics[Metric.actorLoss]!) vs \(expected.loss)")
        #expect(Self.relative(metrics[Metric.actorGradNorm]!, expected.grad_norm) < 1e-4,
                "\(label): gradient norm \(metrics[Metric.actorGradNorm]!) vs \(expected.grad_norm)")
        for (r, d) in zip(rollouts, expected.dsd) {
            if let d { #expect(Self.relative(r.dsd!, d) < 1e-4, "\(label): DSD \(r.dsd!) vs \(d)") }
        }
        if c.method == .relax { #expect(metrics[Metric.actorRelaxPenalisedFrac]! > 0 && metrics[Metric.actorRelaxKL]! > 0) }
        if c.method == .grpo { #expect(metrics[Metric.actorPGClipfrac]! > 0, "the batch clips some ratios") }

        let file = try SafetensorsFile(path: Self.folder + "/steps.safetensors")
        let moments = trainer.optimizer.state.m
        for (k, p) in policy.parameters.enumerated() {
            let m = try file.floats("\(name)/exp_avg/\(p.name)"), after = try file.floats("\(name)/\(p.name)")
            let scale = m.map { abs($0) }.max()!
            let worstMoment = zip(moments[k], m).map { abs($0 - $1) }.max()!
            #expect(worstMoment <= 1e-4 * scale, "\(label): \(p.name)'s first moment is off by \(worstMoment) of \(scale)")
            // Adam's first step moves a parameter by lr·g/(|g| + ε): where g is at the level of
            // rounding (below 10⁻⁵ of the tensor's largest), its sign is noise, and only the bound holds.
            let values = backend.download(p.value)
            for e in values.indices {
                let difference = abs(Double(values[e]) - Double(after[e]))
                if abs(m[e]) > 1e-5 * scale {
                    #expect(difference <= 1e-4 * abs(Double(after[e])) + 1e-9, "\(label): \(p.name)[\(e)] \(values[e]) vs \(after[e])")
                } else {
                    let moved = abs(Double(values[e]) - Double(initial[k][e]))
                    #expect(moved <= c.learningRate * (1 + c.weightDecay * abs(Double(initial[k][e]))) * 1.0001)
                }
            }
        }
    }

    @Test(arguments: ["grpo", "relax-paper", "relax-reference"])
    func anUpdateOnTheCPUEqualsPyTorchs(_ name: String) throws {
        try check(name, on: CPUBackend())
    }

    @Test(.enabled(if: cudaStatus.available, "no CUDA here: \(cudaStatus.reason)"), arguments: ["grpo", "relax-paper"])
    func anUpdateOnCUDAEqualsPyTorchs(_ name: String) throws {
        try check(name, on: try CUDABackend())
    }
}
