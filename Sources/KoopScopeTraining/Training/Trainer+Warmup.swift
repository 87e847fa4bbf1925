import Foundation
import KoopScope

extension Trainer {
    /// Supervised warm-up: `sftSteps` steps of cross-entropy on correct answers (end-of-sequence
    /// included) to training prompts, so that RL starts from a policy that is sometimes right.
    /// Each step's loss and learning rate go to `RUN_DIR/sft.jsonl`, with the held-out greedy
    /// accuracy every `sftEvalEvery` steps; `RUN_DIR/sft-samples.txt` then gets the greedy
    /// responses to the first held-out problems, to see how the policy goes wrong.
    func warmUp(progress: (StepReport) -> Void) throws {
        guard configuration.sftSteps > 0 else { return }
        let log = MetricsLog(path: runDirectory + "/sft.jsonl")
        let samples = MetricsLog(path: runDirectory + "/sft-samples.txt")
        try? FileManager.default.removeItem(atPath: samples.path)   // a warm-up starts over whole
        for s in 1...configuration.sftSteps {
            let started = Date()
            let rate = configuration.sftSchedule.learningRate(step: s, of: configuration.sftSteps,
                                                              peak: configuration.sftLearningRate)
            optimizer.settings.learningRate = rate
            var prompts: [[Int32]] = [], answers: [[Int32]] = []
            for _ in 0..<configuration.sftBatch {
                let instance = task.sampleTraining(using: &rng, excluding: heldOut)
                prompts.append(try encodePrompt(instance))
                let response = task.demonstration(for: instance, using: &rng)
                answers.append(try text.demonstration(response))
            }
            let batch = sequenceBatch(prompts: prompts, responses: answers)
            // One part: the warm-up's batch is small, and its numbers stay those of one tape.
            let pass = PartedPass(policy: policy, parts: [(batch.inputs, batch.targets, batch.length)], temperature: 1)
            let scored = pass.parts[0]
            let tokens = Double(answers.reduce(0) { $0 + $1.count })
            var seed = [Float](repeating: 0, count: batch.count * batch.length)
            for i in 0..<batch.count {
                for t in 0..<answers[i].count { seed[batch.row(sequence: i, responseToken: t)] = Float(-1 / tokens) }
            }
            let logp = batch.responseValues(backend.download(scored.logp.buffer))
            let nll = -logp.joined().reduce(0.0) { $0 + Double($1) } / tokens
            let gradients = pass.gradients(seeds: [[(scored.logp, backend.upload(seed))]])
            let norm = optimizer.step(gradients: gradients, clip: configuration.gradientClip)
            try backend.synchronize()
            guard nll.isFinite else { throw TrainingError.nonFinite(step: 0, detail: "warm-up step \(s): the loss is \(nll)") }
            var values = [Metric.sftLoss: nll, Metric.sftGradNorm: norm, Metric.sftLR: rate,
                          Metric.timingStep: Date().timeIntervalSince(started)]
            var note = "warm-up \(s)/\(configuration.sftSteps): loss \(String(format: "%.4f", nll))"
            if configuration.sftEvalEvery > 0 && (s % configuration.sftEvalEvery == 0 || s == configuration.sftSteps) {
                let (accuracy, examples) = try greedyAccuracy(examples: 8)
                values[Metric.evalMeanAt1] = accuracy
                note += ", held-out mean@1 \(String(format: "%.3f", accuracy))"
                let text = examples.map { "\($0.correct ? "right" : "wrong")  \($0.prompt)\($0.response)\n" }.joined()
                try samples.append(text: "warm-up step \(s): held-out greedy mean@1 \(accuracy)\n" + text + "\n")
            }
            try log.append(step: s, values)
            if s % 10 == 0 || s == configuration.sftSteps || values[Metric.evalMeanAt1] != nil {
                progress(StepReport(step: 0, totalSteps: configuration.steps, metrics: values,
                                    notes: [note]))
            }
        }
    }
}
