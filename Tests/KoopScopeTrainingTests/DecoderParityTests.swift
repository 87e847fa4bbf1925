import Foundation
import Testing
import _TestSupport
@testable import KoopScopeTraining
import KoopScope

/// Tiny random checkpoints of each architecture, with what `transformers` computed from them
/// (scripts/make-hf-fixtures.py): the logits and last-layer states of two fixed sequences and a
/// 32-token greedy generation.
@Suite("Hugging Face decoders against transformers")
struct DecoderParityTests {
    static let checkpoints = ["llama-f32-sharded", "qwen2-bf16", "qwen3-f32", "mistral-f16"]

    struct Reference {
        let ids: [[Int]], logits: [[Float]], hidden: [[Float]], prompt: [Int], generated: [Int]

        init(_ folder: String) throws {
            let file = try SafetensorsFile(path: folder + "/reference.safetensors")
            let idsEntry = try file.entry("input_ids")
            let (batch, length) = (idsEntry.shape[0], idsEntry.shape[1])
            let flatIDs = try file.integers("input_ids").map { Int($0) }
            ids = (0..<batch).map { Array(flatIDs[($0 * length)..<(($0 + 1) * length)]) }
            func split(_ values: [Float]) -> [[Float]] {
                let per = values.count / batch
                return (0..<batch).map { Array(values[($0 * per)..<(($0 + 1) * per)]) }
            }
            logits = split(try file.floats("logits"))
            hidden = split(try file.floats("hidden"))
            prompt = try file.integers("prompt").map { Int($0) }
            generated = try file.integers("generated").map { Int($0) }
        }
    }

    /// max |a − b| / max |b|: relative to the reference's scale, so near-zero entries do not blow up.
    func relativeDifference(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        let scale = b.map { abs(Double($0)) }.max() ?? 1
        return zip(a, b).map { abs(Double($0) - Double($1)) }.max()! / scale
    }

    @Test(arguments: checkpoints)
    func logitsAndStatesMatch(checkpoint: String) throws {
        let folder = fixturePath("hf/" + checkpoint)
        let reference = try Reference(folder)
        let decoder = try Decoder(checkpoint: folder)
        for (b, ids) in reference.ids.enumerated() {
            let output = try decoder.forward(ids)
            let logits = relativeDifference(output.logits, reference.logits[b])
            let hidden = relativeDifference(output.hidden, reference.hidden[b])
            #expect(logits < 1e-4, "\(checkpoint) sequence \(b): logits differ by \(logits) (relative)")
            #expect(hidden < 1e-4, "\(checkpoint) sequence \(b): states differ by \(hidden) (relative)")
        }
        // The logits are not trivially small: the comparison means something.
        #expect(reference.logits[0].map { abs($0) }.max()! > 0.1)
    }

    /// Every entry of `transformers`' `hidden_states` (the embeddings, each block's output, the
    /// final norm's), as `rollout --layers` writes them.
    @Test(arguments: checkpoints)
    func everyLayersStatesMatch(checkpoint: String) throws {
        let folder = fixturePath("hf/" + checkpoint)
        let file = try SafetensorsFile(path: folder + "/reference.safetensors")
        let shape = try file.entry("layers").shape   // [L + 1, 2, 12, D]
        let all = try file.floats("layers")
        let decoder = try Decoder(checkpoint: folder)
        #expect(shape[0] == decoder.configuration.num_hidden_layers + 1)
        let reference = try Reference(folder)
        let per = shape[2] * shape[3]
        for (b, ids) in reference.ids.enumerated() {
            let output = try decoder.forward(ids, layers: Set(0..<shape[0]))
            for k in 0..<shape[0] {
                let start = (k * shape[1] + b) * per
                let difference = relativeDifference(try #require(output.layers[k]), Array(all[start..<(start + per)]))
                #expect(difference < 1e-4, "\(checkpoint) sequence \(b) layer \(k): \(difference)")
            }
            #expect(output.layers[shape[0] - 1] == output.hidden)
        }
        #expect(throws: DecoderError.noSuchLayer(shape[0], layers: shape[0] - 1)) {
            try decoder.forward(reference.ids[0], layers: [shape[0]])
        }
    }

    @Test(arguments: checkpoints)
    func greedyTokensThroughTheCacheMatch(checkpoint: String) throws {
        let folder = fixturePath("hf/" + checkpoint)
        let reference = try Reference(folder)
        let decoder = try Decoder(checkpoint: folder)
        #expect(try decoder.greedy(prompt: reference.prompt, count: reference.generated.count) == reference.generated)
    }

