import Foundation
import KoopScope

/// A decoder's `config.json` as Hugging Face writes it for the Llama family — Llama, Qwen2,
/// Qwen3 and Mistral (without a sliding window) — its fields named as in the file.
///
/// Rotary settings are read in both forms `transformers` has written: `rope_theta` with
/// `rope_scaling` (version 4) and `rope_parameters` (version 5).
///
/// ```swift
/// let configuration = try DecoderConfiguration(contentsOf: "Qwen2.5-0.5B/config.json")
/// print(configuration.architecture, configuration.num_hidden_layers)
/// ```
public struct DecoderConfiguration: Sendable, Equatable {
    /// The architectures koopscope implements, by their `architectures` name.
    public enum Architecture: String, Sendable, CaseIterable {
        case llama = "LlamaForCausalLM"
        case qwen2 = "Qwen2ForCausalLM"
        case qwen3 = "Qwen3ForCausalLM"
        case mistral = "MistralForCausalLM"
    }

    /// How rotary frequencies are scaled.
    public enum RopeScaling: Sendable, Equatable {
        /// Plain rotary embeddings.
        case none
        /// Llama 3.1's: wavelengths longer than `originalContext / lowFrequencyFactor` divided by
        /// `factor`, shorter than `originalContext / highFrequencyFactor` kept, smoothly between.
        case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Int)
    }

    public var architecture: Architecture
    public var vocab_size: Int
    public var hidden_size: Int
    public var intermediate_size: Int
    public var num_hidden_layers: Int
    public var num_attention_heads: Int
    public var num_key_value_heads: Int
    /// Width of one attention head; `hidden_size / num_attention_heads` when the file omits it.
    public var head_dim: Int
    public var rms_norm_eps: Double
    public var rope_theta: Double
    public var rope_scaling: RopeScaling
    public var max_position_embeddings: Int
    /// The output projection is the token embedding.
    public var tie_word_embeddings: Bool
    /// Biases on the query, key and value projections (Qwen2 has them).
    public var attention_bias: Bool
    /// RMS norms on each head's queries and keys (Qwen3).
    public var hasQueryKeyNorm: Bool
    public var bos_token_id: Int?
    /// Every token that ends a sequence (the file may give one or a list).
    public var eos_token_ids: [Int]

    /// Reads and checks `path` (a `config.json`).
    public init(contentsOf path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelFileError.unreadable(file: path, detail: "cannot read it (\(error.localizedDescription))")
        }
        try self.init(json: data, file: path)
    }

    /// Reads and checks a `config.json` document; errors name `file`.
    public init(json data: Data, file: String) throws {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ModelFileError.malformed(file: file, detail: "not a JSON object")
            }
            object = parsed
        } catch let error as ModelFileError { throw error } catch {
            throw ModelFileError.malformed(file: file, detail: "not JSON (\(error.localizedDescription))")
        }
        let fields = JSONFields(object, file: file)

        let architectures = try fields.strings("architectures")
        guard let name = architectures.first, architectures.count == 1 else {
            throw ModelFileError.invalid(file: file, entry: "architectures", detail: "must name one architecture, not \(architectures)")
        }
        guard let architecture = Architecture(rawValue: name) else {
            throw ModelFileError.unsupported(file: file, entry: "architectures", detail: "\(name) is not one koopscope implements ("
                                             + Architecture.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        self.architecture = architecture
        let act = try fields.optionalString("hidden_act") ?? "silu"
        guard act == "silu" else {
            throw ModelFileError.unsupported(file: file, entry: "hidden_act", detail: "\"\(act)\": only silu is implemented")
        }
        if architecture == .mistral, let window = try fields.optionalInt("sliding_window") {
            throw ModelFileError.unsupported(file: file, entry: "sliding_window", detail: "\(window): sliding-window attention is outside what koopscope runs")
        }
        if try fields.optionalBool("use_sliding_window") == true {
            throw ModelFileError.unsupported(file: file, entry: "use_sliding_window", detail: "sliding-window attention is outside what koopscope runs")
        }
        if try fields.optionalBool("mlp_bias") == true {
            throw ModelFileError.unsupported(file: file, entry: "mlp_bias", detail: "MLP biases are outside what koopscope runs")
        }

        vocab_size = try fields.int("vocab_size", within: 1...(1 << 22))
        hidden_size = try fields.int("hidden_size", within: Limits.modelDimension)
        intermediate_size = try fields.int("intermediate_size", within: 1...(1 << 20))
        num_hidden_layers = try fields.int("num_hidden_layers", within: Limits.layerCount)
        num_attention_heads = try fields.int("num_attention_heads", within: 1...1024)
        num_key_value_heads = try fields.optionalInt("num_key_value_heads", within: 1...1024) ?? num_attention_heads
        guard num_attention_heads % num_key_value_heads == 0 else {
            throw ModelFileError.invalid(file: file, entry: "num_key_value_heads",
                                         detail: "\(num_key_value_heads) does not divide num_attention_heads = \(num_attention_heads)")
        }
        if let width = try fields.optionalInt("head_dim", within: 2...4096) {
            head_dim = width
        } else {
            guard hidden_size % num_attention_heads == 0 else {
                throw ModelFileError.invalid(file: file, entry: "hidden_size",
                                             detail: "\(hidden_size) is not a multiple of num_attention_heads = \(num_attention_heads), and head_dim is not given")
            }
            head_dim = hidden_size / num_attention_heads
        }
        guard head_dim % 2 == 0 else {
            throw ModelFileError.invalid(file: file, entry: "head_dim", detail: "\(head_dim) is odd: rotary embeddings rotate pairs")
        }
        rms_norm_eps = try fields.optionalDouble("rms_norm_eps", within: 0...1) ?? 1e-6
        max_position_embeddings = try fields.optionalInt("max_position_embeddings", within: Limits.contextLength) ?? 2048
        tie_word_embeddings = try fields.optionalBool("tie_word_embeddings") ?? false
        attention_bias = try fields.optionalBool("attention_bias") ?? (architecture == .qwen2)
        hasQueryKeyNorm = architecture == .qwen3
        bos_token_id = try fields.optionalInt("bos_token_id", within: 0...(vocab_size - 1))
        eos_token_ids = try fields.intOrInts("eos_token_id", within: 0...(vocab_size - 1))

        // Rotary settings: version 5's rope_parameters, else version 4's rope_theta and rope_scaling.
        let rope: JSONFields?
        let ropeEntry: String
        if let parameters = try fields.optionalObject("rope_parameters") {
            rope = parameters
            ropeEntry = "rope_parameters"
            rope_theta = try parameters.optionalDouble("rope_theta", within: 1...1e12) ?? 10_000
        } else {
            rope = try fields.optionalObject("rope_scaling")
            ropeEntry = "rope_scaling"
            rope_theta = try fields.optionalDouble("rope_theta", within: 1...1e12) ?? 10_000
        }
        let type = try rope.flatMap { try $0.optionalString("rope_type") ?? $0.optionalString("type") } ?? "default"
        switch type {
        case "default":
            rope_scaling = .none
        case "llama3":
            let scaling = rope!
            rope_scaling = .llama3(factor: try scaling.double("factor", within: 1...1e6),
                                   lowFrequencyFactor: try scaling.double("low_freq_factor", within: 1e-6...1e6),
                                   highFrequencyFactor: try scaling.double("high_freq_factor", within: 1e-6...1e6),
                                   originalContext: try scaling.int("original_max_position_embeddings", within: 1...(1 << 24)))
            if case .llama3(_, let low, let high, _) = rope_scaling, !(high > low) {
                throw ModelFileError.invalid(file: file, entry: "\(ropeEntry).high_freq_factor",
                                             detail: "\(high) must exceed low_freq_factor = \(low)")
            }
        default:
            throw ModelFileError.unsupported(file: file, entry: "\(ropeEntry).rope_type",
                                             detail: "\"\(type)\": only default and llama3 rotary scaling are implemented")
        }
    }

    /// Weights of the model, for memory estimates.
    public var parameterCount: Int {
        let attention = hidden_size * head_dim * (num_attention_heads * 2 + num_key_value_heads * 2)
        let mlp = 3 * hidden_size * intermediate_size
        let embeddings = vocab_size * hidden_size * (tie_word_embeddings ? 1 : 2)
        return num_hidden_layers * (attention + mlp + 2 * hidden_size) + embeddings + hidden_size
    }
}
