import KoopScope

/// A decoder-only transformer: token and position embeddings, pre-norm blocks (causal multi-head
/// attention, then a GELU MLP, each added to the residual stream), a final layer norm and a
/// linear head over the vocabulary.
///
/// The *hidden state* of a position is the final layer norm's output, the vector the head reads:
/// the last layer's state whose logits predict the next token (docs/math.md §11).
///
/// ```swift
/// let policy = TransformerPolicy<Float>(configuration: shape, backend: CPUBackend(), seed: 1)
/// let tape = Tape<Float>(backend: policy.backend)
/// let out = policy.forward(tape, tokens: batch, length: 12)
/// ```
public final class TransformerPolicy<S: TensorScalar>: Policy, @unchecked Sendable {
    public let configuration: PolicyConfiguration
    public let backend: any Backend
    /// Every trainable matrix, in a fixed order (checkpoints and the optimiser rely on it).
    public let parameters: [Parameter<S>]

    /// What one forward pass gives.
    public typealias Forward = PolicyForward<S>

    public var vocabularySize: Int { configuration.vocabularySize }
    public var hiddenDimension: Int { configuration.dimension }

    /// A freshly initialised policy: weights N(0, 0.02²), the residual projections scaled by
    /// 1/√(2·layers) (GPT-2's scheme), layer norms at identity, biases zero.
    public init(configuration c: PolicyConfiguration, backend: any Backend, seed: UInt64) {
        precondition(c.problem == nil, c.problem ?? "")
        configuration = c
        self.backend = backend
        var rng = SeededGenerator(seed: seed)
        var list: [Parameter<S>] = []
        func add(_ name: String, _ rows: Int, _ columns: Int, _ fill: (inout SeededGenerator) -> Double) {
            let values = (0..<(rows * columns)).map { _ in S(fill(&rng)) }
            list.append(Parameter(name: name, rows: rows, columns: columns, value: backend.upload(values)))
        }
        let d = c.dimension, f = c.mlpDimension
        let normal = { (g: inout SeededGenerator) in 0.02 * g.nextGaussian() }
        let residual = { (g: inout SeededGenerator) in 0.02 / Double(2 * c.layers).squareRoot() * g.nextGaussian() }
        let one = { (_: inout SeededGenerator) in 1.0 }, zero = { (_: inout SeededGenerator) in 0.0 }
        add("token_embedding", c.vocabularySize, d, normal)
        add("position_embedding", c.contextLength, d, normal)
        for l in 0..<c.layers {
            add("blocks.\(l).attention_norm.gamma", 1, d, one)
            add("blocks.\(l).attention_norm.beta", 1, d, zero)
            add("blocks.\(l).attention.qkv.weight", d, 3 * d, normal)
            add("blocks.\(l).attention.qkv.bias", 1, 3 * d, zero)
            add("blocks.\(l).attention.output.weight", d, d, residual)
            add("blocks.\(l).attention.output.bias", 1, d, zero)
            add("blocks.\(l).mlp_norm.gamma", 1, d, one)
            add("blocks.\(l).mlp_norm.beta", 1, d, zero)
            add("blocks.\(l).mlp.input.weight", d, f, normal)
            add("blocks.\(l).mlp.input.bias", 1, f, zero)
            add("blocks.\(l).mlp.output.weight", f, d, residual)
            add("blocks.\(l).mlp.output.bias", 1, d, zero)
        }
        add("final_norm.gamma", 1, d, one)
        add("final_norm.beta", 1, d, zero)
        add("head.weight", d, c.vocabularySize, normal)
        add("head.bias", 1, c.vocabularySize, zero)
        parameters = list
    }

    public func copy() -> Self { Self(copying: self) }

    public func sample(prompts: [[Int32]], settings: SamplingSettings, stopTokens: Set<Int32>, padding: Int32,
                       using rng: inout SeededGenerator) -> [[Int32]] {
        Sampler(policy: self, stopTokens: stopTokens, padding: padding)
            .sample(prompts: prompts, settings: settings, using: &rng).map(\.tokens)
    }

    /// A policy with the same shape and a copy of `other`'s values (the frozen reference policy).
    public required init(copying other: TransformerPolicy<S>) {
        configuration = other.configuration
        backend = other.backend
        parameters = other.parameters.map { $0.copied(on: other.backend) }
    }

    /// Runs `batch` sequences of `length` tokens each (right-padded, row-major in `tokens`)
    /// through the model on `tape`.
    public func forward(_ tape: Tape<S>, tokens: [Int32], length: Int) -> Forward {
        precondition(length >= 1 && length <= configuration.contextLength && tokens.count % length == 0,
                     "\(tokens.count) tokens as sequences of \(length) (context \(configuration.contextLength))")
        let batch = tokens.count / length
        let p = parameters.map { tape.watch($0) }
        var next = 0
        func take() -> Tensor<S> { defer { next += 1 }; return p[next] }
        let positions = (0..<tokens.count).map { Int32($0 % length) }
        var x = tape.embed(tokens: tokens, positions: positions, tokenTable: take(), positionTable: take())
        for _ in 0..<configuration.layers {
            let attentionNorm = tape.layerNorm(x, gamma: take(), beta: take())
            let qkv = tape.linear(attentionNorm, take(), take())
            let mixed = tape.causalAttention(qkv, batch: batch, length: length, heads: configuration.heads)
            x = tape.add(x, tape.linear(mixed, take(), take()))
            let mlpNorm = tape.layerNorm(x, gamma: take(), beta: take())
            let inner = tape.linearGELU(mlpNorm, take(), take())
            x = tape.add(x, tape.linear(inner, take(), take()))
        }
        let hidden = tape.layerNorm(x, gamma: take(), beta: take())
        let logits = tape.linear(hidden, take(), take())
        return Forward(logits: logits, hidden: hidden, parameters: p)
    }
}
