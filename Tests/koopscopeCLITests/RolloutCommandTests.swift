import Foundation
import Testing

@Suite("koopscope rollout and tokenize")
struct RolloutCommandTests {
    @Test func rolloutWritesADumpThatAnalyzeReads() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prompts = dir.appendingPathComponent("prompts.jsonl").path
        try Data("{\"prompt\": \"12 + 30 =\", \"answer\": 42}\n{\"prompt\": \"2 * 3 =\", \"answer\": 6}\n".utf8)
            .write(to: URL(fileURLWithPath: prompts))
        let dump = dir.appendingPathComponent("dump.h5").path
        let r = try koopscope("rollout", fixturePath("hf/qwen3-f32"), "--prompts", prompts, "-o", dump, "--samples", "2",
                              "--max-new-tokens", "24", "--temperature", "0.7", "--verifier", "gsm8k", "--dtype", "bfloat16")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("wrote \(dump): 4 responses"))
        let inspect = try koopscope("inspect", dump)
        for needle in ["bfloat16", "4 values, 2 groups", "/response_ids  4 values, token ids",
                       "/prompt_ids    4 values, token ids", "verifier = \"gsm8k\"", "architecture = \"Qwen3ForCausalLM\""] {
            #expect(inspect.stdout.contains(needle), "missing \(needle) in\n\(inspect.stdout)")
        }
        let analyze = try koopscope("analyze", dump, "--identity", "--rank", "2", "--format", "json")
        #expect(analyze.status == 0, "\(analyze.stderr)")
    }

    @Test func badInputEndsWithStatusOneAndNoDump() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prompts = dir.appendingPathComponent("prompts.jsonl").path
        try Data("{\"prompt\": \"a\"}\n{\"text\": \"b\"}\n".utf8).write(to: URL(fileURLWithPath: prompts))
        let dump = dir.appendingPathComponent("dump.h5").path
        let missing = try koopscope("rollout", fixturePath("hf/qwen3-f32"), "--prompts", prompts, "-o", dump)
        #expect(missing.status == 1 && missing.stderr.contains("\(prompts): line 2: has no string field \"prompt\" (or \"question\")"))
        try Data("{\"prompt\": \"a\"}\n".utf8).write(to: URL(fileURLWithPath: prompts))
        let notAFolder = try koopscope("rollout", dir.path + "/nothing", "--prompts", prompts, "-o", dump)
        #expect(notAFolder.status == 1 && notAFolder.stderr.contains("not a checkpoint folder"))
        let badTemperature = try koopscope("rollout", fixturePath("hf/qwen3-f32"), "--prompts", prompts, "-o", dump,
                                           "--temperature=-2")
        #expect(badTemperature.status == 1 && badTemperature.stderr.contains("--temperature"))
        let unscorable = try koopscope("rollout", fixturePath("hf/qwen3-f32"), "--prompts", prompts, "-o", dump,
                                       "--verifier", "gsm8k")
        #expect(unscorable.status == 1 && unscorable.stderr.contains("record 1: has no \"answer\""))
        let template = try koopscope("rollout", fixturePath("hf/qwen3-f32"), "--prompts", prompts, "-o", dump,
                                     "--template", "no placeholder")
        #expect(template.status == 1 && template.stderr.contains("{prompt} exactly once"))
        #expect(!FileManager.default.fileExists(atPath: dump))
    }

    @Test func tokenizeEncodesAndDecodesLines() throws {
        let encoded = try koopscope("tokenize", fixturePath("hf/llama-f32-sharded"), stdin: "Hello, world!\n<think>x</think>\n")
        #expect(encoded.status == 0, "\(encoded.stderr)")
        let lines = encoded.stdout.split(separator: "\n").map { try! JSONDecoder().decode([Int].self, from: Data($0.utf8)) }
        #expect(lines.count == 2 && lines.allSatisfy { $0.first == 0 })   // the beginning-of-text token
        let back = try koopscope("tokenize", fixturePath("hf/llama-f32-sharded"), "--decode",
                                 stdin: lines.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: "\n") + "\n")
        #expect(back.stdout == "\"Hello, world!\"\n\"<think>x</think>\"\n")
        let bad = try koopscope("tokenize", fixturePath("hf/qwen2-bf16"), "--decode", stdin: "[1, \"a\"]\n")
        #expect(bad.status == 1 && bad.stderr.contains("standard input: line 1: not a JSON array"))
    }

    @Test func generatedProblemsFeedARollout() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prompts = dir.appendingPathComponent("countdown.jsonl").path
        let made = try koopscope("dataset", "countdown", "--count", "3", "--seed", "2", "-o", prompts)
        #expect(made.status == 0 && made.stdout.contains("3 countdown problems"), "\(made.stderr)")
        #expect(try String(contentsOfFile: prompts, encoding: .utf8).split(separator: "\n").count == 3)
        let dump = dir.appendingPathComponent("dump.h5").path
        let r = try koopscope("rollout", fixturePath("hf/qwen3-f32"), "--prompts", prompts, "-o", dump, "--samples", "2",
                              "--max-new-tokens", "8", "--verifier", "countdown", "--template", "{prompt}")
        #expect(r.status == 0 && r.stdout.contains("6 responses"), "\(r.stderr)")
        let bad = try koopscope("dataset", "arithmetic", "--digits", "12", "-o", dir.appendingPathComponent("x").path)
        #expect(bad.status == 1 && bad.stderr.contains("--digits"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path))
    }
}
