import Foundation
import Testing
import _TestSupport
@testable import KoopScope
@testable import KoopScopeTraining

/// Rollouts from a checkpoint: the states they keep are `transformers`' last-layer states at
/// positions P−1 … P+L−2, what is sampled does not depend on the batch, and the dump they write
/// is a dump koopscope reads.
@Suite("Rollouts from Hugging Face checkpoints")
struct RolloutTests {
    @Test(arguments: ["qwen2-bf16", "llama-f32-sharded"])
    func statesAreTheOnesThatPredictEachResponseToken(checkpoint: String) throws {
        let folder = fixturePath("hf/" + checkpoint)
        let reference = try SafetensorsFile(path: folder + "/reference.safetensors")
        let prompt = try reference.integers("prompt").map { Int($0) }
        let generated = try reference.integers("generated").map { Int($0) }
        let whole = try reference.floats("generated_hidden")
        let decoder = try Decoder(checkpoint: folder)
        let d = decoder.configuration.hidden_size
        let runner = RolloutRunner(decoder: decoder, stopTokens: [])
        var trajectories: [RolloutRunner.Trajectory] = []
        try runner.run(prompts: [prompt], settings: .init(samples: 1, sampler: try TokenSampler(temperature: 0),
                                                          maxNewTokens: generated.count, batch: 4)) { trajectories.append($0) }
        let trajectory = try #require(trajectories.first)
        #expect(trajectory.responseIDs == generated)
        let p = prompt.count, l = generated.count
        let expected = Array(whole[((p - 1) * d)..<((p + l - 1) * d)])
        let scale = expected.map { abs($0) }.max()!
        let difference = zip(trajectory.states.elements, expected).map { abs($0 - $1) }.max()!
        #expect(trajectory.states.rows == l && difference / scale < 1e-4, "relative difference \(difference / scale)")
    }

    /// Sampled at temperature 1 with a nucleus, in batches of 1 and of 5: the same trajectories,
    /// each ending at a stop token or the length limit.
    @Test func whatIsSampledDoesNotDependOnTheBatch() throws {
        let decoder = try Decoder(checkpoint: fixturePath("hf/qwen3-f32"))
        let runner = RolloutRunner(decoder: decoder, stopTokens: [0, 5, 17])
        let prompts = [[3, 4, 5], [100, 200], [7, 8, 9, 10, 11]]
        func run(batch: Int) throws -> [Int: [Int]] {
            var result: [Int: [Int]] = [:]
            try runner.run(prompts: prompts, settings: .init(samples: 3, sampler: try TokenSampler(temperature: 1, topP: 0.9),
                                                             maxNewTokens: 12, batch: batch, seed: 9)) { trajectory in
                #expect(trajectory.states.rows == trajectory.responseIDs.count)
                #expect(trajectory.stopped == [0, 5, 17].contains(trajectory.responseIDs.last!))
                #expect(trajectory.stopped || trajectory.responseIDs.count == 12)
                result[trajectory.index] = trajectory.responseIDs
            }
            return result
        }
        let one = try run(batch: 1), five = try run(batch: 5)
        #expect(one.count == 9 && one == five)
        #expect(Set(one.values).count > 3, "different samples of one prompt differ")
    }

