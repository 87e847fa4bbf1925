import Foundation
import KoopScope

/// How responses are drawn.
public struct SamplingSettings: Sendable, Equatable, Codable {
    /// Softmax temperature (the paper's 1.0).
    public var temperature = 1.0
    /// Nucleus: sample among the most likely tokens whose probabilities first reach `topP`.
    public var topP = 1.0
    /// Take the most likely token instead of sampling (evaluation's mean@1).
    public var greedy = false
    /// The most tokens a response may have, end-of-sequence included.
    public var maxResponseLength = 8

    public init(temperature: Double = 1.0, topP: Double = 1.0, greedy: Bool = false, maxResponseLength: Int = 8) {
        self.temperature = temperature
        self.topP = topP
        self.greedy = greedy
        self.maxResponseLength = maxResponseLength
    }
}

/// Draws responses from a policy one token at a time with a key/value cache per layer, so each
/// new token costs one row through the network instead of the whole sequence.
///
/// All sequences advance in lockstep, one position per step: a sequence still inside its prompt
/// is fed its next prompt token, then its own samples; it stops at end-of-sequence or after
/// `maxResponseLength` tokens.
///
/// ```swift
/// let responses = Sampler(policy: policy, endOfSequence: 2)
///     .sample(prompts: prompts, settings: SamplingSettings(), using: &rng)
/// ```
public struct Sampler<S: TensorScalar>: Sendable {
    public let policy: TransformerPolicy<S>
    /// Tokens that end a response.
    public let stopTokens: Set<Int32>
    public let padding: Int32

    public init(policy: TransformerPolicy<S>, stopTokens: Set<Int32>, padding: Int32 = 0) {
        self.policy = policy
        self.stopTokens = stopTokens
        self.padding = padding
    }

    /// A sampler whose responses end at `endOfSequence`.
    public init(policy: TransformerPolicy<S>, endOfSequence: Int32, padding: Int32 = 0) {
        self.init(policy: policy, stopTokens: [endOfSequence], padding: padding)
    }

