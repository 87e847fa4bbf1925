import Foundation
import Testing

/// `koopscope train` end to end on a policy small enough for a debug build.
@Suite("koopscope train")
struct TrainCommandTests {
    /// A tiny, fast run: 2-digit addition, a 1-block policy of width 16.
    static let tiny = ["--task", "addition", "--task-size", "2", "--model-dim", "16", "--layers", "1", "--heads", "2",
                       "--mlp-dim", "32", "--context", "16", "--prompts-per-step", "4", "--group-size", "4",
                       "--mini-batches", "2", "--lr", "1e-3", "--koopman-dim", "8", "--eval-prompts", "8",
                       "--eval-samples", "2", "--sft-steps", "3", "--sft-batch", "8"]

    static let verlKeys = ["actor/entropy", "actor/pg_loss", "actor/pg_clipfrac", "actor/ppo_kl", "actor/grad_norm",
                           "critic/score/mean", "response_length/mean", "frac_reward_zero_std", "timing_s/step",
                           "timing_s/gen", "timing_s/update_actor", "actor/dsd/mean", "actor/dsd/min", "actor/dsd/max"]

    func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// The metrics with wall-clock timings removed, as text, for exact comparison.
    func deterministic(_ path: String) throws -> [String] {
        try lines(path).map { object in
            let kept = object.filter { !$0.key.hasPrefix("timing_s/") && $0.key != "perf/throughput" }
            return String(decoding: try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    @Test func runWritesMetricsConfigurationDumpsAndCheckpoints() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("grpo").path
        let r = try koopscope(["train", "--run-dir", run, "--steps", "4", "--eval-every", "2", "--dump-every", "2",
                               "--checkpoint-every", "2", "--method", "relax", "--kl-coef", "0.01"] + Self.tiny)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("method = \"relax\"") && r.stdout.contains("group-size = 4"), "resolved configuration printed")
        let metrics = try lines(run + "/metrics.jsonl")
        #expect(metrics.map { ($0["step"] as! NSNumber).intValue } == [0, 1, 2, 3, 4])
        for line in metrics.dropFirst() {
            for key in Self.verlKeys { #expect(line[key] is NSNumber, "step \(line["step"]!): \(key)") }
            #expect(line["actor/relax/l_xp"] is NSNumber && line["actor/kl_loss"] is NSNumber)
        }
        #expect(metrics[0]["eval/mean@1"] is NSNumber && metrics[2]["eval/mean@2"] is NSNumber && metrics[4]["eval/pass@2"] is NSNumber)
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: run + "/config.toml") && fm.fileExists(atPath: run + "/sft.jsonl"))
        #expect(fm.fileExists(atPath: run + "/checkpoints/step-000002/tensors.bin"))
        #expect(fm.fileExists(atPath: run + "/checkpoints/step-000004/state.json"))
        #expect(fm.fileExists(atPath: run + "/dictionary/step-000001.h5"))
        // The dumps are dumps analyze reads: 16 rollouts each, with rewards and groups.
        for step in ["000002", "000004"] {
            let a = try koopscope("analyze", run + "/dumps/step-\(step).h5", "--format", "json",
                                  "--dictionary", run + "/dictionary/step-000001.h5")
            #expect(a.status == 0, "\(a.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as! [String: Any]
            #expect((report["trajectories"] as? [Any])?.count == 16)
        }
        // The saved configuration reproduces the run exactly.
        let again = dir.appendingPathComponent("again").path
        let r2 = try koopscope("train", "--run-dir", again, "--config", run + "/config.toml")
        #expect(r2.status == 0, "\(r2.stderr)")
        let first = try deterministic(run + "/metrics.jsonl"), second = try deterministic(again + "/metrics.jsonl")
        #expect(first == second)
    }