    /// Several sequences appended together, token by token, give what each gives alone.
    @Test func batchedStepsEqualSingleSequences() throws {
        let decoder = try Decoder(checkpoint: fixturePath("hf/qwen3-f32"))
        let reference = try Reference(fixturePath("hf/qwen3-f32"))
        let cache = try DecoderCache(decoder.configuration, sequences: 2, capacity: 12)
        var rows: [[Float]] = [[], []]
        // Sequence 0's first 5 tokens at once, then both sequences one token at a time.
        let first = try decoder.append(reference.ids[0].prefix(5).map { (0, $0) }, in: cache)
        rows[0] += first.hidden
        for t in 0..<12 {
            var step: [(sequence: Int, token: Int)] = [(1, reference.ids[1][t])]
            if t >= 5 { step.insert((0, reference.ids[0][t]), at: 0) }
            let output = try decoder.append(step, in: cache)
            let d = decoder.configuration.hidden_size
            for (r, row) in step.enumerated() { rows[row.sequence] += output.hidden[(r * d)..<((r + 1) * d)] }
        }
        #expect(relativeDifference(rows[0], reference.hidden[0]) < 1e-4)
        #expect(relativeDifference(rows[1], reference.hidden[1]) < 1e-4)
        #expect(throws: DecoderError.cacheFull(sequence: 0, capacity: 12)) {
            try decoder.append([(0, 1)], in: cache)
        }
        #expect(throws: DecoderError.tokenOutOfRange(token: 640, vocabulary: 640)) {
            try decoder.forward([640])
        }
    }

    @Test func configurationsAreReadInBothRopeForms() throws {
        let llama = try DecoderConfiguration(contentsOf: fixturePath("hf/llama-f32-sharded/config.json"))
        #expect(llama.architecture == .llama)
        #expect(llama.rope_theta == 500_000)
        #expect(llama.rope_scaling == .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 16))
        #expect(!llama.tie_word_embeddings)
        let qwen3 = try DecoderConfiguration(contentsOf: fixturePath("hf/qwen3-f32/config.json"))
        #expect(qwen3.head_dim == 32 && qwen3.hidden_size / qwen3.num_attention_heads == 16)
        #expect(qwen3.hasQueryKeyNorm && qwen3.tie_word_embeddings && qwen3.rope_scaling == .none)
        let qwen2 = try DecoderConfiguration(contentsOf: fixturePath("hf/qwen2-bf16/config.json"))
        #expect(qwen2.attention_bias && qwen2.architecture == .qwen2)
    }

    /// Llama 3's frequency scaling, worked by hand for a head of 8 (θ = 10⁴, factor 8, low 1,
    /// high 4, original context 16): the frequencies 1, 0.1, 0.01, 0.001 have wavelengths 6.28,
    /// 62.8, 628 and 6283. The first lies between 16/4 = 4 and 16/1 = 16, so it is blended with
    /// smooth = (16/6.283 − 1)/3 ≈ 0.5155; the others are longer than 16 and divided by 8.
    @Test func llama3ScalingByHand() {
        let rotary = RotaryEmbedding(headDimension: 8, theta: 10_000,
                                     scaling: .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4,
                                                      originalContext: 16))
        let smooth = (16 / (2 * Double.pi) - 1) / 3
        let expected = [(1 - smooth) / 8 + smooth, 0.1 / 8, 0.01 / 8, 0.001 / 8]
        for (f, e) in zip(rotary.frequencies, expected) { #expect(abs(f - e) < 1e-12 * max(1, e)) }
    }
}

/// The decoder's products, packed for the strip kernel and left to OpenBLAS, against a Float64
/// triple loop: sizes that are not multiples of 16, more than 64 rows, a bias, and a row read back.
@Suite("Decoder projections")
struct ProjectionTests {
    @Test(arguments: [true, false], [1, 7, 70, 130])
    func productMatchesAFloat64Loop(packed: Bool, rows: Int) {
        var rng = SeededGenerator(seed: UInt64(rows))
        let (input, output) = (19, 37)
        let w = (0..<(input * output)).map { _ in Float(rng.nextGaussian()) }
        let b = (0..<output).map { _ in Float(rng.nextGaussian()) }
        let x = (0..<(rows * input)).map { _ in Float(rng.nextGaussian()) }
        let projection = Projection(weight: w, output: output, input: input, bias: b, packed: packed)
        var y = [Float](repeating: .nan, count: rows * output)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { projection.apply(xp.baseAddress!, rows: rows, into: $0.baseAddress!) } }
        var worst = 0.0
        for r in 0..<rows {
            for o in 0..<output {
                var sum = Double(b[o])
                for i in 0..<input { sum += Double(x[r * input + i]) * Double(w[o * input + i]) }
                worst = max(worst, abs(sum - Double(y[r * output + o])))
            }
        }
        #expect(worst < 1e-4, "largest error \(worst)")
        var row = [Float](repeating: 0, count: input)
        row.withUnsafeMutableBufferPointer { projection.row(33, into: $0.baseAddress!) }
        #expect(row == Array(w[(33 * input)..<(34 * input)]))
    }
}
