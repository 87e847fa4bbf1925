import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

@Suite("Transformer policy and sampling")
struct PolicyTests {
    let tiny = PolicyConfiguration(vocabularySize: 7, contextLength: 8, dimension: 4, layers: 2, heads: 2, mlpDimension: 6)

    @Test func parameterCountMatchesTheMatrices() {
        let shape = PolicyConfiguration(vocabularySize: 50, dimension: 128, layers: 5, heads: 4)
        let policy = TransformerPolicy<Float>(configuration: shape, backend: CPUBackend(), seed: 1)
        #expect(policy.parameterCount == shape.parameterCount)
        #expect(shape.parameterCount == 6400 + 8192 + 5 * 198_272 + 256 + 6450, "the ~1M policy of the benchmarks")
        #expect(PolicyConfiguration(vocabularySize: 50, dimension: 6, heads: 4).problem != nil)
    }

    /// The whole network's gradient — through the head, every block, both embeddings — for a loss
    /// that mixes log-probabilities, entropies and hidden states, against central differences.
    @Test func wholeModelGradientAgainstFiniteDifferences() {
        let backend = CPUBackend()
        let policy = TransformerPolicy<Double>(configuration: tiny, backend: backend, seed: 3)
        // Larger weights than the initialisation so that every path carries signal.
        for (index, p) in policy.parameters.enumerated() {
            backend.write(gaussian(p.count, seed: UInt64(100 + index), scale: 0.5).enumerated().map {
                p.name.hasSuffix("gamma") ? 1 + $0.element : $0.element
            }, to: p.value)
        }
        let tokens: [Int32] = [1, 4, 5, 3, 2, 0, 1, 6, 3, 3, 5, 2]   // two sequences of 6
        let targets: [Int32] = [4, 5, 3, 2, 0, 0, 6, 3, 3, 5, 2, 0]
        let wLogp = gaussian(12, seed: 30), wEntropy = gaussian(12, seed: 31), wHidden = gaussian(48, seed: 32)
        func loss() -> Double {
            let tape = Tape<Double>(backend: backend, recording: false)
            let f = policy.forward(tape, tokens: tokens, length: 6)
            let r = tape.tokenLogProbabilities(f.logits, targets: targets, temperature: 0.8)
            func dot(_ t: Tensor<Double>, _ w: [Double]) -> Double { zip(backend.download(t.buffer), w).reduce(0) { $0 + $1.0 * $1.1 } }
            return dot(r.logp, wLogp) + dot(r.entropy, wEntropy) + dot(f.hidden, wHidden)
        }
        let tape = Tape<Double>(backend: backend)
        let f = policy.forward(tape, tokens: tokens, length: 6)
        let r = tape.tokenLogProbabilities(f.logits, targets: targets, temperature: 0.8)
        tape.backward(seeds: [(r.logp, backend.upload(wLogp)), (r.entropy, backend.upload(wEntropy)),
                              (f.hidden, backend.upload(wHidden))])
        var worst = 0.0
        for (parameter, tensor) in zip(policy.parameters, f.parameters) {
            let analytic = backend.download(tape.gradient(of: tensor)!)
            var values = backend.download(parameter.value)
            var numeric = [Double](repeating: 0, count: values.count)
            for k in values.indices {
                let original = values[k]
                values[k] = original + 1e-6; backend.write(values, to: parameter.value); let plus = loss()
                values[k] = original - 1e-6; backend.write(values, to: parameter.value); let minus = loss()
                values[k] = original; backend.write(values, to: parameter.value)
                numeric[k] = (plus - minus) / 2e-6
            }
            let error = zip(analytic, numeric).map { abs($0 - $1) }.max()! / max(numeric.map(abs).max()!, 1e-8)
            #expect(error < 1e-5, "\(parameter.name): relative error \(error)")
            worst = max(worst, error)
        }
        #expect(worst < 1e-5)
    }