    @Test func damagedCheckpointDictionaryAndBlockedFoldersAreErrors() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("relax").path
        let r = try koopscope(["train", "--run-dir", run, "--steps", "2", "--eval-every", "0", "--checkpoint-every", "2",
                               "--method", "relax"] + Self.tiny)
        #expect(r.status == 0, "\(r.stderr)")
        let file = run + "/checkpoints/step-000002/dictionary.h5"
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: file)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let resumed = try koopscope("train", "--run-dir", run, "--resume", "--steps", "3")
        #expect(resumed.status == 1 && resumed.stderr.contains("dictionary.h5 does not match its SHA-256"), "\(resumed.stderr)")

        // A file where the dumps folder must go.
        let blocked = dir.appendingPathComponent("blocked").path
        try FileManager.default.createDirectory(atPath: blocked, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: blocked + "/dumps", contents: Data("in the way".utf8)))
        let b = try koopscope(["train", "--run-dir", blocked, "--steps", "1", "--eval-every", "0", "--dump-every", "1",
                              ] + Self.tiny)
        #expect(b.status == 1 && b.stderr.contains(blocked + "/dumps") && b.stderr.contains("cannot create the folder"),
                "\(b.stderr)")
    }

    /// `--resume` through the command line: a finished run continues with more steps, and only
    /// the resumable settings may change. (A run stopped midway and resumed equals an
    /// uninterrupted one: the library's tests check that.)
    @Test func aFinishedRunResumesWithMoreSteps() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run").path
        let first = try koopscope(["train", "--run-dir", run, "--steps", "4", "--checkpoint-every", "2", "--method", "clip-cov",
                                   "--cov-ratio", "0.05"] + Self.tiny)
        #expect(first.status == 0, "\(first.stderr)")
        let more = try koopscope("train", "--run-dir", run, "--resume", "--steps", "6")
        #expect(more.status == 0 && more.stdout.contains("resuming after step 4"), "\(more.stderr)")
        #expect(try lines(run + "/metrics.jsonl").map { ($0["step"] as! NSNumber).intValue } == Array(0...6))
        let changed = try koopscope("train", "--run-dir", run, "--resume", "--method", "grpo")
        #expect(changed.status == 1 && changed.stderr.contains("--method"), "\(changed.stderr)")
    }

    /// The same run on one core and on all of them (`taskset`), compared number for number: what
    /// a run computes does not follow the machine's core count.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset")
                   && ProcessInfo.processInfo.activeProcessorCount > 1))
    func aRunIsTheSameOnOneCoreAndOnAll() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Wide enough that OpenBLAS would split the dictionary fit's products across threads.
        let arguments = Self.tiny + ["--steps", "3", "--eval-every", "3", "--method", "relax", "--quiet", "--model-dim", "64",
                                     "--heads", "4", "--mlp-dim", "256", "--koopman-dim", "50", "--sft-steps", "30",
                                     "--prompts-per-step", "32", "--group-size", "8", "--mini-batches", "1"]
        let one = dir.appendingPathComponent("one").path, all = dir.appendingPathComponent("all").path
        let pinned = Process()
        pinned.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        pinned.arguments = ["-c", "0", koopscopeBinary.path, "train", "--run-dir", one] + arguments
        pinned.standardOutput = FileHandle.nullDevice
        pinned.standardError = FileHandle.nullDevice
        try pinned.run()
        pinned.waitUntilExit()
        #expect(pinned.terminationStatus == 0)
        let unpinned = try koopscope(["train", "--run-dir", all] + arguments)
        #expect(unpinned.status == 0, "\(unpinned.stderr)")
        let a = try deterministic(one + "/metrics.jsonl"), b = try deterministic(all + "/metrics.jsonl")
        #expect(a.count == 4 && a == b)
        #expect(try deterministic(one + "/sft.jsonl") == deterministic(all + "/sft.jsonl"), "the warm-up too")
    }

    @Test func badSettingsAreNamedAndLeaveNothingBehind() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run").path
        let cases: [([String], String)] = [
            (["--group-size", "0"], "--group-size"),
            (["--method", "ppo"], "\"ppo\" is not one of grpo, relax"),
            (["--task", "chess"], "unknown task \"chess\""),
            (["--lr", "fast"], "--lr"),
            (["--device", "tpu"], "\"tpu\" is not one of cpu, cuda, auto"),
            (["--heads", "3"], "not a multiple of heads 3"),
            (["--prompts-per-step", "5", "--mini-batches", "2"], "mini-batches"),
            (["--config", dir.appendingPathComponent("missing.toml").path], "missing.toml: cannot read"),
            (["--context", "4"], "do not fit in 4 positions"),
            (["--task-size", "1", "--eval-prompts", "150"], "only 100 distinct held-out problems"),
            (["--dictionary", fixturePath("linear-padded.h5")], "linear-padded.h5"),
        ]
        for (arguments, message) in cases {
            let r = try koopscope(["train", "--run-dir", run, "--steps", "1"] + Self.tiny + arguments)
            #expect(r.status != 0 && r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: run), "\(arguments) left \(run) behind")
        }
        let toml = dir.appendingPathComponent("bad.toml")
        try "steps = 2\n# fine\ngroup-sise = 4\n".write(to: toml, atomically: true, encoding: .utf8)
        let r = try koopscope("train", "--run-dir", run, "--config", toml.path)
        #expect(r.status != 0 && r.stderr.contains("bad.toml:3") && r.stderr.contains("group-sise"), "\(r.stderr)")
        try "[grpo]\nsteps = 2\n".write(to: toml, atomically: true, encoding: .utf8)
        let table = try koopscope("train", "--run-dir", run, "--config", toml.path)
        #expect(table.stderr.contains("bad.toml:1: [grpo]: tables are not supported"), "\(table.stderr)")
        let resume = try koopscope("train", "--run-dir", run, "--resume")
        #expect(resume.status != 0 && resume.stderr.contains("no run to resume"))
        // A directory that holds a run is not overwritten.
        let first = try koopscope(["train", "--run-dir", run, "--steps", "1", "--eval-every", "0"] + Self.tiny)
        #expect(first.status == 0, "\(first.stderr)")
        let again = try koopscope(["train", "--run-dir", run, "--steps", "1"] + Self.tiny)
        #expect(again.status != 0 && again.stderr.contains("already holds a run"))
    }
}

/// Settings as the documented rules resolve them, through the binary.
@Suite("koopscope train settings")
struct TrainSettingsCommandTests {
    /// The saved configuration of a run given `arguments` (no RL step, no warm-up).
    func savedConfiguration(_ arguments: [String]) throws -> (CommandResult, String) {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run").path
        let r = try koopscope(["train", "--run-dir", run, "--steps", "0", "--sft-steps", "0", "--model-dim", "16",
                               "--layers", "1", "--heads", "2", "--mlp-dim", "32", "--eval-prompts", "4",
                               "--eval-samples", "1", "--quiet"] + arguments)
        return (r, (try? String(contentsOfFile: run + "/config.toml", encoding: .utf8)) ?? "")
    }

    @Test func aRecipeIsAppliedBeforeTheFlagsBesideIt() throws {
        let (r, saved) = try savedConfiguration(["--dual-clip", "4", "--recipe", "relax-authors"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(saved.contains("dual-clip = 4.0") && saved.contains("weight-decay = 0.0"), "\(saved)")
    }

    @Test(arguments: ["countdown-trace", "addition-trace"])
    func traceTasksRunWithTheirDefaults(task: String) throws {
        let (r, saved) = try savedConfiguration(["--task", task])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!saved.contains("context = 64\n"), "the context grows to fit the task: \(saved)")
    }
}
