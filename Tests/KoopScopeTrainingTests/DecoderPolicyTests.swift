import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

/// A Hugging Face checkpoint as a trainable policy: its forward on the tape equal to
/// `transformers`, and its parameter gradients equal to central differences in Float64.
@Suite("Hugging Face decoders as policies")
struct DecoderPolicyTests {
    @Test(arguments: DecoderParityTests.checkpoints)
    func forwardOnTheTapeMatchesTransformers(checkpoint: String) throws {
        let folder = fixturePath("hf/" + checkpoint)
        let reference = try DecoderParityTests.Reference(folder)
        let backend = CPUBackend()
        let policy = try DecoderPolicy<Float>(CheckpointFolder(path: folder), backend: backend)
        // Both fixed sequences in one batch.
        let tokens = reference.ids.flatMap { $0.map(Int32.init) }
        let tape = Tape<Float>(backend: backend, recording: false)
        let out = policy.forward(tape, tokens: tokens, length: reference.ids[0].count)
        let logits = backend.download(out.logits.buffer), hidden = backend.download(out.hidden.buffer)
        func relative(_ a: [Float], _ b: [Float]) -> Double {
            zip(a, b).map { abs(Double($0) - Double($1)) }.max()! / b.map { abs(Double($0)) }.max()!
        }
        #expect(relative(logits, reference.logits.flatMap { $0 }) < 1e-4)
        #expect(relative(hidden, reference.hidden.flatMap { $0 }) < 1e-4)
        #expect(policy.parameters.map(\.name) == DecoderWeights.expectedTensors(policy.configuration).map(\.name))
    }

    /// d(Σ log p(target))/dθ by the tape against central differences, in Float64, for a few
    /// entries of parameters of every kind: embedding, norms, q/k norms, biases, projections.
    @Test(arguments: ["qwen2-bf16", "qwen3-f32"])
    func parameterGradientsMatchFiniteDifferences(checkpoint: String) throws {
        let backend = CPUBackend()
        let policy = try DecoderPolicy<Double>(CheckpointFolder(path: fixturePath("hf/" + checkpoint)), backend: backend)
        let tokens: [Int32] = [5, 17, 300, 9, 2, 44, 7, 1]   // two sequences of 4
        let targets: [Int32] = [17, 300, 9, 0, 44, 7, 1, 3]
        func loss() -> Double {
            let tape = Tape<Double>(backend: backend, recording: false)
            return backend.download(policy.score(tape, tokens: tokens, targets: targets, length: 4, temperature: 1).logp.buffer)
                .reduce(0, +)
        }
        let tape = Tape<Double>(backend: backend)
        let scored = policy.score(tape, tokens: tokens, targets: targets, length: 4, temperature: 1)
        tape.backward(seeds: [(scored.logp, backend.upload([Double](repeating: 1, count: tokens.count)))])
        let names = policy.parameters.map(\.name).filter {
            $0 == "model.embed_tokens.weight" || $0.hasPrefix("model.layers.1.") || $0 == "model.norm.weight"
        }
        #expect(names.count >= 10)
        var rng = SeededGenerator(seed: 3)
        for name in names {
            let k = policy.parameters.firstIndex { $0.name == name }!
            let parameter = policy.parameters[k]
            let gradient = backend.download(tape.gradient(of: scored.forward.parameters[k])!)
            var values = backend.download(parameter.value)
            for _ in 0..<3 {
                // An embedding row the tokens use, so that its gradient is not trivially zero.
                let i = name == "model.embed_tokens.weight" ? 300 * parameter.columns + Int(rng.next() % UInt64(parameter.columns))
                                                              : Int(rng.next() % UInt64(parameter.count))
                let h = 1e-6, original = values[i]
                values[i] = original + h; backend.write(values, to: parameter.value)
                let plus = loss()
                values[i] = original - h; backend.write(values, to: parameter.value)
                let minus = loss()
                values[i] = original; backend.write(values, to: parameter.value)
                let numeric = (plus - minus) / (2 * h)
                #expect(abs(numeric - gradient[i]) <= 1e-6 * max(1, abs(numeric)), "\(name)[\(i)]: \(gradient[i]) vs \(numeric)")
            }
        }
    }
}