    /// The cached, one-row-at-a-time path must give the same log-probabilities as a full forward
    /// over the finished sequences, for prompts of different lengths in one batch.
    @Test func cachedSamplingMatchesFullForward() {
        let backend = CPUBackend()
        let policy = TransformerPolicy<Double>(configuration: tiny, backend: backend, seed: 5)
        for p in policy.parameters where p.name.hasSuffix("weight") || p.name.hasSuffix("embedding") {
            backend.write(gaussian(p.count, seed: UInt64(p.count), scale: 0.7), to: p.value)
        }
        let prompts: [[Int32]] = [[1, 4], [1, 5, 6, 3], [1, 3, 3]]
        var rng = SeededGenerator(seed: 9)
        let settings = SamplingSettings(temperature: 0.9, maxResponseLength: 4)
        let sampled = Sampler(policy: policy, endOfSequence: 2).sample(prompts: prompts, settings: settings, using: &rng)
        #expect(sampled.contains { $0.tokens.count == 4 } || sampled.contains { $0.tokens.last == 2 })
        for (prompt, response) in zip(prompts, sampled) {
            let sequence = prompt + response.tokens
            let tape = Tape<Double>(backend: backend, recording: false)
            let f = policy.forward(tape, tokens: sequence, length: sequence.count)
            let targets = Array(sequence.dropFirst()) + [0]
            let logp = backend.download(tape.tokenLogProbabilities(f.logits, targets: targets, temperature: 0.9).logp.buffer)
            for (t, value) in response.logProbabilities.enumerated() {
                #expect(abs(logp[prompt.count - 1 + t] - value) < 1e-10)
            }
        }
    }

    @Test func samplingFollowsTheDistributionAndTheNucleus() {
        let logits = [2.0, 1.0, 0.0, -1.0]
        let p = logits.map { exp($0) }, total = p.reduce(0, +)
        var rng = SeededGenerator(seed: 4)
        var counts = [0, 0, 0, 0]
        let draws = 40_000
        for _ in 0..<draws { counts[Sampler<Float>.choose(logits, settings: SamplingSettings(), using: &rng).0] += 1 }
        for k in 0..<4 {
            let expected = p[k] / total, sd = (expected * (1 - expected) / Double(draws)).squareRoot()
            #expect(abs(Double(counts[k]) / Double(draws) - expected) < 5 * sd, "token \(k)")
        }
        // top-p 0.8: the nucleus is {0, 1} (0.644 + 0.237 ≥ 0.8); renormalised 0.731 / 0.269.
        counts = [0, 0, 0, 0]
        for _ in 0..<draws { counts[Sampler<Float>.choose(logits, settings: SamplingSettings(topP: 0.8), using: &rng).0] += 1 }
        #expect(counts[2] == 0 && counts[3] == 0)
        #expect(abs(Double(counts[0]) / Double(draws) - p[0] / (p[0] + p[1])) < 0.01)
        let greedy = Sampler<Float>.choose(logits, settings: SamplingSettings(greedy: true), using: &rng)
        #expect(greedy.0 == 0 && abs(greedy.1 - (2 - log(total))) < 1e-12)
        // Temperature 0.5 sharpens: logp of token 0 = 4 − log Σ e^{2 l}.
        let sharp = Sampler<Float>.choose(logits, settings: SamplingSettings(temperature: 0.5, greedy: true), using: &rng)
        #expect(abs(sharp.1 - (4 - log(logits.map { exp(2 * $0) }.reduce(0, +)))) < 1e-12)
    }

    /// A batch sampled whole (split across the cores) gives each sequence exactly what it gets
    /// sampled alone from its own generator: responses do not depend on the split.
    @Test func aSequenceSamplesTheSameWhateverTheBatchAroundIt() {
        let shape = PolicyConfiguration(vocabularySize: 20, contextLength: 24, dimension: 32, layers: 2, heads: 4)
        let policy = TransformerPolicy<Float>(configuration: shape, backend: CPUBackend(), seed: 5)
        let sampler = Sampler(policy: policy, endOfSequence: 2)
        var draw = SeededGenerator(seed: 9)
        let prompts: [[Int32]] = (0..<40).map { b in (0..<(3 + b % 4)).map { _ in Int32(3 + draw.next() % 17) } }
        let settings = SamplingSettings(maxResponseLength: 12)
        var rng = SeededGenerator(seed: 11)
        let whole = sampler.sample(prompts: prompts, settings: settings, using: &rng)
        var seeds = SeededGenerator(seed: 11)
        for (b, prompt) in prompts.enumerated() {
            let alone = sampler.sample(prompts: [prompt], settings: settings, generators: [SeededGenerator(seed: seeds.next())])[0]
            #expect(alone.tokens == whole[b].tokens && alone.logProbabilities == whole[b].logProbabilities, "sequence \(b)")
        }
        #expect(Set(whole.map(\.tokens)).count > 30, "the sequences differ from one another")
    }
}
