import ArgumentParser
import Foundation
import KoopScope
import KoopScopeTraining

/// `koopscope-bench decoder MODEL_DIR`: a Hugging Face decoder's forward and sampling speed and
/// peak memory, as `koopscope rollout` runs it.
struct DecoderCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decoder",
        abstract: "Forward tokens/s, sampling tokens/s (KV cache) and peak memory of a checkpoint's decoder.")

    @Argument(help: "The checkpoint folder.")
    var model: String

    @Option(help: "Tokens of the one sequence the forward pass reads.")
    var forwardTokens = 512

    @Option(help: "Sequences sampled together.")
    var batch = 32

    @Option(help: "Prompt tokens of each sampled sequence.")
    var promptTokens = 16

    @Option(help: "New tokens of each sampled sequence.")
    var newTokens = 64

    @Option(help: "Runs of each measurement; the fastest counts.")
    var repeats = 2

    func run() throws {
        let start = now()
        let decoder = try Decoder(checkpoint: model)
        let load = now() - start
        let c = decoder.configuration
        print("model: \(c.architecture.rawValue), \(c.num_hidden_layers) layers, d = \(c.hidden_size), "
              + "vocabulary \(c.vocab_size), \(c.parameterCount) parameters; loaded in \(String(format: "%.2f", load)) s")
        var rng = SeededGenerator(seed: 1)
        let tokens = (0..<forwardTokens).map { _ in Int.random(in: 0..<c.vocab_size, using: &rng) }
        let forward = try best(of: repeats) { _ = try decoder.forward(tokens) }
        print(String(format: "forward: %d tokens in %.3f s = %.0f tokens/s", forwardTokens, forward, Double(forwardTokens) / forward))

        let prompts = (0..<batch).map { _ in (0..<promptTokens).map { _ in Int.random(in: 0..<c.vocab_size, using: &rng) } }
        let runner = RolloutRunner(decoder: decoder, stopTokens: [])
        let settings = RolloutRunner.Settings(samples: 1, sampler: try TokenSampler(temperature: 1), maxNewTokens: newTokens,
                                              batch: batch, seed: 3)
        let sampling = try best(of: repeats) { try runner.run(prompts: prompts, settings: settings) { _ in } }
        let generated = batch * newTokens
        print(String(format: "sampling: batch %d, %d prompt + %d new tokens each: %.3f s = %.0f tokens/s",
                     batch, promptTokens, newTokens, sampling, Double(generated) / sampling))
        print("peak memory: \(mib(peakResidentBytes()))")
    }
}
