import Foundation

extension DecoderPolicy {
    /// Writes the policy's current weights as a checkpoint folder that `transformers` loads:
    /// `model.safetensors` in the dtype of the checkpoint the policy came from, with its
    /// configuration, tokenizer and generation files copied alongside. The folder must not exist;
    /// it appears whole or not at all.
    ///
    /// ```swift
    /// try policy.export(to: "runs/relax/model", source: CheckpointFolder(path: "Qwen2.5-0.5B"))
    /// ```
    public func export(to path: String, source: CheckpointFolder) throws {
        guard source.configuration == configuration else {
            throw ModelFileError.invalid(file: source.path, entry: "config.json", detail: "is not the configuration of this policy")
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ModelFileError.invalid(file: path, entry: "output", detail: "exists already; export writes a new folder")
        }
        let dtype = try source.files["model.embed_tokens.weight"].map { try $0.entry("model.embed_tokens.weight").dtype } ?? .f32
        let temporary = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
            let shapes = Dictionary(uniqueKeysWithValues: DecoderWeights.expectedTensors(configuration))
            let tensors = parameters.map { p in
                (name: p.name, shape: shapes[p.name]!, values: S.floats(backend.download(p.value)))
            }
            try SafetensorsWriter.write(tensors, dtype: [.f16, .bf16].contains(dtype) ? dtype : .f32,
                                        to: temporary + "/model.safetensors")
            for name in ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                         "special_tokens_map.json", "chat_template.jinja"] {
                let from = URL(fileURLWithPath: source.path).appendingPathComponent(name).path
                if FileManager.default.fileExists(atPath: from) {
                    try FileManager.default.copyItem(atPath: from, toPath: temporary + "/" + name)
                }
            }
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if let error = error as? ModelFileError { throw error }
            throw ModelFileError.unreadable(file: path, detail: "could not be written: \(error.localizedDescription)")
        }
    }
}
