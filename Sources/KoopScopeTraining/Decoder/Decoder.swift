import Dispatch
import Foundation
import KoopScope

/// A Llama-family decoder (Llama, Qwen2, Qwen3, Mistral) run in Float32 on the CPU: RMSNorm,
/// rotary embeddings, grouped-query attention over a key/value cache, and a SiLU-gated MLP,
/// computed as `transformers` computes them.
///
/// ```swift
/// let decoder = try Decoder(checkpoint: "Qwen2.5-0.5B")
/// let output = try decoder.forward([9707, 11, 1879])
/// print(output.logits.count, output.hidden.count)
/// ```
public final class Decoder: @unchecked Sendable {
    /// What one call computed, row by row in the order the tokens were given.
    public struct Output: Sendable {
        /// rows × hidden: the final norm's output (`hidden_states[-1]` in `transformers`).
        public var hidden: [Float]
        /// rows × vocabulary, or fewer rows as ``LogitRows`` asked.
        public var logits: [Float]
        /// The rows ``logits`` holds, in order.
        public var logitRows: [Int]
        /// rows × hidden for each layer asked for, by its index in `transformers`' `hidden_states`
        /// (0 the embeddings, i the output of block i, ``DecoderConfiguration/num_hidden_layers``
        /// the final norm's output, which is ``hidden``).
        public var layers: [Int: [Float]] = [:]
    }

    /// Which rows get logits (the output projection is the costliest product of a small model).
    public enum LogitRows: Sendable {
        case all
        /// The last row given for each sequence (what sampling needs).
        case lastOfEachSequence
    }

    /// One layer's weights as the forward pass reads them.
    struct Layer: Sendable {
        let inputNorm: [Float], postAttentionNorm: [Float]
        let query: Projection, key: Projection, value: Projection, output: Projection
        let queryNorm: [Float]?, keyNorm: [Float]?
        let gate: Projection, up: Projection, down: Projection
    }

    public let configuration: DecoderConfiguration
    let layers: [Layer]
    /// The token embedding as rows, when it is not the output projection too.
    let embedding: [Float]?
    let finalNorm: [Float]
    /// The output projection (the embedding itself when tied).
    let logits: Projection
    /// The rotary frequencies (``RotaryEmbedding``'s, in Float32 as `transformers` keeps them).
    let frequencies: [Float]

    /// Reads the checkpoint folder tensor by tensor, each laid out for the forward pass as it
    /// is read, so that the weights are never held twice.
    public convenience init(_ folder: CheckpointFolder) throws {
        try self.init(configuration: folder.configuration, tensor: try DecoderWeights.reader(folder))
    }

    /// The sampling decoder of a policy's current weights (after training steps, say).
    public convenience init<S>(_ policy: DecoderPolicy<S>) throws {
        let values = Dictionary(uniqueKeysWithValues: policy.parameters.map { ($0.name, $0) })
        try self.init(configuration: policy.configuration) { name in
            values[name].map { S.floats(policy.backend.download($0.value)) }
        }
    }

