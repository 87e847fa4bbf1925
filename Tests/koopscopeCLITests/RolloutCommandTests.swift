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

    /// `--layers` writes `/layers/<k>/hidden_states`; `analyze --layer` reads each (the last
    /// layer's copy equal to `/hidden_states`), `--all-layers` reports them by depth.
    @Test func layersAreWrittenAndAnalysedByDepth() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prompts = dir.appendingPathComponent("prompts.jsonl").path
        try Data("{\"prompt\": \"12 + 30 =\"}\n{\"prompt\": \"2 * 3 =\"}\n".utf8).write(to: URL(fileURLWithPath: prompts))
        let dump = dir.appendingPathComponent("layers.h5").path
        let r = try koopscope("rollout", fixturePath("hf/qwen3-f32"), "--prompts", prompts, "-o", dump, "--samples", "2",
                              "--max-new-tokens", "20", "--layers=0,-2,-1", "--quiet")
        #expect(r.status == 0, "\(r.stderr)")
        let inspect = try koopscope("inspect", dump)
        #expect(inspect.stdout.contains("num_hidden_layers = 2"), "\(inspect.stdout)")
        func analysis(_ extra: String...) throws -> String {
            let out = try koopscope(["analyze", dump, "--identity", "--rank", "2", "--format", "csv", "--quiet"] + extra)
            #expect(out.status == 0, "\(out.stderr)")
            return out.stdout
        }
        let last = try analysis()
        #expect(try analysis("--layer=-1") == last, "the runner's last-layer copy is /hidden_states")
        #expect(try analysis("--layer", "1") == analysis("--layer=-2"), "two spellings of one layer")
        #expect(try analysis("--layer", "0") != last)
        let profile = try koopscope("analyze", dump, "--identity", "--rank", "2", "--all-layers", "--format", "csv", "--quiet")
        let rows = profile.stdout.split(separator: "\n")
        #expect(rows.count == 4 && rows[1].hasPrefix("0,0,/layers/0/hidden_states,4,") && rows[2].hasPrefix("-2,1,")
                && rows[3].hasPrefix("-1,2,/layers/-1/hidden_states,4,"), "\(profile.stdout)")
        // The JSON form, drawn by the report against depth.
        let profileJSON = dir.appendingPathComponent("profile.json").path, page = dir.appendingPathComponent("page.html").path
        #expect(try koopscope("analyze", dump, "--identity", "--rank", "2", "--all-layers", "--format", "json", "-o", profileJSON,
                              "--quiet").status == 0)
        let report = try koopscope("report", profileJSON, "-o", page)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("<h2>Layers</h2>") && html.contains("dsd by layer") && html.contains("depth (index into hidden_states)"))
        let withRank = try analysis("--effective-rank")
        #expect(withRank.hasPrefix("index,") && withRank.split(separator: "\n")[0].hasSuffix(",effective_rank"))
        // A layer the dump does not hold, and flags that exclude each other.
        let missing = try koopscope("analyze", dump, "--layer", "5")
        #expect(missing.status == 1 && missing.stderr.contains("\(dump): layer 5 is outside the model's hidden states 0…2"))
        let both = try koopscope("analyze", dump, "--layer", "0", "--all-layers")
        #expect(both.status != 0 && both.stderr.contains("--all-layers and --layer exclude each other"))
        let badLayers = try koopscope("rollout", fixturePath("hf/qwen3-f32"), "--prompts", prompts, "-o",
                                      dir.appendingPathComponent("bad.h5").path, "--layers", "0,7")
        #expect(badLayers.status == 1 && badLayers.stderr.contains("--layers") && badLayers.stderr.contains("layer 7"))
        let unparsable = try koopscope("rollout", fixturePath("hf/qwen3-f32"), "--prompts", prompts, "-o",
                                       dir.appendingPathComponent("bad.h5").path, "--layers", "a,1")
        #expect(unparsable.status != 0 && unparsable.stderr.contains("--layers"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.h5").path))
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