    @Test func theDumpIsOneKoopscopeReads() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prompts = dir.appendingPathComponent("prompts.jsonl").path
        try Data("""
            {"prompt": "What is 2 + 2?", "answer": 4, "source": "hand"}

            {"prompt": "Name a colour.", "answer": "#### 7"}
            """.utf8).write(to: URL(fileURLWithPath: prompts))
        let records = try PromptRecord.read(jsonl: prompts)
        #expect(records[0].answer == "4" && records[0].fields == ["source": "\"hand\""])
        let output = dir.appendingPathComponent("dump.h5").path
        let checkpoint = fixturePath("hf/qwen2-bf16")
        let summary = try RolloutDump.write(records: records, checkpoint: checkpoint, verifier: .gsm8k,
                                            settings: .init(samples: 2, sampler: try TokenSampler(temperature: 0.8),
                                                            maxNewTokens: 10, batch: 3, seed: 1),
                                            elementType: .float16, to: output)
        #expect(summary.trajectories == 4)
        let dump = try Dump(path: output)
        #expect(dump.count == 4 && dump.dimension == 64 && dump.elementType == .float16)
        #expect(dump.groupIDs == [0, 0, 1, 1])
        #expect(dump.prompts == ["What is 2 + 2?", "What is 2 + 2?", "Name a colour.", "Name a colour."])
        let tokenizer = try ByteLevelBPETokenizer(contentsOf: checkpoint + "/tokenizer.json")
        #expect(dump.promptIDs?[0] == tokenizer.encode("What is 2 + 2?"))
        let responseIDs = try #require(dump.responseIDs)
        #expect(dump.lengths == responseIDs.map(\.count))
        #expect(dump.responses == responseIDs.map { tokenizer.decode($0) })
        #expect(dump.rewards?.count == 4)
        let attributes = Dictionary(uniqueKeysWithValues: dump.attributes.map { ($0.name, $0.value) })
        #expect(attributes["model"] == .string("qwen2-bf16") && attributes["verifier"] == .string("gsm8k"))
        // The states of trajectory 0 are the decoder's for its prompt and response (float16-rounded).
        let decoder = try Decoder(checkpoint: checkpoint)
        let forward = try decoder.forward(responseIDs[0].isEmpty ? [] : dump.promptIDs![0] + responseIDs[0].dropLast())
        let p = dump.promptIDs![0].count
        let expected = Array(forward.hidden[((p - 1) * 64)...])
        let stored = try dump.read(trajectory: 0).states.elements
        let error = zip(stored, expected).map { abs($0 - $1) / max(1, abs($1)) }.max()!
        #expect(error < 2e-3, "float16 storage keeps three decimal digits; got \(error)")
    }

    @Test func badPromptsAndSettingsAreRefusedByName() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func refusal(_ text: String) throws -> String {
            let path = dir.appendingPathComponent("p-\(UUID().uuidString).jsonl").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            do { _ = try PromptRecord.read(jsonl: path) } catch let error as ModelFileError {
                #expect(error.description.hasPrefix(path))
                return error.description
            }
            return "accepted"
        }
        #expect(try refusal("{\"prompt\": \"a\"}\nnot json\n").contains("line 2: not a JSON object"))
        #expect(try refusal("{\"text\": \"a\"}\n").contains("line 1: has no string field \"prompt\" (or \"question\")"))
        #expect(try refusal("{\"prompt\": \"a\", \"answer\": [1]}\n").contains("\"answer\" must be a string or a number"))
        #expect(try refusal("\n\n").contains("no records"))
        // GSM8K's own lines: question and a worked answer ending "#### N".
        let gsm8k = dir.appendingPathComponent("gsm8k.jsonl").path
        try Data(#"{"question": "Tom has 3 apples and buys 4 more. How many?", "answer": "3 + 4 = <<3+4=7>>7\n#### 7"}"#.utf8)
            .write(to: URL(fileURLWithPath: gsm8k))
        let record = try PromptRecord.read(jsonl: gsm8k)[0]
        #expect(record.prompt.hasPrefix("Tom has") && record.fields.isEmpty && Verifier.gsm8k.score("It is 7.", for: record) == 1)
        #expect(throws: TrainingError.self) { try TokenSampler(temperature: -1) }
        #expect(throws: TrainingError.self) { try TokenSampler(topP: 0) }
        let decoder = try Decoder(checkpoint: fixturePath("hf/qwen3-f32"))
        let runner = RolloutRunner(decoder: decoder, stopTokens: [])
        #expect(throws: TrainingError.self) { try runner.run(prompts: [[1]], settings: .init(samples: 0)) { _ in } }
        // A cache past the machine's memory is an error, not a crash.
        #expect(throws: DecoderError.cacheTooLarge(sequences: 4096, capacity: (1 << 20) + 1, bytes: 4096 * ((1 << 20) + 1) * 64 * 16)) {
            try runner.run(prompts: [[1]], settings: .init(samples: 4096, maxNewTokens: 1 << 20, batch: 4096)) { _ in }
        }
        #expect(throws: DecoderError.tokenOutOfRange(token: 9999, vocabulary: 640)) {
            try runner.run(prompts: [[9999]], settings: .init(samples: 1, maxNewTokens: 2)) { _ in }
        }
        let output = dir.appendingPathComponent("never.h5").path
        #expect(throws: ModelFileError.self) {
            try RolloutDump.write(records: [PromptRecord(prompt: "x")], checkpoint: fixturePath("hf/qwen3-f32"),
                                  verifier: .countdown, settings: .init(samples: 1, maxNewTokens: 2), to: output)
        }
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func verifiersByHand() {
        let gsm = PromptRecord(prompt: "", answer: "She sells 16 − 3 − 4 = 9 eggs, 9 × 2 = 18.\n#### 1,018")
        #expect(Verifier.gsm8k.score("so the total is $1,018.", for: gsm) == 1)
        #expect(Verifier.gsm8k.score("#### 1018 (not 12)", for: gsm) == 1)
        #expect(Verifier.gsm8k.score("1018 or maybe 1017", for: gsm) == 0)
        let countdown = PromptRecord(prompt: "", answer: nil, fields: ["target": "24", "nums": "[4,6,1]"])
        #expect(Verifier.countdown.score("<think>…</think><answer>(6 - 1 - 1) * 6</answer>", for: countdown) == 0)
        #expect(Verifier.countdown.score("<answer>6 * 4 * 1</answer>", for: countdown) == 1)
        #expect(Verifier.countdown.score("work\n6 / (1 / 4) = 24", for: countdown) == 1)
        #expect(Verifier.countdown.score("<answer>6 * 4</answer>", for: countdown) == 0)
        #expect(Verifier.exact.score("  yes\n", for: PromptRecord(prompt: "", answer: "yes")) == 1)
        #expect(Verifier.countdown.problem(with: PromptRecord(prompt: "x")) != nil)
        #expect(ArithmeticExpression.evaluateExact("(25 - 5) / 4 * 3")!.value == (15, 1))
        #expect(ArithmeticExpression.evaluateExact("1 / 0") == nil)
        #expect(ArithmeticExpression.evaluate("6/2") == nil, "the trace tasks' form has no division")
    }

    @Test func chatTemplatesRecognisedOrRefused() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func template(_ text: String?) throws -> PromptTemplate? {
            let folder = dir.appendingPathComponent(UUID().uuidString)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let object: [String: Any] = text.map { ["chat_template": $0] } ?? [:]
            try JSONSerialization.data(withJSONObject: object).write(to: folder.appendingPathComponent("tokenizer_config.json"))
            return try PromptTemplate.chat(inCheckpoint: folder.path)
        }
        #expect(try template(nil) == nil)
        let qwen = try template("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>{% endfor %}")
        #expect(qwen?.apply("hi") == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
        let qwen25 = try template("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>")
        #expect(qwen25?.apply("hi").hasPrefix("<|im_start|>system\nYou are Qwen") == true)
        let llama = try template("<|start_header_id|>{{ role }}<|end_header_id|>{{ content }}<|eot_id|>")
        #expect(llama?.apply("hi") == "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        #expect(throws: ModelFileError.self) { try template("[INST] {{ content }} [/INST]") }
        #expect(throws: ModelFileError.self) { try PromptTemplate(text: "no placeholder") }
        #expect(try PromptTemplate(text: "Q: {prompt}\nA:").apply("x") == "Q: x\nA:")
    }
}