    /// Lays out each tensor `tensor(name)` gives (nil for one the configuration does not use).
    init(configuration c: DecoderConfiguration, tensor: (String) throws -> [Float]?) throws {
        configuration = c
        let q = c.num_attention_heads * c.head_dim, kv = c.num_key_value_heads * c.head_dim
        let d = c.hidden_size, wide = c.intermediate_size
        func projection(_ name: String, _ output: Int, _ input: Int, bias: String? = nil) throws -> Projection {
            Projection(weight: try tensor(name + ".weight")!, output: output, input: input,
                       bias: try bias.flatMap { try tensor($0) })
        }
        layers = try (0..<c.num_hidden_layers).map { i in
            let p = "model.layers.\(i)."
            return Layer(inputNorm: try tensor(p + "input_layernorm.weight")!,
                         postAttentionNorm: try tensor(p + "post_attention_layernorm.weight")!,
                         query: try projection(p + "self_attn.q_proj", q, d, bias: p + "self_attn.q_proj.bias"),
                         key: try projection(p + "self_attn.k_proj", kv, d, bias: p + "self_attn.k_proj.bias"),
                         value: try projection(p + "self_attn.v_proj", kv, d, bias: p + "self_attn.v_proj.bias"),
                         output: try projection(p + "self_attn.o_proj", d, q, bias: p + "self_attn.o_proj.bias"),
                         queryNorm: try tensor(p + "self_attn.q_norm.weight"), keyNorm: try tensor(p + "self_attn.k_norm.weight"),
                         gate: try projection(p + "mlp.gate_proj", wide, d), up: try projection(p + "mlp.up_proj", wide, d),
                         down: try projection(p + "mlp.down_proj", d, wide))
        }
        finalNorm = try tensor("model.norm.weight")!
        if c.tie_word_embeddings {
            embedding = nil
            logits = try projection("model.embed_tokens", c.vocab_size, d)
        } else {
            embedding = try tensor("model.embed_tokens.weight")!
            logits = try projection("lm_head", c.vocab_size, d)
        }
        frequencies = RotaryEmbedding(headDimension: c.head_dim, theta: c.rope_theta, scaling: c.rope_scaling)
            .frequencies.map { Float($0) }
    }

    /// Loads the checkpoint folder at `path`.
    public convenience init(checkpoint path: String) throws {
        try self.init(CheckpointFolder(path: path))
    }

    /// Runs `tokens` as one fresh sequence and returns every row's states and logits, and the
    /// states of `layers` (indices into `hidden_states`).
    public func forward(_ tokens: [Int], layers: Set<Int> = []) throws -> Output {
        let cache = try DecoderCache(configuration, sequences: 1, capacity: max(tokens.count, 1))
        return try append(tokens.map { (0, $0) }, in: cache, layers: layers)
    }

    /// Greedy decoding: `count` new tokens after `prompt`, each the most likely next one, through
    /// the cache (no stop at EOS).
    public func greedy(prompt: [Int], count: Int) throws -> [Int] {
        let cache = try DecoderCache(configuration, sequences: 1, capacity: prompt.count + count)
        var output = try append(prompt.map { (0, $0) }, in: cache, logits: .lastOfEachSequence)
        var generated: [Int] = []
        for _ in 0..<count {
            let next = Self.argmax(output.logits)
            generated.append(next)
            output = try append([(0, next)], in: cache, logits: .lastOfEachSequence)
        }
        return generated
    }

    static func argmax(_ values: some Collection<Float>) -> Int {
        var best = 0, bestValue = -Float.infinity
        for (i, v) in values.enumerated() where v > bestValue { (best, bestValue) = (i, v) }
        return best
    }

