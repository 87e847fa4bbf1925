import ArgumentParser
import Foundation
import KoopScope
import KoopScopeTraining

/// Sampling and training throughput of a ~1M-parameter policy on the CPU backend, the update
/// against its bare GEMMs, and DSD (and its gradient) as a share of the actor update.
struct TrainingCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Sampling and update tokens/s of a ~1M-parameter policy; DSD's share of the update.")

    @Option(help: "Policy width d.") var dimension = 128
    @Option(help: "Transformer blocks.") var layers = 5
    @Option(help: "Sequences sampled at once.") var samplingBatch = 256
    @Option(help: "Tokens per sampled response.") var responseLength = 24
    @Option(help: "Sequences per update.") var batch = 64
    @Option(help: "Positions per training sequence.") var length = 32
    @Option(help: "Context length of the policy (positions it can hold).") var context = 64
    @Option(help: "Dictionary features m.") var koopmanDim = 50
    @Option(help: "Repetitions (the best is reported).") var repeats = 5
    @Option(help: "cpu or cuda.") var device = "cpu"

    func run() throws {
        let backend = try DeviceSelection.backend(for: device).backend
        print("backend: \(backend.name)")
        let shape = PolicyConfiguration(vocabularySize: CharacterTokenizer.standard.vocabularySize, contextLength: context,
                                        dimension: dimension, layers: layers, heads: 4)
        let policy = TransformerPolicy<Float>(configuration: shape, backend: backend, seed: 1)
        var rng = SeededGenerator(seed: 2)
        let vocabulary = UInt64(shape.vocabularySize)
        func tokens(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(3 + rng.next() % (vocabulary - 3)) } }
        try backend.synchronize()
        print("policy: \(policy.parameterCount) parameters (d \(dimension), \(layers) blocks, 4 heads, MLP \(shape.mlpDimension))")

        // Sampling with the KV cache; responses never stop early (end-of-sequence is not in reach).
        let prompts = (0..<samplingBatch).map { _ in [1] + tokens(8) }
        let sampler = Sampler(policy: policy, endOfSequence: -1)
        var generated = 0
        let sampling = best(of: repeats) {
            generated = sampler.sample(prompts: prompts, settings: SamplingSettings(maxResponseLength: responseLength),
                                       using: &rng).reduce(0) { $0 + $1.tokens.count }
            try? backend.synchronize()
        }
        print(String(format: "sampling: %d sequences × %d new tokens in %.3f s = %.0f tokens/s",
                     samplingBatch, responseLength, sampling, Double(generated) / sampling))

        // One actor update: forward on the tape, log-probabilities and entropy, backward, AdamW.
        let inputs = tokens(batch * length), targets = tokens(batch * length)
        let optimizer = AdamWOptimizer(parameters: policy.parameters, settings: AdamWSettings(learningRate: 1e-6), backend: backend)
        let seedValues = (0..<(batch * length)).map { _ in Float(rng.nextGaussian()) / Float(batch * length) }
        var hidden: [Float] = []
        // As the trainer runs it: parts of about 8 sequences on the cores at once.
        let ranges = PartedPass.ranges(count: batch, parted: backend is CPUBackend)
        let parts = ranges.map { r in
            (tokens: Array(inputs[(r.lowerBound * length)..<(r.upperBound * length)]),
             targets: Array(targets[(r.lowerBound * length)..<(r.upperBound * length)]), length: length)
        }
        // The seeds' buffers once, outside the timed updates, as before the parts.
        let seedBuffers = ranges.map { r in backend.upload(Array(seedValues[(r.lowerBound * length)..<(r.upperBound * length)])) }
        let hiddenSeeds = ranges.map { r in backend.upload([Float](repeating: 1e-4, count: r.count * length * dimension)) }
        func update(withHiddenSeed: Bool) {
            let pass = PartedPass(policy: policy, parts: parts, temperature: 1)
            hidden = pass.parts.flatMap { backend.download($0.forward.hidden.buffer) }
            let seeds = pass.parts.indices.map { p in
                let part = pass.parts[p]
                var list = [(part.logp, seedBuffers[p]), (part.entropy, seedBuffers[p])]
                if withHiddenSeed { list.append((part.forward.hidden, hiddenSeeds[p])) }
                return list
            }
            optimizer.step(gradients: pass.gradients(seeds: seeds), clip: 1)
            try? backend.synchronize()
        }
        let updateTime = best(of: repeats) { update(withHiddenSeed: false) }
        let updateWithHidden = best(of: repeats) { update(withHiddenSeed: true) }   // the seed itself costs nothing
        let tokenCount = Double(batch * length)
        print(String(format: "update (%d × %d positions): %.3f s = %.0f tokens/s; with a seed on the hidden states %.3f s",
                     batch, length, updateTime, tokenCount / updateTime, updateWithHidden))

        // The optimizer's share of it: the global norm, clipping, AdamW. Each step clips the
        // gradients to half their norm, so that every repeat scales them.
        let clipped = policy.parameters.map { backend.upload([Float](repeating: 1 / Float(policy.parameterCount).squareRoot(),
                                                                     count: $0.count)) }
        var norm = 1.0
        let stepTime = best(of: repeats) {
            norm = optimizer.step(gradients: clipped, clip: norm / 2) / 2
            try? backend.synchronize()
        }
        print(String(format: "optimizer step (norm, clip, AdamW): %.3f s = %.0f%% of the update", stepTime, 100 * stepTime / updateTime))

        // The bare GEMMs of that update: each linear layer's forward product and its two backward ones.
        let d = dimension, f = shape.mlpDimension, v = shape.vocabularySize, n = batch * length
        let shapes = Array(repeating: [(d, 3 * d), (d, d), (d, f), (f, d)], count: layers).flatMap { $0 } + [(d, v)]
        let buffers = shapes.map { (backend.allocate(n * $0.0, of: Float.self), backend.allocate($0.0 * $0.1, of: Float.self),
                                    backend.allocate(n * $0.1, of: Float.self)) }
        let gemms = best(of: repeats) {
            for ((k, m), (x, w, y)) in zip(shapes, buffers) {
                backend.gemm(GEMMShape(m: n, n: m, k: k), alpha: 1, x, w, beta: 0, y)
                backend.gemm(GEMMShape(m: n, n: k, k: m, transposeB: true), alpha: 1, y, w, beta: 0, x)
                backend.gemm(GEMMShape(m: k, n: m, k: n, transposeA: true), alpha: 1, x, y, beta: 0, w)
            }
            try? backend.synchronize()
        }
        let flops = 6 * Double(n) * Double(shapes.reduce(0) { $0 + $1.0 * $1.1 })
        print(String(format: "bare GEMMs of the update: %.3f s (%.1f GFLOP/s); update / GEMMs = %.2f×",
                     gemms, flops / gemms / 1e9, updateTime / gemms))

        // DSD of every trajectory (response-aligned states) through a dictionary, with and without ∂D/∂x.
        let states = (0..<batch).map { i in
            Matrix(rows: length, columns: d, elements: Array(hidden[(i * length * d)..<((i + 1) * length * d)]))
        }
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: d, koopmanDimension: koopmanDim)
        let values = best(of: repeats) {
            _ = TrajectoryDSD.compute(states, dictionary: dictionary, variant: .paper, variance: .sample, withGradient: false)
        }
        let gradients = best(of: repeats) {
            _ = TrajectoryDSD.compute(states, dictionary: dictionary, variant: .paper, variance: .sample, withGradient: true)
        }
        print(String(format: "DSD of %d trajectories (T %d, m %d): %.3f s (%.0f%% of the update; logged for every method)",
                     batch, length, koopmanDim, values, 100 * values / updateTime))
        print(String(format: "DSD with ∂D/∂x: %.3f s = %.0f%% of the update: what ReLaX adds to it (paper: about 50%%)",
                     gradients, 100 * gradients / updateTime))
    }
}
