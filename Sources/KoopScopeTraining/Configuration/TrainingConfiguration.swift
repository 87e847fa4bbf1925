import Foundation
import KoopScope

/// Everything a training run is made of, with the paper's defaults (docs/math.md §9–10) where it
/// has one. Set from TOML, then flags, through ``TrainingConfiguration/keys``.
///
/// ```swift
/// var c = TrainingConfiguration()
/// try c.set("group-size", to: "8", source: "--group-size")
/// ```
public struct TrainingConfiguration: Sendable, Equatable {
    // The run.
    /// A named set of settings applied before every other (see ``TrainingConfiguration/recipes``).
    public var recipe = ""
    public var task = "addition"
    /// The task's difficulty (0: its default); see ``TaskCatalog/task(named:size:)``.
    public var taskSize = 0
    /// The largest number countdown-trace gives (0: 9).
    public var taskLargest = 0
    /// A Hugging Face checkpoint folder to train instead of koopscope's own transformer ("": none).
    public var model = ""
    /// A JSON Lines prompts file to train on instead of `task` ("": the task); needs `model`.
    public var dataset = ""
    /// How the dataset's responses are scored: gsm8k, countdown or exact.
    public var verifier = ""
    /// The prompt form with `{prompt}` once ("": the checkpoint's chat template, else as it is).
    public var template = ""
    public var method = TrainingMethod.grpo
    public var steps = 100
    public var sftSteps = 0
    public var seed: UInt64 = 0
    public var device = "cpu"

    // Rollouts.
    public var promptsPerStep = 512
    public var groupSize = 16
    /// Optimiser updates per step (the batch split into this many mini-batches; paper 512/32).
    public var miniBatches = 16
    public var temperature = 1.0
    public var topP = 1.0
    /// 0: the task's longest correct answer plus end-of-sequence.
    public var maxResponseLength = 0
    /// DAPO's dynamic sampling: drop groups whose rewards are all equal and draw more prompts.
    public var dynamicSampling = false
    /// Rounds of sampling dynamic sampling may take per step before it fills the batch anyway.
    public var maxSamplingRounds = 10
    /// Weight of the format reward added to the 0/1 correctness reward.
    public var formatReward = 0.0

    // The GRPO surrogate.
    public var epsilonLow = 0.2
    /// nil: 0.2, or 0.28 for `clip-higher`.
    public var epsilonHigh: Double? = nil
    /// 0 turns the dual clip off.
    public var dualClip = 3.0
    public var lossAggregation = LossAggregation.tokenMean
    public var klEstimator = KLEstimator.k3
    /// Coefficient of the KL to the reference policy on every token (VeRL's kl_loss_coef; 0: off).
    public var klCoefficient = 0.0
    public var normalizeAdvantagesByStd = true
    /// nil: 0, or 0.001 for `entropy-reg`.
    public var entropyCoefficient: Double? = nil
    /// nil: VeRL's recipes, 2·10⁻³ for kl-cov and 2·10⁻⁴ for clip-cov.
    public var covarianceRatio: Double? = nil
    public var clipCovLower = 1.0
    public var clipCovUpper = 5.0
    public var klCovCoefficient = 1.0

    // The optimiser.
    public var learningRate = 1e-6
    public var adamBeta1 = 0.9
    public var adamBeta2 = 0.95
    public var weightDecay = 0.01
    public var gradientClip = 1.0
    public var sftLearningRate = 1e-3
    public var sftBatch = 64
    /// How the warm-up's learning rate moves over its steps.
    public var sftSchedule = WarmupSchedule.constant
    /// Held-out greedy accuracy logged every k warm-up steps (0: never).
    public var sftEvalEvery = 0
    /// A checkpoint directory whose policy this run starts from, warm-up done ("": none).
    public var initCheckpoint = ""

    // ReLaX and the dictionary (also used to log DSD for every method).
    public var relaxVariant = ReLaXObjective.Variant.paper
    public var relaxAlpha = 0.1
    public var relaxBeta = 0.01
    public var relaxShaping = ReLaXObjective.Shaping.advantage
    public var relaxKL = ReLaXObjective.KLSet.adaptive
    /// nil: 25 (paper) or 10 (reference).
    public var relaxXi: Double? = nil
    public var koopmanDimension = 50
    /// Refit the dictionary on the current rollouts every k steps (0: never, as the paper).
    public var refitEvery = 0
    /// A dictionary file to use instead of fitting one on step-0 rollouts ("" : fit).
    public var dictionary = ""
    /// Dictionary fitting steps (0: one epoch over the step-0 rollouts).
    public var fitSteps = 0
    public var dsdVariance = VarianceKind.sample
    /// DSD over each response's own states, or padded to the response length as the reference code.
    public var dsdInput = TrajectoryDSD.Input.response
    /// Pairs of the windowed DSD logged beside (0: m); trajectories with fewer states are left out.
    public var dsdWindow = 0
    /// Use the Kaiming-uniform start as the dictionary and never fit it (an ablation).
    public var randomDictionary = false