    /// Appends `rows` — each a sequence of `cache` and its next token; a sequence's rows in order —
    /// at the positions that follow what the cache holds, and returns their states and logits,
    /// and the states of `layers` (indices into `hidden_states`, 0 … num_hidden_layers).
    public func append(_ rows: [(sequence: Int, token: Int)], in cache: DecoderCache,
                       logits selection: LogitRows = .all, layers captured: Set<Int> = []) throws -> Output {
        let c = configuration
        let n = rows.count, d = c.hidden_size, hd = c.head_dim
        let heads = c.num_attention_heads, kvHeads = c.num_key_value_heads
        let qWidth = heads * hd, kvWidth = kvHeads * hd
        var positions = [Int](repeating: 0, count: n)
        var filled = cache.lengths
        for (r, row) in rows.enumerated() {
            guard (0..<cache.sequences).contains(row.sequence) else {
                throw DecoderError.noSuchSequence(row.sequence, sequences: cache.sequences)
            }
            guard (0..<c.vocab_size).contains(row.token) else {
                throw DecoderError.tokenOutOfRange(token: row.token, vocabulary: c.vocab_size)
            }
            guard filled[row.sequence] < cache.capacity else {
                throw DecoderError.cacheFull(sequence: row.sequence, capacity: cache.capacity)
            }
            positions[r] = filled[row.sequence]
            filled[row.sequence] += 1
        }
        if let outside = captured.first(where: { !(0...c.num_hidden_layers).contains($0) }) {
            throw DecoderError.noSuchLayer(outside, layers: c.num_hidden_layers)
        }
        guard n > 0 else { return Output(hidden: [], logits: [], logitRows: [], layers: Dictionary(uniqueKeysWithValues: captured.map { ($0, []) })) }

        let rowPositions = positions.map { Int32($0) }
        var x = [Float](repeating: 0, count: n * d)
        x.withUnsafeMutableBufferPointer { xp in
            for (r, row) in rows.enumerated() {
                if let embedding {
                    for j in 0..<d { xp[r * d + j] = embedding[row.token * d + j] }
                } else {
                    logits.row(row.token, into: xp.baseAddress! + r * d)
                }
            }
        }
        var normed = [Float](repeating: 0, count: n * d)
        var q = [Float](repeating: 0, count: n * qWidth)
        var k = [Float](repeating: 0, count: n * kvWidth), v = k
        var attended = [Float](repeating: 0, count: n * qWidth)
        var gate = [Float](repeating: 0, count: n * c.intermediate_size), up = gate
        var states: [Int: [Float]] = [:]
        if captured.contains(0) { states[0] = x }

        for (l, layer) in layers.enumerated() {
            Self.rmsNorm(x, weight: layer.inputNorm, rows: n, width: d, epsilon: Float(c.rms_norm_eps), into: &normed)
            Self.apply(layer.query, normed, rows: n, into: &q)
            Self.apply(layer.key, normed, rows: n, into: &k)
            Self.apply(layer.value, normed, rows: n, into: &v)
            if let queryNorm = layer.queryNorm, let keyNorm = layer.keyNorm {
                Self.rmsNorm(q, weight: queryNorm, rows: n * heads, width: hd, epsilon: Float(c.rms_norm_eps), into: &q)
                Self.rmsNorm(k, weight: keyNorm, rows: n * kvHeads, width: hd, epsilon: Float(c.rms_norm_eps), into: &k)
            }
            Self.rotate(&q, rows: n, heads: heads, headDimension: hd, positions: rowPositions, frequencies: frequencies)
            Self.rotate(&k, rows: n, heads: kvHeads, headDimension: hd, positions: rowPositions, frequencies: frequencies)
            for (r, row) in rows.enumerated() {
                let at = (row.sequence * cache.capacity + positions[r]) * kvWidth
                for j in 0..<kvWidth {
                    cache.keys[l][at + j] = k[r * kvWidth + j]
                    cache.values[l][at + j] = v[r * kvWidth + j]
                }
            }
            attend(q, rows: rows, positions: positions, layer: l, cache: cache, into: &attended)
            Self.apply(layer.output, attended, rows: n, into: &normed)
            for i in 0..<(n * d) { x[i] += normed[i] }

            Self.rmsNorm(x, weight: layer.postAttentionNorm, rows: n, width: d, epsilon: Float(c.rms_norm_eps), into: &normed)
            Self.apply(layer.gate, normed, rows: n, into: &gate)
            Self.apply(layer.up, normed, rows: n, into: &up)
            let gated = gate
            gated.withUnsafeBufferPointer { g in
                up.withUnsafeBufferPointer { u in
                    gate.withUnsafeMutableBufferPointer { Float._siluGate(g.baseAddress!, u.baseAddress!, g.count, $0.baseAddress!) }
                }
            }
            Self.apply(layer.down, gate, rows: n, into: &normed)
            for i in 0..<(n * d) { x[i] += normed[i] }
            if l + 1 < c.num_hidden_layers && captured.contains(l + 1) { states[l + 1] = x }
        }
        cache.lengths = filled

        var hidden = [Float](repeating: 0, count: n * d)
        Self.rmsNorm(x, weight: finalNorm, rows: n, width: d, epsilon: Float(c.rms_norm_eps), into: &hidden)
        let logitRows: [Int]
        switch selection {
        case .all: logitRows = Array(0..<n)
        case .lastOfEachSequence:
            var last: [Int: Int] = [:]
            for (r, row) in rows.enumerated() { last[row.sequence] = r }
            logitRows = last.values.sorted()
        }
        var selected = [Float](repeating: 0, count: logitRows.count * d)
        for (i, r) in logitRows.enumerated() { for j in 0..<d { selected[i * d + j] = hidden[r * d + j] } }
        var scores = [Float](repeating: 0, count: logitRows.count * c.vocab_size)
        Self.apply(logits, selected, rows: logitRows.count, into: &scores)
        if captured.contains(c.num_hidden_layers) { states[c.num_hidden_layers] = hidden }
        return Output(hidden: hidden, logits: scores, logitRows: logitRows, layers: states)
    }

