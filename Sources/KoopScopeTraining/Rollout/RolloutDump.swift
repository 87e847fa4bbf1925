import Foundation
import KoopScope

/// `koopscope rollout` as a library call: prompts through a template and the tokenizer, responses
/// sampled by a ``RolloutRunner``, scored by a ``Verifier``, written as a dump (response-aligned
/// last-layer states, lengths, group ids, rewards, prompt and response text and token ids), and the
/// states of further layers as `/layers/<k>/hidden_states`.
///
/// ```swift
/// let summary = try RolloutDump.write(records: records, checkpoint: "Qwen2.5-0.5B", verifier: .gsm8k,
///                                     settings: .init(samples: 4, maxNewTokens: 256), to: "dump.h5")
/// print(summary.trajectories, summary.meanReward ?? .nan)
/// ```
public enum RolloutDump {
    /// What a run produced.
    public struct Summary: Sendable {
        public var trajectories: Int
        public var generatedTokens: Int
        public var meanReward: Double?
        public var seconds: Double
    }

    /// Samples and writes the dump at `path` (atomically: a failed run leaves nothing there).
    /// `template` nil uses the checkpoint's chat template when it is a recognised form, else the
    /// prompt as it is. `layers` are the further layers to write, by the model's index in
    /// `transformers`' `hidden_states` (0 the embeddings; negative from the end, −1 the last).
    public static func write(records: [PromptRecord], promptsFile: String = "prompts", checkpoint: String,
                             template: PromptTemplate? = nil,
                             verifier: Verifier? = nil, settings given: RolloutRunner.Settings, layers: [Int] = [],
                             elementType: StateElementType = .float32, to path: String,
                             progress: (RolloutRunner.Progress) -> Void = { _ in }) throws -> Summary {
        try verifier?.check(records, file: promptsFile)
        let folder = try CheckpointFolder(path: checkpoint)
        guard let tokenizerPath = folder.tokenizerPath else {
            throw ModelFileError.unreadable(file: checkpoint, detail: "no tokenizer.json in the checkpoint folder")
        }
        let tokenizer = try ByteLevelBPETokenizer(contentsOf: tokenizerPath)
        let chat = template == nil ? try PromptTemplate.chat(inCheckpoint: checkpoint) : nil
        let form = template ?? chat ?? .plain
        // A chat template frames the text itself, as transformers' apply_chat_template does.
        let prompts = records.map { tokenizer.encode(form.apply($0.prompt), addingSpecialTokens: chat == nil) }
        let decoder = try Decoder(folder)
        let runner = RolloutRunner(decoder: decoder, stopTokens: Set(folder.eosTokenIDs))
        let depth = decoder.configuration.num_hidden_layers
        let indices = try layers.map { k in
            guard (-(depth + 1)...depth).contains(k) else {
                throw TrainingError.invalidSetting(source: "--layers", key: "layers",
                                                   detail: DecoderError.noSuchLayer(k, layers: depth).description)
            }
            return k < 0 ? k + depth + 1 : k
        }
        var settings = given
        settings.layers = indices

        let count = records.count * settings.samples
        let writer = try DumpWriter(path: path, count: count, maxLength: settings.maxNewTokens,
                                    dimension: decoder.configuration.hidden_size,
                                    // Chunked, so that the rows past each response's end take no space.
                                    options: .init(elementType: elementType, chunkRows: 64, layers: layers))
        var promptIDs = [[Int]](repeating: [], count: count), responseIDs = promptIDs
        var responses = [String](repeating: "", count: count)
        var rewards = [Double](repeating: 0, count: count)
        var generated = 0
        let start = Date()
        try runner.run(prompts: prompts, settings: settings, progress: { state in
            generated = state.generatedTokens
            progress(state)
        }) { trajectory in
            try writer.write(trajectory.states, at: trajectory.index)
            for (name, index) in zip(layers, indices) {
                try writer.write(trajectory.layers[index]!, at: trajectory.index, layer: name)
            }
            promptIDs[trajectory.index] = trajectory.promptIDs
            responseIDs[trajectory.index] = trajectory.responseIDs
            let text = tokenizer.decode(trajectory.responseIDs)
            responses[trajectory.index] = text
            if let verifier { rewards[trajectory.index] = verifier.score(text, for: records[trajectory.prompt]) }
        }
        writer.promptIDs = promptIDs
        writer.responseIDs = responseIDs
        writer.responses = responses
        writer.prompts = (0..<count).map { records[$0 / settings.samples].prompt }
        writer.groupIDs = (0..<count).map { $0 / settings.samples }
        if verifier != nil { writer.rewards = rewards }
        var attributes: [(name: String, value: AttributeValue)] = [
            ("format_version", .integer(1)), ("model", .string(URL(fileURLWithPath: checkpoint).lastPathComponent)),
            ("architecture", .string(decoder.configuration.architecture.rawValue)), ("layer", .integer(-1)),
            ("samples", .integer(Int64(settings.samples))), ("temperature", .real(settings.sampler.temperature)),
            ("top_p", .real(settings.sampler.topP)), ("max_new_tokens", .integer(Int64(settings.maxNewTokens))),
            ("seed", .integer(Int64(bitPattern: settings.seed))), ("template", .string(form.name)),
            ("num_hidden_layers", .integer(Int64(depth))),
        ]
        if let verifier { attributes.append(("verifier", .string(verifier.rawValue))) }
        writer.attributes = attributes
        try writer.finish()
        return Summary(trajectories: count, generatedTokens: generated,
                       meanReward: verifier == nil ? nil : rewards.reduce(0, +) / Double(max(count, 1)),
                       seconds: Date().timeIntervalSince(start))
    }
}
