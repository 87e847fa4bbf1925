import ArgumentParser
import Foundation
import KoopScope
import KoopScopeTraining

/// `koopscope rollout MODEL_DIR --prompts FILE -o DUMP`: sample responses from a checkpoint and
/// write the dump `analyze` reads.
struct RolloutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Sample responses from a Hugging Face checkpoint and write a hidden-state dump.",
        discussion: """
            MODEL_DIR is a Llama, Qwen2, Qwen3 or Mistral checkpoint folder (config.json, \
            model.safetensors or its shards, tokenizer.json). --prompts is a JSON Lines file of \
            records {"prompt": …, "answer": …}; other fields are kept for the verifier (a countdown \
            record's "numbers" or "nums", "target"). Each prompt goes through --template, else the \
            checkpoint's chat template when it is plain ChatML (Qwen) or Llama 3, else as it is. \
            --samples responses are drawn per prompt (temperature 0 is greedy) and stop at the \
            checkpoint's end-of-sequence tokens or --max-new-tokens. The dump holds, for each \
            response, the last-layer states that predict its tokens (positions P−1 … P+L−2), its \
            length, its prompt's group id, the prompt and response text and token ids, and with \
            --verifier the reward. --layers adds the same positions' states at other layers, \
            as /layers/<k>/hidden_states, k the index into transformers' hidden_states (0 the \
            embeddings, negative from the end; /hidden_states stays the last layer's). The \
            computation runs in Float32 on the CPU.
            """)

    @Argument(help: "The checkpoint folder.")
    var model: String

    @Option(help: "JSON Lines file of prompt records.")
    var prompts: String

    @Option(name: [.short, .customLong("output")], help: "The dump to write (HDF5).")
    var output: String

    @Option(help: "Responses per prompt (the GRPO group size).")
    var samples = 16

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature = 1.0

    @Option(help: "Nucleus sampling: the smallest set of tokens whose probability reaches this.")
    var topP = 1.0

    @Option(help: "Longest response, in tokens.")
    var maxNewTokens = 3072

    @Option(help: "Sequences sampled together.")
    var batch = 32

    @Option(help: "Seed of the draws; each response's depends on it, its prompt and its number only.")
    var seed: UInt64 = 0

    @Option(help: "Scores the responses against each record's answer: gsm8k, countdown or exact.")
    var verifier: Verifier?

    @Option(help: "The prompt form, with {prompt} once (\"{prompt}\" for the prompt as it is).")
    var template: String?

    @Option(help: "Further layers to write, comma-separated (e.g. -1,12,0): indices into hidden_states, negative from the end.")
    var layers: String?

    @Option(help: "How the states are stored: float16, bfloat16 or float32.")
    var dtype: StateElementType = .float32

    @Flag(help: "Print no progress.")
    var quiet = false

    func run() throws {
        let layerList = try layers.map(Self.layerList) ?? []
        let records = try PromptRecord.read(jsonl: prompts)
        let sampler = try TokenSampler(temperature: temperature, topP: topP)
        let settings = RolloutRunner.Settings(samples: samples, sampler: sampler, maxNewTokens: maxNewTokens,
                                              batch: batch, seed: seed)
        if verifier == nil, records.contains(where: { $0.answer != nil }), !quiet {
            FileHandle.standardError.write(Data("note: the records carry answers; give --verifier to score the responses\n".utf8))
        }
        let progressLine = ProgressLine(label: "rollout", unit: "responses", quiet: quiet)
        var lastTokens = 0
        let summary = try RolloutDump.write(
            records: records, promptsFile: prompts, checkpoint: model,
            template: try template.map { try PromptTemplate(text: $0) }, verifier: verifier, settings: settings,
            layers: layerList, elementType: dtype, to: output) { state in
                if state.generatedTokens - lastTokens >= 64 || state.finished == state.total {
                    lastTokens = state.generatedTokens
                    progressLine.update(state.finished, of: state.total,
                                        note: String(format: "%.1f tokens/s", Double(state.generatedTokens) / max(state.elapsed, 1e-9)))
                }
            }
        progressLine.finish()
        var line = "wrote \(output): \(summary.trajectories) responses, \(summary.generatedTokens) tokens in "
            + String(format: "%.1f s (%.1f tokens/s)", summary.seconds, Double(summary.generatedTokens) / max(summary.seconds, 1e-9))
        if let reward = summary.meanReward { line += String(format: ", mean reward %.3f", reward) }
        print(line)
    }
}

extension RolloutCommand {
    /// `--layers`' comma-separated integers, each once.
    static func layerList(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.map { Int($0) }
        guard !parts.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--layers: \"\(text)\" is not a comma-separated list of layer indices (e.g. -1,12,0)")
        }
        let list = values.map { $0! }
        guard Set(list).count == list.count else { throw ValidationError("--layers: \"\(text)\" names a layer twice") }
        return list
    }
}

extension Verifier: ExpressibleByArgument {}
extension StateElementType: ExpressibleByArgument {}