    /// Each row's queries attend, head by head, over its sequence's cached keys up to its own
    /// position; a group of `heads / kvHeads` query heads shares one key/value head.
    private func attend(_ q: [Float], rows: [(sequence: Int, token: Int)], positions: [Int], layer l: Int,
                        cache: DecoderCache, into out: inout [Float]) {
        let c = configuration
        let hd = c.head_dim, heads = c.num_attention_heads, group = heads / c.num_key_value_heads
        let qWidth = heads * hd, kvWidth = c.num_key_value_heads * hd
        let sequences = rows.map(\.sequence), capacity = cache.capacity
        let keys = UnsafeSendablePointer(cache.keys[l]), values = UnsafeSendablePointer(cache.values[l])
        q.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { op in
                let queries = UnsafeSendablePointer(qp.baseAddress!), output = UnsafeSendablePointer(op.baseAddress!)
                let work = rows.count * heads
                let body: @Sendable (Int) -> Void = { item in
                    // One query head over its key/value head's cached rows: the tensor library's
                    // cached-attention kernel with one head, the rows kvWidth apart.
                    let r = item / heads, h = item % heads, g = h / group
                    let length = positions[r] + 1
                    let base = sequences[r] * capacity * kvWidth + g * hd
                    var scratch = [Float](repeating: 0, count: length)
                    scratch.withUnsafeMutableBufferPointer {
                        Float._attendCached(queries.pointer + r * qWidth + h * hd, keys.pointer + base, values.pointer + base,
                                            length, 1, hd, kvWidth, $0.baseAddress!,
                                            UnsafeMutablePointer(mutating: output.pointer) + r * qWidth + h * hd)
                    }
                }
                if work >= 64 {
                    DispatchQueue.concurrentPerform(iterations: work, execute: body)
                } else {
                    for item in 0..<work { body(item) }
                }
            }
        }
    }

    /// y = x / rms(x) · weight, row by row (the tensor library's kernel; the mean of squares in
    /// double, as precise as `transformers`' float32 or better).
    static func rmsNorm(_ x: [Float], weight: [Float], rows: Int, width: Int, epsilon: Float, into y: inout [Float]) {
        var rstd = [Float](repeating: 0, count: rows)
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    rstd.withUnsafeMutableBufferPointer {
                        Float._rmsNorm(xp.baseAddress!, wp.baseAddress!, rows, width, epsilon, yp.baseAddress!, $0.baseAddress!)
                    }
                }
            }
        }
    }

    /// Rotates each row's heads in place at its position (the tensor library's kernel).
    static func rotate(_ x: inout [Float], rows: Int, heads: Int, headDimension: Int, positions: [Int32],
                       frequencies: [Float]) {
        let source = x
        source.withUnsafeBufferPointer { s in
            x.withUnsafeMutableBufferPointer { y in
                Float._rotary(s.baseAddress!, rows, heads, headDimension, positions, frequencies, 1, false, y.baseAddress!)
            }
        }
    }

    /// y = x Wᵀ + b through `projection`.
    static func apply(_ projection: Projection, _ x: [Float], rows: Int, into y: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in projection.apply(xp.baseAddress!, rows: rows, into: yp.baseAddress!) }
        }
    }
}
