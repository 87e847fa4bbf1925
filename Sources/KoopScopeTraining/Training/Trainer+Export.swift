import Foundation

extension Trainer {
    /// Writes the policy of a run on a Hugging Face checkpoint (`model`) as a checkpoint folder
    /// that `transformers` loads: the run's checkpoint at `step` (nil: the newest) in the source
    /// checkpoint's dtype, with its configuration, tokenizer and generation files. Returns the step.
    ///
    /// ```swift
    /// let step = try Trainer.export(runDirectory: "runs/relax", to: "runs/relax/model")
    /// ```
    @discardableResult
    public static func export(runDirectory: String, step: Int? = nil, to output: String) throws -> Int {
        let configPath = runDirectory + "/config.toml"
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw TrainingError.runDirectory(path: runDirectory, detail: "holds no run (no config.toml)")
        }
        if FileManager.default.fileExists(atPath: output) {
            throw TrainingError.runDirectory(path: output, detail: "exists already; export writes a new folder")
        }
        let configuration = try TrainingConfiguration(contentsOf: configPath)
        guard !configuration.model.isEmpty else {
            throw TrainingError.runDirectory(path: runDirectory, detail: "trains koopscope's own transformer; export writes the "
                                             + "policy of a run on a Hugging Face checkpoint (--model)")
        }
        let steps = checkpointSteps(in: runDirectory)
        guard let chosen = step ?? steps.last else {
            throw TrainingError.runDirectory(path: runDirectory, detail: "holds no checkpoint yet")
        }
        guard steps.contains(chosen) else {
            throw TrainingError.invalidSetting(source: "--step", key: "step", detail: "\(runDirectory) has no checkpoint of step "
                                               + "\(chosen); it has \(steps.map(String.init).joined(separator: ", "))")
        }
        let path = runDirectory + String(format: "/checkpoints/step-%06d", chosen)
        let (_, tensors) = try readCheckpoint(at: path)
        let source = try CheckpointFolder(path: configuration.model)
        let backend = CPUBackend()
        let policy = try DecoderPolicy<Float>(source, backend: backend)
        for p in policy.parameters {
            guard let values = tensors[p.name], values.count == p.count else {
                throw TrainingError.checkpoint(path: path, detail: "holds no tensor \(p.name) of \(p.count) values: "
                                               + "\(configuration.model) is not the model this run trained")
            }
            backend.write(values, to: p.value)
        }
        try policy.export(to: output, source: source)
        return chosen
    }
}