    /// One response per prompt, and the log-probability (at the sampling temperature) of each
    /// response token as the cached forward computed it.
    ///
    /// Each sequence samples from its own generator, seeded in turn from `rng`, so what it
    /// samples does not depend on the others: on the CPU backend the batch is split across the
    /// cores (OpenBLAS kept to one thread), and the responses are the same on any number of them.
    public func sample(prompts: [[Int32]], settings: SamplingSettings, using rng: inout SeededGenerator)
        -> [(tokens: [Int32], logProbabilities: [Double])]
    {
        let batch = prompts.count
        guard batch > 0 else { return [] }
        let generators = (0..<batch).map { _ in SeededGenerator(seed: rng.next()) }
        // Parts of at most smallGEMMRows, so that every product goes through the one kernel whose
        // rows do not depend on one another, whatever the number of cores.
        let parts = policy.backend is CPUBackend
            ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, batch / Self.minimumPart),
                  (batch + CPUBackend.smallGEMMRows - 1) / CPUBackend.smallGEMMRows) : 1
        let strips = stripPackedWeights()
        guard parts > 1 else { return sample(prompts: prompts, settings: settings, generators: generators, strips: strips) }
        let ranges = evenRanges(batch, parts: parts)
        let parted = BLASThreads.singleThreaded {
            concurrentMap(parts) { k in
                let range = ranges[k]
                return sample(prompts: Array(prompts[range]), settings: settings, generators: Array(generators[range]),
                              strips: strips)
            }
        }
        return parted.flatMap { $0 }
    }

    /// Sequences below which a part of the batch is not worth a core of its own.
    static var minimumPart: Int { 8 }

    /// The linear layers' weights laid out for the small-product kernel
    /// (``CPUBackend/stripPacked(_:rows:columns:)``), by parameter index; none off the CPU backend.
    func stripPackedWeights() -> [Int: Buffer<S>] {
        guard let cpu = policy.backend as? CPUBackend else { return [:] }
        var out: [Int: Buffer<S>] = [:]
        for (i, w) in policy.parameters.enumerated() where w.name.hasSuffix(".weight") {
            if let strips = cpu.stripPacked(w.value, rows: w.rows, columns: w.columns) { out[i] = strips }
        }
        return out
    }

    /// Samples every prompt, sequence b drawing from `generators[b]`; `strips` as
    /// ``stripPackedWeights()`` gives them (packed here when nil).
    func sample(prompts: [[Int32]], settings: SamplingSettings, generators: [SeededGenerator], strips: [Int: Buffer<S>]? = nil)
        -> [(tokens: [Int32], logProbabilities: [Double])]
    {
        let strips = strips ?? stripPackedWeights()
        let c = policy.configuration, backend = policy.backend
        let batch = prompts.count, d = c.dimension
        var generators = generators
        let capacity = min(c.contextLength, prompts.map(\.count).max()! + settings.maxResponseLength)
        let tape = Tape<S>(backend: backend, recording: false)
        let p = policy.parameters.map { tape.watch($0) }
        let caches = (0..<c.layers).map { _ in
            (keys: backend.allocate(batch * capacity * d, of: S.self), values: backend.allocate(batch * capacity * d, of: S.self))
        }
        var responses = [[Int32]](repeating: [], count: batch)
        var logProbabilities = [[Double]](repeating: [], count: batch)
        var finished = [Bool](repeating: false, count: batch)
        for position in 0..<capacity {
            if finished.allSatisfy({ $0 }) { break }
            let inputs: [Int32] = (0..<batch).map { b in
                let prompt = prompts[b]
                if position < prompt.count { return prompt[position] }
                let r = position - prompt.count
                return r < responses[b].count ? responses[b][r] : padding
            }
            let logits = step(tape, parameters: p, strips: strips, inputs: inputs, position: position, capacity: capacity,
                              caches: caches)
            let rows = backend.download(logits.buffer)
            for b in 0..<batch where !finished[b] && position + 1 >= prompts[b].count {
                let row = rows[(b * c.vocabularySize)..<((b + 1) * c.vocabularySize)].map { Double($0) }
                let (token, logp) = Self.choose(row, settings: settings, using: &generators[b])
                responses[b].append(Int32(token))
                logProbabilities[b].append(logp)
                if stopTokens.contains(Int32(token)) || responses[b].count >= settings.maxResponseLength
                    || prompts[b].count + responses[b].count >= capacity {
                    finished[b] = true
                }
            }
        }
        return (0..<batch).map { (responses[$0], logProbabilities[$0]) }
    }

    /// Logits (batch × vocabulary) for one new position of every sequence, extending the caches.
    private func step(_ tape: Tape<S>, parameters p: [Tensor<S>], strips: [Int: Buffer<S>], inputs: [Int32], position: Int,
                      capacity: Int, caches: [(keys: Buffer<S>, values: Buffer<S>)]) -> Tensor<S> {
        let c = policy.configuration, backend = policy.backend, batch = inputs.count
        var next = 0
        func take() -> Tensor<S> { defer { next += 1 }; return p[next] }
        // tape.linear's bits (tape.linearGELU's with `gelu`), with the weights streamed from their
        // strips where they have them.
        func linear(_ x: Tensor<S>, gelu: Bool = false) -> Tensor<S> {
            let packed = strips[next]
            let (w, b) = (take(), take())
            let onTape = { gelu ? tape.linearGELU(x, w, b) : tape.linear(x, w, b) }
            guard let packed, let cpu = backend as? CPUBackend else { return onTape() }
            let y = tape.unwritten(rows: x.rows, columns: w.columns)
            guard cpu.stripProduct(x.buffer, rows: x.rows, packed, k: w.rows, n: w.columns, into: y.buffer) else {
                return onTape()
            }
            guard gelu else {
                backend.addBias(y.buffer, b.buffer, rows: y.rows, columns: y.columns)
                return y
            }
            let activated = tape.unwritten(rows: y.rows, columns: y.columns)
            backend.biasGELU(y.buffer, bias: b.buffer, rows: y.rows, columns: y.columns, y: activated.buffer)
            return activated
        }
        var x = tape.embed(tokens: inputs, positions: Array(repeating: Int32(position), count: batch),
                           tokenTable: take(), positionTable: take())
        for layer in 0..<c.layers {
            let attentionNorm = tape.layerNorm(x, gamma: take(), beta: take())
            let qkv = linear(attentionNorm)
            backend.appendToCache(qkv.buffer, batch: batch, dimension: c.dimension, position: position, capacity: capacity,
                                  keys: caches[layer].keys, values: caches[layer].values)
            let mixed = tape.empty(rows: batch, columns: c.dimension)
            backend.attendCached(qkv.buffer, keys: caches[layer].keys, values: caches[layer].values, batch: batch,
                                 length: position + 1, capacity: capacity, heads: c.heads, dimension: c.dimension,
                                 out: mixed.buffer)
            x = tape.add(x, linear(mixed))
            let mlpNorm = tape.layerNorm(x, gamma: take(), beta: take())
            let inner = linear(mlpNorm, gelu: true)
            x = tape.add(x, linear(inner))
        }
        let hidden = tape.layerNorm(x, gamma: take(), beta: take())
        return linear(hidden)
    }

    /// The chosen token and its log-probability under softmax(logits/τ) (before the nucleus cut).
    static func choose(_ logits: [Double], settings: SamplingSettings, using rng: inout SeededGenerator) -> (Int, Double) {
        let scaled = logits.map { $0 / settings.temperature }
        let top = scaled.max()!
        let weights = scaled.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        let logp = { (token: Int) in scaled[token] - top - log(total) }
        if settings.greedy {
            let best = scaled.indices.max { (a: Int, b: Int) -> Bool in scaled[a] != scaled[b] ? scaled[a] < scaled[b] : a > b }!
            return (best, logp(best))
        }
        // The nucleus: tokens by falling probability until their mass reaches topP.
        let order = weights.indices.sorted { (a: Int, b: Int) -> Bool in
            weights[a] != weights[b] ? weights[a] > weights[b] : a < b
        }
        var kept: [Int] = [], mass = 0.0
        for token in order {
            kept.append(token)
            mass += weights[token] / total
            if mass >= settings.topP { break }
        }
        let keptTotal = kept.reduce(0) { $0 + weights[$1] }
        var u = Double(rng.next() >> 11) / Double(1 << 53) * keptTotal
        for token in kept {
            u -= weights[token]
            if u < 0 { return (token, logp(token)) }
        }
        return (kept.last!, logp(kept.last!))
    }
}
