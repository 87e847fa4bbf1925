/// The tensors of a Llama-family decoder by name, as a checkpoint folder holds them: which ones a
/// configuration has and their shapes, and a reader that checks each and converts it to Float32.
///
/// Matrices are row-major as PyTorch stores them: a projection `W` of `out × in` maps a row
/// `x` to `x Wᵀ`.
public enum DecoderWeights {
    /// The names of a configuration's tensors and their shapes, in file order.
    public static func expectedTensors(_ c: DecoderConfiguration) -> [(name: String, shape: [Int])] {
        let d = c.hidden_size, q = c.num_attention_heads * c.head_dim, kv = c.num_key_value_heads * c.head_dim
        var tensors: [(String, [Int])] = [("model.embed_tokens.weight", [c.vocab_size, d])]
        for i in 0..<c.num_hidden_layers {
            let p = "model.layers.\(i)."
            tensors += [(p + "input_layernorm.weight", [d]),
                        (p + "self_attn.q_proj.weight", [q, d]), (p + "self_attn.k_proj.weight", [kv, d]),
                        (p + "self_attn.v_proj.weight", [kv, d]), (p + "self_attn.o_proj.weight", [d, q])]
            if c.attention_bias {
                tensors += [(p + "self_attn.q_proj.bias", [q]), (p + "self_attn.k_proj.bias", [kv]),
                            (p + "self_attn.v_proj.bias", [kv])]
                if c.architecture != .qwen2 { tensors.append((p + "self_attn.o_proj.bias", [d])) }
            }
            if c.hasQueryKeyNorm {
                tensors += [(p + "self_attn.q_norm.weight", [c.head_dim]), (p + "self_attn.k_norm.weight", [c.head_dim])]
            }
            tensors += [(p + "post_attention_layernorm.weight", [d]),
                        (p + "mlp.gate_proj.weight", [c.intermediate_size, d]),
                        (p + "mlp.up_proj.weight", [c.intermediate_size, d]),
                        (p + "mlp.down_proj.weight", [d, c.intermediate_size])]
        }
        tensors.append(("model.norm.weight", [d]))
        if !c.tie_word_embeddings { tensors.append(("lm_head.weight", [c.vocab_size, d])) }
        return tensors
    }

    /// Refuses a folder holding a tensor its configuration does not have; returns a reader of
    /// the tensors it must have (nil for one the configuration does not use), each checked for
    /// its shape and converted to Float32 when read.
    public static func reader(_ folder: CheckpointFolder) throws -> (String) throws -> [Float]? {
        let c = folder.configuration
        let shapes = Dictionary(uniqueKeysWithValues: expectedTensors(c))
        for (name, file) in folder.files.sorted(by: { $0.key < $1.key }) where shapes[name] == nil {
            // Older checkpoints keep rotary tables (recomputed here) and tied checkpoints may keep the
            // output projection that equals the embedding.
            if name.hasSuffix(".rotary_emb.inv_freq") || (name == "lm_head.weight" && c.tie_word_embeddings) { continue }
            throw ModelFileError.invalid(file: file.path, entry: name,
                                         detail: "a tensor \(c.architecture.rawValue) with this configuration does not have")
        }
        return { name in try shapes[name].map { try folder.floats(name, shape: $0) } }
    }
}
