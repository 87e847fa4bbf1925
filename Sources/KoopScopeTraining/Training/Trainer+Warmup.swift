import Foundation
import KoopScope

extension Trainer {
    /// Supervised warm-up: `sftSteps` steps of cross-entropy on correct answers (end-of-sequence
    /// included) to training prompts, so that RL starts from a policy that is sometimes right.
    /// Each step's loss goes to `RUN_DIR/sft.jsonl`.
    func warmUp(progress: (StepReport) -> Void) throws {
        guard configuration.sftSteps > 0 else { return }
        let log = MetricsLog(path: runDirectory + "/sft.jsonl")
        for s in 1...configuration.sftSteps {
            let started = Date()
            var prompts: [[Int32]] = [], answers: [[Int32]] = []
            for _ in 0..<configuration.sftBatch {
                let instance = task.sampleTraining(using: &rng, excluding: heldOut)
                prompts.append(try encodePrompt(instance))
                answers.append(try tokenizer.encode(instance.answer).map(Int32.init) + [Int32(tokenizer.eos)])
            }
            let batch = SequenceBatch(prompts: prompts, responses: answers)
            let tape = Tape<Float>(backend: backend)
            let forward = policy.forward(tape, tokens: batch.inputs, length: batch.length)
            let out = tape.tokenLogProbabilities(forward.logits, targets: batch.targets)
            let tokens = Double(answers.reduce(0) { $0 + $1.count })
            var seed = [Float](repeating: 0, count: batch.count * batch.length)
            for i in 0..<batch.count {
                for t in 0..<answers[i].count { seed[batch.row(sequence: i, responseToken: t)] = Float(-1 / tokens) }
            }
            let logp = backend.download(out.logp.buffer)
            let nll = -seed.indices.reduce(0.0) { $0 + (seed[$1] != 0 ? Double(logp[$1]) : 0) } / tokens
            tape.backward(seeds: [(out.logp, backend.upload(seed))])
            let gradients = forward.parameters.map { tape.gradient(of: $0) ?? backend.allocate($0.count, of: Float.self) }
            let norm = optimizer.step(gradients: gradients, clip: configuration.gradientClip)
            try backend.synchronize()
            guard nll.isFinite else { throw TrainingError.nonFinite(step: 0, detail: "warm-up step \(s): the loss is \(nll)") }
            let values = ["sft/loss": nll, "sft/grad_norm": norm, "timing_s/step": Date().timeIntervalSince(started)]
            try log.append(step: s, values)
            if s % 10 == 0 || s == configuration.sftSteps {
                progress(StepReport(step: 0, totalSteps: configuration.steps, metrics: values,
                                    notes: ["warm-up \(s)/\(configuration.sftSteps): loss \(String(format: "%.4f", nll))"]))
            }
        }
    }
}