/// Sampling reads a policy's current weights: after a change to them, the sampling decoder built
/// from the policy gives what the policy's forward on the tape gives.
@Suite("Sampling a trained decoder policy")
struct DecoderFromPolicyTests {
    @Test func theSamplingDecoderFollowsThePolicysWeights() throws {
        let backend = CPUBackend()
        let policy = try DecoderPolicy<Float>(CheckpointFolder(path: fixturePath("hf/qwen2-bf16")), backend: backend)
        // A training step's worth of change: every weight of one projection scaled.
        let k = policy.parameters.firstIndex { $0.name == "model.layers.1.mlp.up_proj.weight" }!
        backend.write(backend.download(policy.parameters[k].value).map { $0 * 1.5 }, to: policy.parameters[k].value)
        let tokens = [3, 50, 7, 200, 11, 9]
        let tape = Tape<Float>(backend: backend, recording: false)
        let onTape = backend.download(policy.forward(tape, tokens: tokens.map(Int32.init), length: tokens.count).logits.buffer)
        let sampled = try Decoder(policy).forward(tokens).logits
        let scale = onTape.map { abs($0) }.max()!
        #expect(zip(onTape, sampled).map { abs($0 - $1) }.max()! / scale < 1e-4)
        let original = try Decoder(checkpoint: fixturePath("hf/qwen2-bf16")).forward(tokens).logits
        #expect(zip(original, sampled).map { abs($0 - $1) }.max()! / scale > 1e-3, "the change shows")
    }
}

/// What the training loop asks of any policy — sampling through a cache, a frozen copy — from a
/// Hugging Face decoder.
@Suite("A decoder policy in the training loop's terms")
struct DecoderPolicySamplingTests {
    @Test func greedySamplingMatchesTransformersAndCopiesAreFrozen() throws {
        let folder = fixturePath("hf/llama-f32-sharded")
        let reference = try DecoderParityTests.Reference(folder)
        let backend = CPUBackend()
        let policy: any Policy<Float> = try DecoderPolicy<Float>(CheckpointFolder(path: folder), backend: backend)
        var rng = SeededGenerator(seed: 1)
        let greedy = SamplingSettings(greedy: true, maxResponseLength: reference.generated.count)
        // No stop token: the 32 tokens come out whole.
        let responses = try policy.sample(prompts: [reference.prompt.map(Int32.init), [5, 6]], settings: greedy,
                                          stopTokens: [], padding: 0, using: &rng)
        #expect(responses[0] == reference.generated.map(Int32.init))
        #expect(responses[1].count == reference.generated.count)
        // A stop token ends a response and stays in it.
        let response = responses[1]
        let first = try #require(response.indices.first { $0 > 0 && !response[..<$0].contains(response[$0]) })
        let stopped = try policy.sample(prompts: [[5, 6]], settings: greedy, stopTokens: [response[first]], padding: 0, using: &rng)[0]
        #expect(stopped == Array(response.prefix(first + 1)))

        let frozen = policy.copy()
        let k = policy.parameters.count - 1
        backend.write(backend.download(policy.parameters[k].value).map { $0 + 1 }, to: policy.parameters[k].value)
        #expect(backend.download(frozen.parameters[k].value) != backend.download(policy.parameters[k].value))
        #expect(frozen.parameters.map(\.name) == policy.parameters.map(\.name))
    }

    /// Float32 weights pass between a policy and its decoder without a copy (the decoder of a
    /// SmolLM2-sized policy is laid out every sampling step); Double ones are converted.
    @Test func float32WeightsAreHandedOverWithoutACopy() {
        func handedOver<S: TensorScalar>(_ values: [S]) -> Bool {
            let floats = S.floats(values)
            let back = S.converted(floats)
            let same = values.withUnsafeBufferPointer { v in
                floats.withUnsafeBufferPointer { $0.baseAddress == UnsafeRawPointer(v.baseAddress).map { $0.assumingMemoryBound(to: Float.self) } }
            }
            let sameBack = back.withUnsafeBufferPointer { b in values.withUnsafeBufferPointer { $0.baseAddress == b.baseAddress } }
            return same && sameBack
        }
        #expect(handedOver([Float](repeating: 0.5, count: 1000)))
        #expect(!handedOver([Double](repeating: 0.5, count: 1000)))
        #expect(Double.floats([0.5, 1e40]) == [0.5, .infinity] && Double.converted([0.25]) == [0.25])
    }
}
