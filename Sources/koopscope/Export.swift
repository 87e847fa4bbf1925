import ArgumentParser
import Foundation
import KoopScopeTraining

/// `koopscope export RUN_DIR [--step N] -o MODEL_DIR`: a trained checkpoint as a Hugging Face folder.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a run's trained policy as a Hugging Face checkpoint folder.",
        discussion: """
            RUN_DIR is a `koopscope train --model …` run. The policy of its checkpoint at --step \
            (default: the newest) is written to MODEL_DIR as model.safetensors in the dtype of the \
            checkpoint the run started from, with its config.json, generation_config.json and \
            tokenizer files, so that transformers' from_pretrained loads it. MODEL_DIR must not \
            exist; it appears whole or not at all.
            """)

    @Argument(help: "The run directory.")
    var runDir: String

    @Option(help: "The checkpoint's step (default: the newest).")
    var step: Int?

    @Option(name: [.short, .customLong("output")], help: "The checkpoint folder to write.")
    var output: String

    func run() throws {
        let written = try Trainer.export(runDirectory: runDir, step: step, to: output)
        print("wrote \(output): the policy of \(runDir) after step \(written)")
    }
}
