import Foundation
import KoopScope

/// A training run: a supervised warm-up, then RL steps (sample, reward, fit or reuse the
/// dictionary, update with the method's loss), evaluation, dumps, checkpoints and one metrics line
/// per step in the run directory.
///
/// ```swift
/// let trainer = try Trainer(configuration: c, runDirectory: "runs/grpo")
/// try trainer.run { report in print(report.summary) }
/// ```
public final class Trainer {
    public let configuration: TrainingConfiguration
    public let runDirectory: String
    public let task: any VerifiableTask
    /// How problems become tokens and responses text.
    public let text: TrainingText
    public let policy: any Policy<Float>
    /// The frozen post-warm-up policy the KL terms compare with (nil when no KL term is on).
    public internal(set) var reference: (any Policy<Float>)?
    public internal(set) var dictionary: KoopmanDictionary?
    /// RL steps finished.
    public internal(set) var step = 0
    let backend: any Backend
    let optimizer: AdamWOptimizer<Float>
    let loss: ActorLoss
    let maxResponseLength: Int
    /// Positions a prompt and its response may take together.
    let contextLength: Int
    /// The checkpoint folder the policy came from (`model`), nil for koopscope's transformer.
    public let checkpoint: CheckpointFolder?
    let evaluationSet: [TaskInstance]
    /// The held-out prompts, encoded once.
    let evaluationPrompts: [[Int32]]
    let heldOut: Set<String>
    /// Sampling, the baselines' random picks: everything but which prompts are drawn.
    var rng: SeededGenerator
    /// The training prompts alone, so that every method of a seed sees the same ones whatever it samples.
    var promptRNG: SeededGenerator
    let metrics: MetricsLog
    /// The mean effective rank of the last two steps' trajectories, oldest first: what its
    /// velocity and acceleration are taken against (kept in checkpoints).
    var effectiveRankHistory: [Double] = []
    var warmedUp = false
    /// Whether the policy came from `init-checkpoint` (so there is no warm-up to run).
    var startedFromCheckpoint = false
    /// Whether updates cut a mini-batch into parts on the cores (CPU backend); off only to
    /// compare against the undivided update.
    var splitsUpdates = true

    /// What one finished step reports to the caller.
    public struct StepReport: Sendable {
        public var step: Int
        public var totalSteps: Int
        public var metrics: [String: Double]
        public var notes: [String]

        /// One line for a terminal.
        public var summary: String {
            func f(_ key: String, _ digits: Int = 3) -> String { metrics[key].map { String(format: "%.\(digits)f", $0) } ?? "–" }
            var s = "step \(step)/\(totalSteps)  score \(f(Metric.criticScoreMean))  dsd \(f(Metric.actorDSDMean, 5))"
            s += "  entropy \(f(Metric.actorEntropy))  length \(f(Metric.responseLengthMean, 1))  \(f(Metric.timingStep, 2)) s"
            if let e = metrics[Metric.evalMeanAt1] { s += "  eval@1 \(String(format: "%.3f", e))" }
            return s
        }
    }