/// The sampler's draws follow softmax(logits/τ), restricted to the nucleus.
@Suite("Token sampling")
struct TokenSamplerTests {
    @Test func drawsFollowTheSoftmaxAndTheNucleus() throws {
        let logits: [Float] = [2, 1, 0.5, -1, 0]
        let temperature = 0.8
        let weights = logits.map { exp(Double($0) / temperature) }
        let softmax = weights.map { $0 / weights.reduce(0, +) }
        var rng = SeededGenerator(seed: 5)
        let sampler = try TokenSampler(temperature: temperature)
        var counts = [Int](repeating: 0, count: logits.count)
        let n = 20_000
        for _ in 0..<n { counts[sampler.sample(logits, using: &rng)] += 1 }
        for (count, p) in zip(counts, softmax) {
            // Four standard deviations of a binomial count.
            #expect(abs(Double(count) - Double(n) * p) < 4 * (Double(n) * p * (1 - p)).squareRoot(), "\(counts) vs \(softmax)")
        }
        // The nucleus of 0.7: the two most likely tokens (p ≈ 0.59 and 0.17) reach it; the rest are never drawn.
        let nucleus = try TokenSampler(temperature: temperature, topP: 0.7)
        var seen = Set<Int>()
        for _ in 0..<2_000 { seen.insert(nucleus.sample(logits, using: &rng)) }
        #expect(seen == [0, 1])
        #expect(try TokenSampler(temperature: 0).sample(logits, using: &rng) == 0)
    }
}
