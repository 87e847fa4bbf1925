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

            Settings (--key value; default in brackets):

            """ + TrainingFlags.help)

    @Option(help: "Directory of the run: config.toml, metrics.jsonl, checkpoints/, dumps/, dictionary/.")
    var runDir: String

    @Option(help: "A TOML file of settings (flags override it).")
    var config: String?

    @Flag(help: "Continue the run in --run-dir from its newest checkpoint.")
    var resume = false

    @Flag(help: "Print no per-step lines.")
    var quiet = false

    @Argument(parsing: .allUnrecognized, help: "Training settings as --key value (listed above).")
    var settings: [String] = []

    func run() throws {
        let settings = try TrainingConfiguration.resolve(
            .init(flags: try TrainingFlags.parse(settings), file: config, resumeDirectory: resume ? runDir : nil))
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
            if report.step > 0 || report.metrics[Metric.evalMeanAt1] != nil, report.notes.allSatisfy({ !$0.hasPrefix("warm-up") }) {
                FileHandle.standardError.write(Data("\(report.summary)\n".utf8))
            }
        }
        print("# finished \(trainer.step) steps; metrics in \(runDir)/metrics.jsonl")
    }
}
