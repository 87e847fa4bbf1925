import Foundation
import KoopScope

extension Trainer {
    /// Accuracy on the held-out prompts: greedy (`eval/mean@1`), and over `evalSamples` samples
    /// per prompt at the training temperature (`eval/mean@k`, and `eval/pass@k`); once the
    /// dictionary exists, the mean DSD of the greedy responses (`eval/dsd/mean`) — the same prompts
    /// every time, so it tracks the policy without the sampling noise of the rollouts' DSD.
    public func evaluate() throws -> [String: Double] {
        let prompts = evaluationPrompts
        // Its own generator: evaluating must not change the training stream (or a run's results
        // would depend on how often it is evaluated).
        var evalRNG = SeededGenerator(seed: configuration.seed &+ 0xE7A1 &+ UInt64(step))
        let first = try greedyResponses(&evalRNG)
        let k = configuration.evalSamples
        let sampledSettings = SamplingSettings(temperature: configuration.temperature, topP: configuration.topP,
                                               maxResponseLength: maxResponseLength)
        let repeated = prompts.flatMap { Array(repeating: $0, count: k) }
        let sampled = try sample(repeated, sampledSettings, &evalRNG)
        func correct(_ response: [Int32], _ instance: TaskInstance) -> Double {
            task.reward(responseText(response), for: instance).correct
        }
        let n = Double(max(evaluationSet.count, 1))
        let mean1 = accuracy(of: first)
        var meanK = 0.0, passK = 0.0
        for (i, instance) in evaluationSet.enumerated() {
            let scores = (0..<k).map { correct(sampled[i * k + $0], instance) }
            meanK += scores.reduce(0, +) / Double(k)
            passK += scores.contains(1) ? 1 : 0
        }
        var values = [Metric.evalMeanAt1: mean1, Metric.evalMean(at: k): meanK / n, Metric.evalPass(at: k): passK / n]
        if let dictionary {
            let dsd = TrajectoryDSD.compute(inferencePass(prompts: prompts, responses: first).hidden, dictionary: dictionary, variant: dsdVariant,
                                            variance: configuration.dsdVariance, withGradient: false,
                                            paddedLength: paddedLength).compactMap(\.dsd)
            if !dsd.isEmpty { values[Metric.evalDSDMean] = dsd.reduce(0, +) / Double(dsd.count) }
        }
        return values
    }

    /// Held-out greedy accuracy alone (the warm-up's check), with the evaluation's generator, and
    /// the first `examples` held-out problems with the responses as text.
    func greedyAccuracy(examples: Int) throws -> (accuracy: Double, examples: [(prompt: String, response: String, correct: Bool)]) {
        var evalRNG = SeededGenerator(seed: configuration.seed &+ 0xE7A1)
        let responses = try greedyResponses(&evalRNG)
        let shown = zip(responses, evaluationSet).prefix(examples).map { response, instance in
            let text = responseText(response)
            return (instance.prompt, text, task.reward(text, for: instance).correct == 1)
        }
        return (accuracy(of: responses), Array(shown))
    }

    private func greedyResponses(_ generator: inout SeededGenerator) throws -> [[Int32]] {
        let greedy = SamplingSettings(temperature: 1, greedy: true, maxResponseLength: maxResponseLength)
        return try sample(evaluationPrompts, greedy, &generator)
    }

    /// The share of the held-out problems that `responses` (one each, in order) solve.
    private func accuracy(of responses: [[Int32]]) -> Double {
        let right = zip(responses, evaluationSet).reduce(0.0) { $0 + task.reward(responseText($1.0), for: $1.1).correct }
        return right / Double(max(evaluationSet.count, 1))
    }

    /// Samples in chunks so that the caches stay small whatever the batch.
    func sample(_ prompts: [[Int32]], _ settings: SamplingSettings, _ generator: inout SeededGenerator) throws -> [[Int32]] {
        var out: [[Int32]] = []
        var start = 0
        while start < prompts.count {
            let chunk = Array(prompts[start..<min(prompts.count, start + 256)])
            out += try policy.sample(prompts: chunk, settings: settings, stopTokens: text.stopTokens,
                                     padding: text.padding, using: &generator)
            start += chunk.count
        }
        return out
    }

    /// A response's text (decoding stops at end-of-sequence).
    func responseText(_ response: [Int32]) -> String { text.text(response) }
}