    // The policy.
    public var modelDimension = 128
    public var layers = 5
    public var heads = 4
    public var mlpDimension = 512
    public var contextLength = 0

    // Evaluation, dumps, checkpoints.
    public var evalEvery = 10
    public var evalPrompts = 64
    public var evalSamples = 4
    public var dumpEvery = 0
    public var checkpointEvery = 50

    public init() {}

    /// The configuration a run directory's `config.toml` holds, as `koopscope train` writes it
    /// (errors name the file and line).
    ///
    /// ```swift
    /// let settings = try TrainingConfiguration(contentsOf: "runs/grpo/config.toml")
    /// ```
    public init(contentsOf path: String) throws {
        self.init()
        for entry in try TOMLFile.parse(contentsOf: path) { try set(entry.key, to: entry.value, source: "\(path):\(entry.line)") }
    }

    /// ε_high after the method's default.
    public var resolvedEpsilonHigh: Double { epsilonHigh ?? (method == .clipHigher ? 0.28 : 0.2) }
    /// c_H after the method's default.
    public var resolvedEntropyCoefficient: Double { entropyCoefficient ?? (method == .entropyRegularization ? 1e-3 : 0) }
    /// The covariance baselines' token ratio after the method's default.
    public var resolvedCovarianceRatio: Double { covarianceRatio ?? (method == .klCov ? 2e-3 : 2e-4) }
    /// The dual-clip constant in effect: none for clip-cov (VeRL's Clip-Cov loss has none) or when 0.
    public var resolvedDualClip: Double { method == .clipCov || dualClip == 0 ? .infinity : dualClip }
    /// ξ after the variant's default.
    public var resolvedXi: Double { relaxXi ?? (relaxVariant == .paper ? 25 : 10) }
    /// Positions per sequence after the default: 64, or as many as the task's longest prompt
    /// (after the BOS token) and longest response need where that is more.
    /// With `model`, 0 stays 0: the checkpoint's `max_position_embeddings`.
    public var resolvedContextLength: Int {
        guard contextLength == 0, model.isEmpty else { return contextLength }
        guard let task = TaskCatalog.task(named: task, size: taskSize, largest: taskLargest) else { return 64 }
        let response = maxResponseLength > 0 ? maxResponseLength : task.maxResponseLength + 1
        return max(64, 1 + task.maxPromptLength + response)
    }
    /// W of the windowed DSD after its default (m).
    public var resolvedDSDWindow: Int { dsdWindow > 0 ? dsdWindow : koopmanDimension }

    /// The policy's shape for a vocabulary.
    public func policyConfiguration(vocabularySize: Int) -> PolicyConfiguration {
        PolicyConfiguration(vocabularySize: vocabularySize, contextLength: resolvedContextLength, dimension: modelDimension,
                            layers: layers, heads: heads, mlpDimension: mlpDimension)
    }

    /// Sets `key` from its text; `source` (`--flag` or `FILE:LINE`) goes into the error.
    public mutating func set(_ key: String, to value: String, source: String) throws {
        guard let entry = Self.keys.first(where: { $0.name == key }) else {
            throw TrainingError.invalidSetting(source: source, key: key, detail: "no such setting (see `koopscope train --help`)")
        }
        do { try entry.apply(&self, value) } catch let problem as SettingProblem {
            throw TrainingError.invalidSetting(source: source, key: key, detail: problem.detail)
        }
    }

    /// The resolved configuration as TOML that ``set(_:to:source:)`` reads back.
    public var toml: String {
        let c = resolved
        return TOMLFile.render(Self.keys.map { key in let r = key.render(c); return (key.name, r.0, r.1) })
    }

    /// This configuration with every method- and variant-dependent default written out.
    var resolved: TrainingConfiguration {
        var c = self
        c.epsilonHigh = resolvedEpsilonHigh
        c.entropyCoefficient = resolvedEntropyCoefficient
        c.relaxXi = resolvedXi
        c.covarianceRatio = resolvedCovarianceRatio
        c.contextLength = resolvedContextLength
        return c
    }

    /// Named sets of settings: `relax-authors` is the ReLaX authors' training recipe (docs/math.md
    /// §10): clip ratios 1 (PPO clipping in effect off), dual clip c = 10, weight decay 0, DAPO
    /// dynamic sampling, the dictionary refitted every 50 steps.
    public static let recipes: [String: [(key: String, value: String)]] = [
        "relax-authors": [("epsilon-low", "1"), ("epsilon-high", "1"), ("dual-clip", "10"), ("weight-decay", "0"),
                          ("dynamic-sampling", "true"), ("refit-every", "50")],
    ]

