import Foundation
import KoopScope
import Testing

@Suite("koopscope experiment", .serialized)
struct ExperimentCommandTests {
    static let flags = ["--task", "addition", "--task-size", "2", "--model-dim", "16", "--layers", "1", "--heads", "2",
                        "--mlp-dim", "32", "--context", "16", "--sft-steps", "30", "--sft-lr", "3e-3", "--steps", "3",
                        "--prompts-per-step", "4", "--group-size", "4", "--mini-batches", "1", "--koopman-dim", "2",
                        "--eval-every", "1", "--eval-prompts", "16", "--lr", "1e-3", "--checkpoint-every", "1"]

    /// The numbers a metrics file holds for `key`, in step order, read independently of koopscope.
    func series(_ path: String, _ key: String) throws -> [Double] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let object = try JSONDecoder().decode([String: Double?].self, from: Data(line.utf8))
            return object[key] ?? nil
        }
    }

    @Test func tinyExperimentEndToEndWithHandCheckedStatistics() throws {
        let dir = temporaryDirectory().appendingPathComponent("exp").path
        let r = try koopscope(["experiment", "--out", dir, "--arms", "grpo,relax:alpha=5", "--seeds", "3,4", "--jobs", "2"] + Self.flags)
        #expect(r.status == 0, "\(r.stderr)")
        let fm = FileManager.default
        for path in ["summary.json", "summary.md", "report.html", "warmup/seed-3/checkpoints/step-000000/state.json",
                     "relax_alpha-5/seed-4/metrics.jsonl", "figures/experiment-eval-mean-at-1.svg"] {
            #expect(fm.fileExists(atPath: dir + "/" + path), "\(path)")
        }
        // Paired: both arms of a seed start from one policy and draw the same prompts, so their
        // first rollouts and the dictionary fitted on them are the same.
        for seed in [3, 4] {
            let a = try KoopmanDictionary(contentsOf: "\(dir)/grpo/seed-\(seed)/dictionary/step-000001.h5")
            let b = try KoopmanDictionary(contentsOf: "\(dir)/relax_alpha-5/seed-\(seed)/dictionary/step-000001.h5")
            #expect(a.weight.elements == b.weight.elements)
            let e0 = try series("\(dir)/grpo/seed-\(seed)/metrics.jsonl", "eval/mean@1").first
            let e1 = try series("\(dir)/relax_alpha-5/seed-\(seed)/metrics.jsonl", "eval/mean@1").first
            #expect(e0 == e1, "step-0 evaluation of the same warmed-up policy")
        }
        // The statistics, by hand from the metrics files: mean@1 over the last three evaluations.
        func outcome(_ arm: String, _ seed: Int) throws -> Double {
            let values = try series("\(dir)/\(arm)/seed-\(seed)/metrics.jsonl", "eval/mean@1").suffix(3)
            return values.reduce(0, +) / Double(values.count)
        }
        let d = try [3, 4].map { try outcome("relax_alpha-5", $0) - outcome("grpo", $0) }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as! [String: Any]
        let arms = summary["arms"] as! [[String: Any]]
        #expect(arms.map { $0["name"] as! String } == ["grpo", "relax:alpha=5"])
        let runs = arms[0]["runs"] as! [[String: Any]]
        #expect(runs.map { ($0["seed"] as! NSNumber).intValue } == [3, 4])
        #expect(abs((runs[1]["mean_at_1"] as! NSNumber).doubleValue - (try outcome("grpo", 4))) < 1e-12)
        let comparison = (summary["comparisons"] as! [[String: Any]]).first { $0["outcome"] as! String == "mean_at_1" }!
        let mean = (d[0] + d[1]) / 2
        #expect(abs((comparison["mean_difference"] as! NSNumber).doubleValue - mean) < 1e-12)
        // Two differences: bootstrap means are d₀, (d₀+d₁)/2 and d₁, so the interval runs from the smaller to the larger.
        let ci = (comparison["ci95"] as! [Any]).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
        #expect(abs(ci[0] - d.min()!) < 1e-12 && abs(ci[1] - d.max()!) < 1e-12)
        if d[0] != d[1] {
            // t = mean / (|d₀ − d₁| / √2 / √2) with one degree of freedom: p = 1 − (2/π)·atan(|t|).
            let t = mean / (abs(d[0] - d[1]) / 2)
            let p = ((comparison["paired_t"] as! [String: Any])["p"] as! NSNumber).doubleValue
            #expect(abs(p - (1 - 2 / Double.pi * atan(abs(t)))) < 1e-9)
        }

        // Rerunning the same command resumes: nothing to run, the same summary.
        let before = try String(contentsOfFile: dir + "/summary.json", encoding: .utf8)
        let again = try koopscope(["experiment", "--out", dir, "--arms", "grpo,relax:alpha=5", "--seeds", "3,4"] + Self.flags)
        #expect(again.status == 0 && again.stderr.contains("0 runs to do"), "\(again.stderr)")
        #expect(try String(contentsOfFile: dir + "/summary.json", encoding: .utf8) == before)

        // A killed run (its newest checkpoints and summary gone) is resumed from where it stopped.
        try fm.removeItem(atPath: dir + "/grpo/seed-3/checkpoints/step-000003")
        let resumed = try koopscope(["experiment", "--out", dir, "--arms", "grpo,relax:alpha=5", "--seeds", "3,4"] + Self.flags)
        #expect(resumed.status == 0 && resumed.stderr.contains("1 runs to do"), "\(resumed.stderr)")
        #expect(try String(contentsOfFile: dir + "/summary.json", encoding: .utf8) == before, "bit-identical after resuming")

        // The same folder with other arms: refused, nothing touched.
        let other = try koopscope(["experiment", "--out", dir, "--arms", "grpo,entropy-reg", "--seeds", "3,4"] + Self.flags)
        #expect(other.status != 0 && other.stderr.contains("--out \(dir): holds a different experiment"), "\(other.stderr)")
        #expect(!fm.fileExists(atPath: dir + "/entropy-reg"))

        // Another experiment that shares the warm-ups and an arm: those are copied, byte for byte,
        // and only the new arm trains.
        let more = temporaryDirectory().appendingPathComponent("exp-more").path
        let added = try koopscope(["experiment", "--out", more, "--arms", "entropy-reg,grpo", "--seeds", "3,4", "--reuse", dir] + Self.flags)
        #expect(added.status == 0 && added.stderr.contains("2 runs to do"), "\(added.stderr)")
        for run in ["warmup/seed-3", "warmup/seed-4", "grpo/seed-3", "grpo/seed-4"] {
            #expect(added.stderr.contains("copied \(run) from \(dir)"), "\(run): \(added.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: more + "/grpo/seed-3/metrics.jsonl"))
                == Data(contentsOf: URL(fileURLWithPath: dir + "/grpo/seed-3/metrics.jsonl")))
        #expect(fm.fileExists(atPath: more + "/entropy-reg/seed-4/checkpoints/step-000003/state.json"))

        // Runs there trained otherwise than they would be here: refused, naming the setting, nothing written.
        let otherwise = temporaryDirectory().appendingPathComponent("exp-otherwise").path
        let flags = Self.flags.map { $0 == "1e-3" ? "2e-3" : $0 }
        let refused = try koopscope(["experiment", "--out", otherwise, "--arms", "grpo", "--seeds", "3", "--reuse", dir] + flags)
        #expect(refused.status != 0 && refused.stderr.contains("--reuse: \(dir)/warmup/seed-3 was trained with other settings (lr 0.001 there, 0.002 here)"),
                "\(refused.stderr)")
        #expect(!fm.fileExists(atPath: otherwise))
    }

    /// Arms on a Hugging Face checkpoint and a prompts file: one warm-up per seed, paired arms,
    /// the summary, and an arm's policy exported as a checkpoint folder.
    @Test func anExperimentOnACheckpoint() throws {
        let root = temporaryDirectory()
        let problems = root.appendingPathComponent("problems.jsonl").path, dir = root.appendingPathComponent("exp").path
        #expect(try koopscope("dataset", "arithmetic", "--count", "40", "--digits", "2", "-o", problems).status == 0)
        let r = try koopscope(["experiment", "--out", dir, "--arms", "grpo,relax", "--seeds", "1,2", "--jobs", "2",
                               "--model", fixturePath("hf/qwen3-f32"), "--dataset", problems, "--verifier", "gsm8k",
                               "--max-response-length", "8", "--sft-steps", "2", "--sft-batch", "4", "--steps", "2",
                               "--prompts-per-step", "2", "--group-size", "4", "--mini-batches", "1", "--eval-every", "1",
                               "--eval-prompts", "4", "--koopman-dim", "4", "--lr", "1e-3"])
        #expect(r.status == 0, "\(r.stderr)")
        for seed in [1, 2] {
            let a = try KoopmanDictionary(contentsOf: "\(dir)/grpo/seed-\(seed)/dictionary/step-000001.h5")
            let b = try KoopmanDictionary(contentsOf: "\(dir)/relax/seed-\(seed)/dictionary/step-000001.h5")
            #expect(a.weight.elements == b.weight.elements && a.dimension == 64, "seed \(seed): paired arms, the model's states")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/summary.json"))
        let exported = root.appendingPathComponent("model").path
        let e = try koopscope("export", dir + "/relax/seed-1", "-o", exported)
        #expect(e.status == 0, "\(e.stderr)")
        #expect(FileManager.default.fileExists(atPath: exported + "/model.safetensors"))
    }

    @Test func badExperimentsAreRefusedBeforeAnythingRuns() throws {
        let dir = temporaryDirectory().appendingPathComponent("bad").path
        let cases: [([String], String)] = [
            (["--arms", "grpo,ppo", "--seeds", "1"], "--arms: ppo: \"ppo\" is not a method or ablation"),
            (["--arms", "grpo,relax:alpha=x", "--seeds", "1"], "--arms: relax:alpha=x:"),
            (["--arms", "grpo", "--seeds", "1,2,1"], "--seeds: seeds repeat"),
            (["--arms", "grpo", "--seeds", "1,-2"], "--seeds: \"-2\" is not a non-negative integer"),
            (["--arms", "grpo", "--seeds", "1", "--group-sise", "3"], "--group-sise: is not a training setting"),
            (["--arms", "grpo", "--seeds", "1", "--seed", "3"], "--seed: is set by the experiment"),
            (["--arms", "grpo", "--seeds", "1", "--reuse", "/nonexistent-experiment"], "--reuse: /nonexistent-experiment is not a folder"),
        ]
        for (arguments, message) in cases {
            let r = try koopscope(["experiment", "--out", dir] + arguments)
            #expect(r.status != 0 && r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir), "nothing written for \(arguments)")
        }
    }
}