    /// Sets up a new run in `runDirectory` (which must not already hold one), or, with `resume`,
    /// continues the run there from its latest checkpoint.
    /// `backend` nil: the one `configuration.device` names (``DeviceSelection``).
    public init(configuration: TrainingConfiguration, runDirectory: String, resume: Bool = false,
                backend chosen: (any Backend)? = nil) throws {
        try configuration.validate()
        self.configuration = configuration
        self.runDirectory = runDirectory
        backend = try chosen ?? DeviceSelection.backend(for: configuration.device).backend
        if configuration.dataset.isEmpty {
            task = TaskCatalog.task(named: configuration.task, size: configuration.taskSize, largest: configuration.taskLargest)!
        } else {
            task = try DatasetTask(path: configuration.dataset, verifier: Verifier(rawValue: configuration.verifier)!)
        }
        maxResponseLength = configuration.maxResponseLength > 0 ? configuration.maxResponseLength : task.maxResponseLength + 1
        if configuration.model.isEmpty {
            checkpoint = nil
            text = .character
            contextLength = configuration.resolvedContextLength
            policy = TransformerPolicy(configuration: configuration.policyConfiguration(vocabularySize: text.tokenizer.vocabularySize),
                                       backend: backend, seed: configuration.seed)
        } else {
            let folder = try CheckpointFolder(path: configuration.model)
            try Self.checkMemory(folder)
            checkpoint = folder
            text = try TrainingText(checkpoint: folder,
                                    template: configuration.template.isEmpty ? nil : PromptTemplate(text: configuration.template))
            let positions = folder.configuration.max_position_embeddings
            if configuration.contextLength > positions {
                throw TrainingError.invalidSetting(source: "configuration", key: "context",
                                                   detail: "\(configuration.contextLength) is more than the \(positions) positions of \(folder.path)")
            }
            contextLength = configuration.contextLength > 0 ? configuration.contextLength : positions
            policy = try DecoderPolicy<Float>(folder, backend: backend)
        }
        optimizer = AdamWOptimizer(parameters: policy.parameters, settings: AdamWSettings(
            learningRate: configuration.sftLearningRate, beta1: configuration.adamBeta1, beta2: configuration.adamBeta2,
            weightDecay: configuration.weightDecay), backend: backend)
        loss = ActorLoss(configuration: configuration, maxResponseLength: maxResponseLength)
        evaluationSet = task.evaluationSet(count: configuration.evalPrompts, seed: configuration.seed &+ 0x5EED)
        heldOut = Set(evaluationSet.map(\.prompt))
        rng = SeededGenerator(seed: configuration.seed &+ 1)
        promptRNG = SeededGenerator(seed: configuration.seed &+ 2)
        metrics = MetricsLog(path: runDirectory + "/metrics.jsonl")
        if let dataset = task as? DatasetTask {
            // Every prompt is checked against the context before anything runs, not when drawn.
            if dataset.distinctPrompts <= configuration.evalPrompts {
                throw TrainingError.invalidSetting(source: "configuration", key: "eval-prompts",
                                                   detail: "\(dataset.path) has \(dataset.distinctPrompts) distinct prompts: with \(configuration.evalPrompts) held out none is left to train on; lower --eval-prompts")
            }
            var seen = Set<String>()
            for (k, instance) in dataset.instances.enumerated() where seen.insert(instance.prompt).inserted {
                do { _ = try Self.encodePrompt(instance, text: text, maxResponseLength: maxResponseLength, contextLength: contextLength) }
                catch let TrainingError.invalidSetting(_, key, detail) {
                    throw TrainingError.invalidSetting(source: "\(dataset.path), record \(k + 1)", key: key, detail: detail)
                }
            }
        }
        if evaluationSet.count < configuration.evalPrompts {
            throw TrainingError.invalidSetting(source: "configuration", key: "eval-prompts",
                                               detail: "the task gives only \(evaluationSet.count) distinct held-out problems; lower --eval-prompts or raise --task-size")
        }
        evaluationPrompts = try evaluationSet.map { [text, maxResponseLength, contextLength] in
            try Self.encodePrompt($0, text: text, maxResponseLength: maxResponseLength, contextLength: contextLength)
        }
        if !configuration.dictionary.isEmpty {
            let loaded = try KoopmanDictionary(contentsOf: configuration.dictionary)
            guard loaded.dimension == policy.hiddenDimension else {
                throw TrainingError.invalidSetting(source: "--dictionary", key: "dictionary",
                                                   detail: "\(configuration.dictionary) has d = \(loaded.dimension), the policy's states have d = \(policy.hiddenDimension)")
            }
            dictionary = loaded
        } else if configuration.randomDictionary {
            dictionary = KoopmanDictionary.kaimingUniform(dimension: policy.hiddenDimension,
                                                          koopmanDimension: configuration.koopmanDimension)
        }
        try prepareDirectory(resume: resume)
        if resume {
            try restoreLatestCheckpoint()
        } else if !configuration.initCheckpoint.isEmpty {
            try startFromCheckpoint(configuration.initCheckpoint)
        }
    }

    /// Runs the warm-up (unless resumed past it or started from a checkpoint) and the remaining RL
    /// steps; with `steps` 0, checkpoints the warmed-up policy as `checkpoints/step-000000`.
    ///
    /// `stoppingAfter` ends the run once that step is logged, as if the process had been killed
    /// there (no checkpoint beyond the regular ones), so that resuming can be tested exactly.
    public func run(stoppingAfter lastStep: Int? = nil, progress: (StepReport) -> Void = { _ in }) throws {
        // OpenBLAS with one thread: a run then computes the same numbers on any number of cores
        // (threaded BLAS sums in an order that follows the thread count) and whatever other
        // threads of the process do with OpenBLAS's count. The policy's products are small
        // enough that OpenBLAS's threads cost more than they bring.
        try BLASThreads.singleThreaded { try runSteps(stoppingAfter: lastStep, progress: progress) }
    }