    /// `entries` in the order to apply them: a recipe first, so that every other setting given
    /// overrides it wherever it stands.
    public static func applyingOrder<T>(_ entries: [T], key: (T) -> String) -> [T] {
        entries.filter { key($0) == "recipe" } + entries.filter { key($0) != "recipe" }
    }

    /// The settings a resumed run may change (``Key/resumable``): they do not touch the training stream.
    public static let resumableKeys: Set<String> = Set(keys.filter(\.resumable).map(\.name))

    /// Whether `other` trains exactly as this one does (differing at most in ``resumableKeys``).
    public func trainsLike(_ other: TrainingConfiguration) -> Bool {
        func training(_ c: TrainingConfiguration) -> [String] {
            let c = c.resolved
            return Self.keys.filter { !$0.resumable }.map { $0.render(c).0 }
        }
        return training(self) == training(other)
    }

    /// What makes the whole configuration unusable together (each setting alone is checked on set).
    public func validate() throws {
        func fail(_ key: String, _ detail: String) -> TrainingError { .invalidSetting(source: "configuration", key: key, detail: detail) }
        if modelDimension % heads != 0 { throw fail("heads", "model-dim \(modelDimension) is not a multiple of heads \(heads)") }
        if promptsPerStep % miniBatches != 0 {
            throw fail("mini-batches", "prompts-per-step \(promptsPerStep) does not split into \(miniBatches) equal mini-batches")
        }
        if !dataset.isEmpty {
            if model.isEmpty { throw fail("dataset", "a dataset is tokenized by a checkpoint's tokenizer: give --model too") }
            if Verifier(rawValue: verifier) == nil {
                throw fail("verifier", "a dataset needs --verifier, one of \(Verifier.allCases.map(\.rawValue).joined(separator: ", "))"
                           + (verifier.isEmpty ? "" : "; got \"\(verifier)\""))
            }
        } else if !verifier.isEmpty {
            throw fail("verifier", "scores a --dataset's responses; the built-in tasks have their own")
        }
        if !template.isEmpty && model.isEmpty { throw fail("template", "forms prompts for a checkpoint's tokenizer: give --model too") }
        if !template.isEmpty && template.components(separatedBy: "{prompt}").count != 2 {
            throw fail("template", "must contain {prompt} exactly once")
        }
        if dataset.isEmpty, TaskCatalog.task(named: task, size: taskSize, largest: taskLargest) == nil {
            throw fail("task", "unknown task \"\(task)\" (one of \(TaskCatalog.all.map(\.name).joined(separator: ", ")))")
        }
        if !initCheckpoint.isEmpty && sftSteps > 0 {
            throw fail("sft-steps", "init-checkpoint starts from a warmed-up policy; sft-steps must be 0 with it, got \(sftSteps)")
        }
        if randomDictionary && !dictionary.isEmpty {
            throw fail("random-dictionary", "random-dictionary and dictionary \"\(dictionary)\" cannot both be given")
        }
        if DeviceChoice(rawValue: device) == nil { throw fail("device", DeviceChoice.problem(device)) }
        // A checkpoint's size is checked when it is read (``Trainer``).
        guard model.isEmpty else { return }
        // A policy past the machine's memory is refused here rather than failing an allocation
        // midway: its weights, gradients and AdamW's two moments, four Float32 copies.
        let parameters = Double(policyConfiguration(vocabularySize: CharacterTokenizer.standard.vocabularySize).parameterCount)
        if let (bytes, memory) = Self.trainingMemoryShortfall(parameters: parameters) {
            throw fail("model-dim", String(format: "a policy of %.3g parameters needs %.1f GiB for its weights, gradients "
                                           + "and optimiser state, more than this machine's %.1f GiB",
                                           parameters, bytes / Double(1 << 30), memory / Double(1 << 30)))
        }
    }
}

extension TrainingConfiguration {
    /// The bytes training `parameters` takes — weights, gradients and AdamW's two moments, four
    /// Float32 copies — and the machine's memory, when the first exceeds the second; nil when it fits.
    static func trainingMemoryShortfall(parameters: Double) -> (needed: Double, available: Double)? {
        let bytes = 16 * parameters, memory = Double(ProcessInfo.processInfo.physicalMemory)
        return bytes > memory ? (bytes, memory) : nil
    }
}

/// A value a setting refuses, before the key and source are attached.
struct SettingProblem: Error { var detail: String }
