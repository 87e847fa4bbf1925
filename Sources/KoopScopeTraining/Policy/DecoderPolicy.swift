import KoopScope

/// A Hugging Face Llama-family decoder as a trainable ``Policy``: the checkpoint's weights as
/// parameters under their own names and in their own layout (a linear layer's weight is
/// output × input), run on the tape with RMSNorm, rotary embeddings, grouped-query attention and
/// the SiLU-gated MLP, each with its backward pass.
///
/// ```swift
/// let policy = try DecoderPolicy<Float>(CheckpointFolder(path: "Qwen2.5-0.5B"), backend: CPUBackend())
/// let tape = Tape<Float>(backend: policy.backend)
/// let out = policy.forward(tape, tokens: tokens, length: tokens.count)
/// ```
public final class DecoderPolicy<S: TensorScalar>: Policy, @unchecked Sendable {
    public let configuration: DecoderConfiguration
    public let backend: any Backend
    public let parameters: [Parameter<S>]
    /// The rotary frequencies, on the backend.
    let frequencies: Buffer<S>

    public var vocabularySize: Int { configuration.vocab_size }
    public var hiddenDimension: Int { configuration.hidden_size }

    /// A policy of the same configuration with a copy of `other`'s current values.
    public required init(copying other: DecoderPolicy<S>) {
        configuration = other.configuration
        backend = other.backend
        parameters = other.parameters.map { $0.copied(on: other.backend) }
        frequencies = other.frequencies
    }

    public func copy() -> Self { Self(copying: self) }

    /// Responses through the sampling ``Decoder`` of the current weights (Float32 on the CPU),
    /// the draws of each prompt from its own generator.
    public func sample(prompts: [[Int32]], settings: SamplingSettings, stopTokens: Set<Int32>, padding: Int32,
                       using rng: inout SeededGenerator) throws -> [[Int32]] {
        guard !prompts.isEmpty else { return [] }
        // The update's freed blocks would otherwise sit beside the decoder's copy of the weights.
        (backend as? CPUBackend)?.pool.release()
        let runner = RolloutRunner(decoder: try Decoder(self), stopTokens: Set(stopTokens.map(Int.init)))
        let sampler = try TokenSampler(temperature: settings.greedy ? 0 : settings.temperature, topP: settings.topP)
        var responses = [[Int32]](repeating: [], count: prompts.count)
        try runner.run(prompts: prompts.map { $0.map(Int.init) },
                       settings: .init(samples: 1, sampler: sampler, maxNewTokens: settings.maxResponseLength,
                                       batch: prompts.count, seed: rng.next())) { trajectory in
            responses[trajectory.prompt] = trajectory.responseIDs.map(Int32.init)
        }
        return responses
    }

    /// The checkpoint's tensors, in ``DecoderWeights/expectedTensors(_:)``'s order, uploaded once.
    public init(_ folder: CheckpointFolder, backend: any Backend) throws {
        let c = folder.configuration
        configuration = c
        self.backend = backend
        let tensor = try DecoderWeights.reader(folder)
        parameters = try DecoderWeights.expectedTensors(c).map { name, shape in
            let values = S.converted(try tensor(name)!)
            return Parameter(name: name, rows: shape.count == 2 ? shape[0] : 1, columns: shape.last!, value: backend.upload(values))
        }
        let rotary = RotaryEmbedding(headDimension: c.head_dim, theta: c.rope_theta, scaling: c.rope_scaling)
        frequencies = backend.upload(rotary.frequencies.map { S($0) })
    }

    public func forward(_ tape: Tape<S>, tokens: [Int32], length: Int) -> PolicyForward<S> {
        precondition(length >= 1 && tokens.count % length == 0, "\(tokens.count) tokens as sequences of \(length)")
        let c = configuration
        let batch = tokens.count / length, epsilon = S(c.rms_norm_eps)
        let p = parameters.map { tape.watch($0) }
        var byName: [String: Tensor<S>] = [:]
        for (parameter, tensor) in zip(parameters, p) { byName[parameter.name] = tensor }
        func weight(_ name: String) -> Tensor<S> { byName[name]! }
        let positionsOfRows = backend.upload((0..<tokens.count).map { Int32($0 % length) })
        // The embedding op adds a row of a position table; these models have none, so one zero row.
        let noPositions = tape.constant([S](repeating: 0, count: c.hidden_size), rows: 1, columns: c.hidden_size)
        var x = tape.embed(tokens: tokens, positions: [Int32](repeating: 0, count: tokens.count),
                           tokenTable: weight("model.embed_tokens.weight"), positionTable: noPositions)
        for l in 0..<c.num_hidden_layers {
            let prefix = "model.layers.\(l)."
            func projection(_ name: String, _ input: Tensor<S>) -> Tensor<S> {
                tape.linear(input, transposed: weight(prefix + name + ".weight"), byName[prefix + name + ".bias"])
            }
            let normed = tape.rmsNorm(x, weight: weight(prefix + "input_layernorm.weight"), epsilon: epsilon)
            var q = projection("self_attn.q_proj", normed), k = projection("self_attn.k_proj", normed)
            let v = projection("self_attn.v_proj", normed)
            if let queryNorm = byName[prefix + "self_attn.q_norm.weight"], let keyNorm = byName[prefix + "self_attn.k_norm.weight"] {
                q = tape.reshaped(tape.rmsNorm(tape.reshaped(q, columns: c.head_dim), weight: queryNorm, epsilon: epsilon),
                                  columns: q.columns)
                k = tape.reshaped(tape.rmsNorm(tape.reshaped(k, columns: c.head_dim), weight: keyNorm, epsilon: epsilon),
                                  columns: k.columns)
            }
            q = tape.rotary(q, heads: c.num_attention_heads, positions: positionsOfRows, frequencies: frequencies)
            k = tape.rotary(k, heads: c.num_key_value_heads, positions: positionsOfRows, frequencies: frequencies)
            let attended = tape.groupedAttention(q: q, k: k, v: v, batch: batch, length: length,
                                                 heads: c.num_attention_heads, kvHeads: c.num_key_value_heads)
            x = tape.add(x, projection("self_attn.o_proj", attended))
            let mlpInput = tape.rmsNorm(x, weight: weight(prefix + "post_attention_layernorm.weight"), epsilon: epsilon)
            let inner = tape.siluGate(projection("mlp.gate_proj", mlpInput), projection("mlp.up_proj", mlpInput))
            x = tape.add(x, projection("mlp.down_proj", inner))
        }
        let hidden = tape.rmsNorm(x, weight: weight("model.norm.weight"), epsilon: epsilon)
        let head = byName["lm_head.weight"] ?? weight("model.embed_tokens.weight")
        return PolicyForward(logits: tape.matmul(hidden, transposed: head), hidden: hidden, parameters: p)
    }
}