    private func runSteps(stoppingAfter lastStep: Int?, progress: (StepReport) -> Void) throws {
        if !warmedUp {
            if !startedFromCheckpoint { try warmUp(progress: progress) }
            warmedUp = true
            // A run without RL steps is a warm-up to start others from (`init-checkpoint`).
            if configuration.steps == 0 { try writeCheckpoint() }
            if loss.needsReference { reference = policy.copy() }
            optimizer.settings.learningRate = configuration.learningRate
            optimizer.reset()
            if configuration.evalEvery > 0 && configuration.steps > 0 {
                let values = try evaluate()
                try metrics.append(step: 0, values)
                progress(StepReport(step: 0, totalSteps: configuration.steps, metrics: values, notes: []))
            }
        }
        while step < configuration.steps {
            var report = try trainStep()
            step += 1
            report.step = step
            if configuration.evalEvery > 0 && (step % configuration.evalEvery == 0 || step == configuration.steps) {
                let started = Date()
                report.metrics.merge(try evaluate()) { $1 }
                report.metrics[Metric.timingEval] = Date().timeIntervalSince(started)
            }
            try metrics.append(step: step, report.metrics)
            if step == lastStep { return }
            if step == configuration.steps || (configuration.checkpointEvery > 0 && step % configuration.checkpointEvery == 0) {
                try writeCheckpoint()
            }
            progress(report)
        }
    }

    /// The prompt's tokens, checked against the context.
    func encodePrompt(_ instance: TaskInstance) throws -> [Int32] {
        try Self.encodePrompt(instance, text: text, maxResponseLength: maxResponseLength, contextLength: contextLength)
    }

    static func encodePrompt(_ instance: TaskInstance, text: TrainingText, maxResponseLength: Int,
                             contextLength: Int) throws -> [Int32] {
        let tokens = try text.prompt(instance.prompt)
        if tokens.count + maxResponseLength > contextLength {
            let shown = instance.prompt.count > 60 ? String(instance.prompt.prefix(57)) + "…" : instance.prompt
            throw TrainingError.invalidSetting(source: "configuration", key: "context",
                                               detail: "the prompt \"\(shown)\" (\(tokens.count) tokens) and a response of \(maxResponseLength) do not fit in \(contextLength) positions")
        }
        return tokens
    }

    /// Refuses a checkpoint whose weights, gradients and AdamW's two moments (four Float32
    /// copies) would not fit in the machine's memory, before any of it is read.
    static func checkMemory(_ folder: CheckpointFolder) throws {
        let parameters = Double(folder.configuration.parameterCount)
        if let (bytes, memory) = TrainingConfiguration.trainingMemoryShortfall(parameters: parameters) {
            throw TrainingError.invalidSetting(source: "--model", key: "model", detail: String(
                format: "%@ has %.3g parameters: training needs %.1f GiB for its weights, gradients and optimiser state, "
                    + "more than this machine's %.1f GiB", folder.path, parameters, bytes / Double(1 << 30), memory / Double(1 << 30)))
        }
    }

    private func prepareDirectory(resume: Bool) throws {
        let fm = FileManager.default
        let configPath = runDirectory + "/config.toml"
        if resume {
            guard fm.fileExists(atPath: configPath) else {
                throw TrainingError.runDirectory(path: runDirectory, detail: "holds no run to resume (no config.toml)")
            }
            return
        }
        if fm.fileExists(atPath: runDirectory + "/metrics.jsonl") || fm.fileExists(atPath: configPath) {
            throw TrainingError.runDirectory(path: runDirectory,
                                             detail: "already holds a run; pass --resume to continue it, or choose another --run-dir")
        }
        do {
            try fm.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
            try AtomicFile.write(Data(configuration.toml.utf8), to: configPath)
        } catch let error as TrainingError { throw error } catch {
            throw TrainingError.runDirectory(path: runDirectory, detail: "cannot create the run directory: \(error.localizedDescription)")
        }
    }
}
