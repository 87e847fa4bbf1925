import ArgumentParser
import Foundation
import KoopScope
import KoopScopeTraining

/// `koopscope train`: GRPO, ReLaX and the token-entropy baselines on koopscope's own policy.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a transformer policy with GRPO, ReLaX or a baseline, logging DSD every step.",
        discussion: """
            Settings come from the defaults (the paper's), then --config FILE (flat TOML, the \
            keys are the flag names without dashes in front), then the flags. The resolved \
            configuration is printed and saved as RUN_DIR/config.toml; every step appends one \
            line to RUN_DIR/metrics.jsonl. --resume continues a run from its newest checkpoint; \
            only --steps, --eval-every, --dump-every, --checkpoint-every and --device may change then.
            """)

    @Option(help: "Directory of the run: config.toml, metrics.jsonl, checkpoints/, dumps/, dictionary/.")
    var runDir: String

    @Option(help: "A TOML file of settings (flags override it).")
    var config: String?

    @Flag(help: "Continue the run in --run-dir from its newest checkpoint.")
    var resume = false

    @Flag(help: "Print no per-step lines.")
    var quiet = false

    @Option(help: help("recipe")) var recipe: String?
    @Option(help: help("task")) var task: String?
    @Option(help: help("task-size")) var taskSize: String?
    @Option(help: help("task-largest")) var taskLargest: String?
    @Option(help: help("method")) var method: String?
    @Option(help: help("steps")) var steps: String?
    @Option(help: help("sft-steps")) var sftSteps: String?
    @Option(help: help("seed")) var seed: String?
    @Option(help: help("device")) var device: String?
    @Option(help: help("prompts-per-step")) var promptsPerStep: String?
    @Option(help: help("group-size")) var groupSize: String?
    @Option(help: help("mini-batches")) var miniBatches: String?
    @Option(help: help("temperature")) var temperature: String?
    @Option(help: help("top-p")) var topP: String?
    @Option(help: help("max-response-length")) var maxResponseLength: String?
    @Option(help: help("format-reward")) var formatReward: String?
    @Option(help: help("dynamic-sampling")) var dynamicSampling: String?
    @Option(help: help("max-sampling-rounds")) var maxSamplingRounds: String?
    @Option(help: help("epsilon-low")) var epsilonLow: String?
    @Option(help: help("epsilon-high")) var epsilonHigh: String?
    @Option(help: help("dual-clip")) var dualClip: String?
    @Option(help: help("loss-agg-mode")) var lossAggMode: String?
    @Option(help: help("kl-estimator")) var klEstimator: String?
    @Option(help: help("kl-coef")) var klCoef: String?
    @Option(help: help("norm-adv-by-std")) var normAdvByStd: String?
    @Option(help: help("entropy-coeff")) var entropyCoeff: String?
    @Option(help: help("cov-ratio")) var covRatio: String?
    @Option(help: help("clip-cov-lb")) var clipCovLb: String?
    @Option(help: help("clip-cov-ub")) var clipCovUb: String?
    @Option(help: help("kl-cov-coef")) var klCovCoef: String?
    @Option(help: help("lr")) var lr: String?
    @Option(help: help("adam-beta1")) var adamBeta1: String?
    @Option(help: help("adam-beta2")) var adamBeta2: String?
    @Option(help: help("weight-decay")) var weightDecay: String?
    @Option(help: help("grad-clip")) var gradClip: String?
    @Option(help: help("sft-lr")) var sftLr: String?
    @Option(help: help("sft-batch")) var sftBatch: String?
    @Option(help: help("init-checkpoint")) var initCheckpoint: String?
    @Option(help: help("relax-variant")) var relaxVariant: String?
    @Option(help: help("relax-alpha")) var relaxAlpha: String?
    @Option(help: help("relax-beta")) var relaxBeta: String?
    @Option(help: help("relax-shaping")) var relaxShaping: String?
    @Option(help: help("relax-kl")) var relaxKl: String?
    @Option(help: help("relax-xi")) var relaxXi: String?
    @Option(help: help("koopman-dim")) var koopmanDim: String?
    @Option(help: help("refit-every")) var refitEvery: String?
    @Option(help: help("dictionary")) var dictionary: String?
    @Option(help: help("fit-steps")) var fitSteps: String?
    @Option(help: help("dsd-variance")) var dsdVariance: String?
    @Option(help: help("dsd-input")) var dsdInput: String?
    @Option(help: help("dsd-window")) var dsdWindow: String?
    @Option(help: help("random-dictionary")) var randomDictionary: String?
    @Option(help: help("model-dim")) var modelDim: String?
    @Option(help: help("layers")) var layers: String?
    @Option(help: help("heads")) var heads: String?
    @Option(help: help("mlp-dim")) var mlpDim: String?
    @Option(help: help("context")) var context: String?
    @Option(help: help("eval-every")) var evalEvery: String?
    @Option(help: help("eval-prompts")) var evalPrompts: String?
    @Option(help: help("eval-samples")) var evalSamples: String?
    @Option(help: help("dump-every")) var dumpEvery: String?
    @Option(help: help("checkpoint-every")) var checkpointEvery: String?

    static func help(_ key: String) -> ArgumentHelp {
        ArgumentHelp(TrainingConfiguration.keys.first { $0.name == key }?.help ?? "")
    }

    /// The settings given as flags, as (key, value).
    var flags: [(key: String, value: String)] {
        [
            ("recipe", recipe),
            ("task", task),
            ("task-size", taskSize),
            ("task-largest", taskLargest),
            ("method", method),
            ("steps", steps),
            ("sft-steps", sftSteps),
            ("seed", seed),
            ("device", device),
            ("prompts-per-step", promptsPerStep),
            ("group-size", groupSize),
            ("mini-batches", miniBatches),
            ("temperature", temperature),
            ("top-p", topP),
            ("max-response-length", maxResponseLength),
            ("format-reward", formatReward),
            ("dynamic-sampling", dynamicSampling),
            ("max-sampling-rounds", maxSamplingRounds),
            ("epsilon-low", epsilonLow),
            ("epsilon-high", epsilonHigh),
            ("dual-clip", dualClip),
            ("loss-agg-mode", lossAggMode),
            ("kl-estimator", klEstimator),
            ("kl-coef", klCoef),
            ("norm-adv-by-std", normAdvByStd),
            ("entropy-coeff", entropyCoeff),
            ("cov-ratio", covRatio),
            ("clip-cov-lb", clipCovLb),
            ("clip-cov-ub", clipCovUb),
            ("kl-cov-coef", klCovCoef),
            ("lr", lr),
            ("adam-beta1", adamBeta1),
            ("adam-beta2", adamBeta2),
            ("weight-decay", weightDecay),
            ("grad-clip", gradClip),
            ("sft-lr", sftLr),
            ("sft-batch", sftBatch),
            ("init-checkpoint", initCheckpoint),
            ("relax-variant", relaxVariant),
            ("relax-alpha", relaxAlpha),
            ("relax-beta", relaxBeta),
            ("relax-shaping", relaxShaping),
            ("relax-kl", relaxKl),
            ("relax-xi", relaxXi),
            ("koopman-dim", koopmanDim),
            ("refit-every", refitEvery),
            ("dictionary", dictionary),
            ("fit-steps", fitSteps),
            ("dsd-variance", dsdVariance),
            ("dsd-input", dsdInput),
            ("dsd-window", dsdWindow),
            ("random-dictionary", randomDictionary),
            ("model-dim", modelDim),
            ("layers", layers),
            ("heads", heads),
            ("mlp-dim", mlpDim),
            ("context", context),
            ("eval-every", evalEvery),
            ("eval-prompts", evalPrompts),
            ("eval-samples", evalSamples),
            ("dump-every", dumpEvery),
            ("checkpoint-every", checkpointEvery),
        ].compactMap { pair in pair.1.map { (pair.0, $0) } }
    }

    func run() throws {
        let resumable = TrainingConfiguration.resumableKeys
        var settings = TrainingConfiguration()
        if resume {
            let saved = runDir + "/config.toml"
            guard FileManager.default.fileExists(atPath: saved) else {
                throw TrainingError.runDirectory(path: runDir, detail: "holds no run to resume (no config.toml)")
            }
            if config != nil { throw ValidationError("--resume reads \(saved); --config cannot be given with it") }
            for entry in try TOMLFile.parse(contentsOf: saved) {
                try settings.set(entry.key, to: entry.value, source: "\(saved):\(entry.line)")
            }
            for (key, value) in flags {
                guard resumable.contains(key) else {
                    throw ValidationError("--\(key) cannot change when resuming (only \(resumable.sorted().map { "--" + $0 }.joined(separator: ", ")))")
                }
                try settings.set(key, to: value, source: "--\(key)")
            }
        } else {
            if let config {
                for entry in TrainingConfiguration.applyingOrder(try TOMLFile.parse(contentsOf: config), key: \.key) {
                    try settings.set(entry.key, to: entry.value, source: "\(config):\(entry.line)")
                }
            }
            for (key, value) in flags { try settings.set(key, to: value, source: "--\(key)") }
        }
        try settings.validate()
        let (backend, notice) = try DeviceSelection.backend(for: settings.device)
        if let notice { FileHandle.standardError.write(Data((notice + "\n").utf8)) }
        let trainer = try Trainer(configuration: settings, runDirectory: runDir, resume: resume, backend: backend)
        if resume { try AtomicFile.write(Data(settings.toml.utf8), to: runDir + "/config.toml") }
        print("# koopscope train — resolved configuration (saved as \(runDir)/config.toml)")
        print(settings.toml, terminator: "")
        print("# policy: \(trainer.policy.parameterCount) parameters; device: \(trainer.policy.backend.name)"
              + (resume ? "; resuming after step \(trainer.step)" : ""))
        try trainer.run { report in
            guard !quiet else { return }
            for note in report.notes { FileHandle.standardError.write(Data("\(note)\n".utf8)) }
            if report.step > 0 || report.metrics["eval/mean@1"] != nil, report.notes.allSatisfy({ !$0.hasPrefix("warm-up") }) {
                FileHandle.standardError.write(Data("\(report.summary)\n".utf8))
            }
        }
        print("# finished \(trainer.step) steps; metrics in \(runDir)/metrics.jsonl")
    }
}
