import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

/// `train --model`: a Hugging Face checkpoint warmed up, trained, checkpointed, resumed and
/// exported; and what it refuses before anything runs.
@Suite("Training a Hugging Face checkpoint")
struct CheckpointTrainingTests {
    /// Problems in GSM8K form, written to `directory`.
    static func dataset(in directory: URL, count: Int = 40) throws -> String {
        let path = directory.appendingPathComponent("problems.jsonl").path
        try ProblemSet.write(try ProblemSet.arithmetic(count: count, seed: 3, digits: 2), to: path)
        return path
    }

    static func configuration(model: String = "hf/qwen3-f32", dataset: String, method: TrainingMethod = .relax) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.model = fixturePath(model)
        c.dataset = dataset
        c.verifier = "gsm8k"
        c.method = method
        c.maxResponseLength = 10
        c.steps = 4; c.checkpointEvery = 2; c.evalEvery = 2; c.evalPrompts = 4; c.evalSamples = 2
        c.sftSteps = 2; c.sftBatch = 4
        c.promptsPerStep = 2; c.groupSize = 4; c.miniBatches = 2
        c.learningRate = 1e-3; c.koopmanDimension = 6
        return c
    }

    @Test func aCheckpointRunResumesExactlyAndExportsItsPolicy() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = Self.configuration(dataset: try Self.dataset(in: dir))
        let whole = dir.appendingPathComponent("whole").path, stopped = dir.appendingPathComponent("stopped").path
        let trainer = try Trainer(configuration: c, runDirectory: whole)
        #expect(trainer.policy is DecoderPolicy<Float> && trainer.policy.hiddenDimension == 64)
        // The prompt goes through the checkpoint's tokenizer, as transformers would encode it.
        let tokenizer = try ByteLevelBPETokenizer(contentsOf: fixturePath("hf/qwen3-f32/tokenizer.json"))
        var rng = SeededGenerator(seed: 9)
        let instance = trainer.task.sample(using: &rng)
        #expect(try trainer.encodePrompt(instance) == tokenizer.encode(instance.prompt).map(Int32.init))
        try trainer.run()
        try Trainer(configuration: c, runDirectory: stopped).run(stoppingAfter: 3)
        let resumed = try Trainer(configuration: c, runDirectory: stopped, resume: true)
        #expect(resumed.step == 2)
        try resumed.run()
        let a = try ResumeTests().deterministic(whole + "/metrics.jsonl"), b = try ResumeTests().deterministic(stopped + "/metrics.jsonl")
        #expect(a.count == 5 && a == b)
        let sft = try String(contentsOfFile: whole + "/sft.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(sft.count == 2)
        let last = try #require(try JSONSerialization.jsonObject(with: Data(a.last!.utf8)) as? [String: Any])
        #expect(last[Metric.actorDSDMean] != nil && last[Metric.evalDSDMean] != nil && last[Metric.dictionaryLossLast] == nil)

        // The export is the trained policy: the same logits, in the source's dtype and files.
        let out = dir.appendingPathComponent("exported").path
        #expect(try Trainer.export(runDirectory: whole, to: out) == 4)
        let policy = try #require(trainer.policy as? DecoderPolicy<Float>)
        let tokens = [4, 99, 300, 12, 7]
        #expect(try Decoder(checkpoint: out).forward(tokens).logits == Decoder(policy).forward(tokens).logits)
        #expect(try Decoder(checkpoint: out).forward(tokens).logits != Decoder(checkpoint: c.model).forward(tokens).logits,
                "training moved the weights")
        #expect(FileManager.default.contents(atPath: out + "/tokenizer.json") == FileManager.default.contents(atPath: c.model + "/tokenizer.json"))
        // An earlier step, and what export refuses.
        #expect(try Trainer.export(runDirectory: whole, step: 2, to: dir.appendingPathComponent("step2").path) == 2)
        #expect(throws: TrainingError.runDirectory(path: out, detail: "exists already; export writes a new folder")) {
            try Trainer.export(runDirectory: whole, to: out)
        }
        #expect(throws: TrainingError.invalidSetting(source: "--step", key: "step", detail: "\(whole) has no checkpoint of step 1; it has 2, 4")) {
            try Trainer.export(runDirectory: whole, step: 1, to: dir.appendingPathComponent("x").path)
        }
    }

    /// A BF16 checkpoint trains in Float32 and exports in BF16.
    @Test func aBF16CheckpointExportsInBF16() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = Self.configuration(model: "hf/qwen2-bf16", dataset: try Self.dataset(in: dir), method: .grpo)
        c.steps = 1; c.evalEvery = 0
        let run = dir.appendingPathComponent("run").path
        try Trainer(configuration: c, runDirectory: run).run()
        let out = dir.appendingPathComponent("exported").path
        try Trainer.export(runDirectory: run, to: out)
        let file = try SafetensorsFile(path: out + "/model.safetensors")
        #expect(file.entries.values.allSatisfy { $0.dtype == .bf16 })
    }

    /// `--device cuda` (the host emulation where no GPU is): the first steps of a checkpoint run —
    /// sampling from the device's weights, fitting, scoring and updating there — equal the CPU's.
    @Test(.enabled(if: cudaStatus.available, "no CUDA here: \(cudaStatus.reason)"))
    func aRunOnCUDAEqualsTheCPUs() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The entropy bonus moves the weights even where every reward is 0.
        var c = Self.configuration(dataset: try Self.dataset(in: dir), method: .entropyRegularization)
        c.steps = 2; c.sftSteps = 0; c.evalEvery = 0; c.maxResponseLength = 8; c.entropyCoefficient = 0.01
        var logs: [[String: Double]] = []
        for (name, backend) in [("cpu", CPUBackend() as any Backend), ("cuda", try CUDABackend())] {
            let run = dir.appendingPathComponent(name).path
            try Trainer(configuration: c, runDirectory: run, backend: backend).run()
            let last = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").last!
            logs.append((try JSONSerialization.jsonObject(with: Data(last.utf8)) as! [String: Any]).compactMapValues { $0 as? Double })
        }
        #expect(logs[0][Metric.actorGradNorm]! > 0)
        for key in [Metric.actorLoss, Metric.actorGradNorm, Metric.actorDSDMean, Metric.criticScoreMean, Metric.responseLengthMean] {
            let cpu = try #require(logs[0][key]), cuda = try #require(logs[1][key])
            #expect(abs(cpu - cuda) <= 1e-4 * max(abs(cpu), 1e-3), "\(key): cpu \(cpu), cuda \(cuda)")
        }
    }

    @Test func badDatasetsModelsAndRunDirectoriesAreRefusedBeforeAnythingRuns() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try Self.dataset(in: dir)
        func write(_ text: String) throws -> String {
            let path = dir.appendingPathComponent("bad-\(text.hashValue).jsonl").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        func refusal(_ c: TrainingConfiguration, _ run: String = "run") -> String {
            do {
                _ = try Trainer(configuration: c, runDirectory: dir.appendingPathComponent(run).path)
                return "accepted"
            } catch { return "\(error)" }
        }
        var c = Self.configuration(dataset: try write("{\"prompt\": \"What is 2+2?\", \"answer\": \"#### 4\"}\n{\"answer\": \"#### 5\"}\n"))
        #expect(refusal(c).contains("line 2") && refusal(c).contains("\"prompt\""))
        c.dataset = try write("{\"prompt\": \"What is 2+2?\", \"answer\": \"four\"}\n")
        #expect(refusal(c).contains("record 1") && refusal(c).contains("holds no number"))
        c.dataset = good
        c.verifier = ""
        #expect(refusal(c).contains("verifier"))
        c.verifier = "gsm8k"
        c.model = ""
        #expect(refusal(c).contains("give --model too"))
        c.model = fixturePath("hf/qwen3-f32")
        c.maxResponseLength = 120
        #expect(refusal(c).contains("problems.jsonl, record 1:") && refusal(c).contains("do not fit in 128 positions"), "\(refusal(c))")
        c.maxResponseLength = 10
        c.contextLength = 4096
        #expect(refusal(c).contains("more than the 128 positions"))
        c.contextLength = 0
        c.evalPrompts = 40
        #expect(refusal(c).contains("none is left to train on"))
        c.evalPrompts = 4
        c.template = "no placeholder"
        #expect(refusal(c).contains("{prompt} exactly once"))
        c.template = ""
        c.model = dir.path
        #expect(refusal(c).contains(dir.path))

        // A run directory holding another model's run.
        c = Self.configuration(dataset: good)
        c.steps = 1; c.sftSteps = 0; c.evalEvery = 0
        let run = dir.appendingPathComponent("first").path
        try Trainer(configuration: c, runDirectory: run).run()
        var other = c
        other.model = fixturePath("hf/llama-f32-sharded")
        #expect(refusal(other, "first").contains("already holds a run"))
        #expect(throws: TrainingError.self) { try Trainer(configuration: other, runDirectory: run, resume: true) }
        // Export of a run on koopscope's own transformer.
        var own = TrainerUpdateTests.smallConfiguration(method: .grpo)
        own.steps = 0
        let ownRun = dir.appendingPathComponent("own").path
        try Trainer(configuration: own, runDirectory: ownRun).run()
        #expect(throws: TrainingError.self) { try Trainer.export(runDirectory: ownRun, to: dir.appendingPathComponent("o").path) }
    }
}
