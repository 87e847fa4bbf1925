import Foundation
import KoopScope

extension ExperimentPlan {
    /// The configuration `run` trains with: its settings applied in order to the defaults.
    public func configuration(of run: Run) throws -> TrainingConfiguration {
        var c = TrainingConfiguration()
        for s in run.settings { try c.set(s.key, to: s.value, source: "--\(s.key)") }
        return c
    }

    /// The file, relative to the experiment's folder, whose presence says `run` has finished: the
    /// warm-up's checkpoint of the warmed-up policy, or an arm's checkpoint of its last step.
    public func finishedMarker(of run: Run) throws -> String {
        let step = run.arm == nil ? 0 : try configuration(of: run).steps
        return run.directory + String(format: "/checkpoints/step-%06d/state.json", step)
    }

    /// The runs of this plan that finished in another experiment's folder, `source`, with exactly
    /// the configuration they have here: ``copy(_:from:into:)`` brings them over, so that adding an
    /// arm or a seed to an experiment does not train again what is already trained.
    ///
    /// ```swift
    /// let plan = try ExperimentPlan(arms: ["relax", "relax:alpha=0.3"], seeds: [1], flags: [("task", "countdown-trace")])
    /// for run in try plan.reusableRuns(from: "exp-main") {
    ///     _ = try plan.copy(run, from: "exp-main", into: "exp-alpha")
    /// }
    /// ```
    ///
    /// - Throws: ``ExperimentError/invalidFlag(flag:detail:)`` for `--reuse` when `source` holds one
    ///   of them finished with other settings (naming them), or a config.toml it cannot read.
    public func reusableRuns(from source: String) throws -> [Run] {
        let fm = FileManager.default
        return try (seeds.map(warmUp(seed:)) + runs).filter { run in
            guard fm.fileExists(atPath: "\(source)/\(try finishedMarker(of: run))") else { return false }
            let saved = "\(source)/\(run.directory)/config.toml"
            let theirs: TrainingConfiguration
            do { theirs = try TrainingConfiguration(contentsOf: saved) } catch {
                throw ExperimentError.invalidFlag(flag: "--reuse", detail: "\(saved) cannot be read: \(error)")
            }
            let ours = try configuration(of: run)
            let differing = TrainingConfiguration.keys.compactMap { key -> String? in
                let (a, b) = (key.render(theirs.resolved).0, key.render(ours.resolved).0)
                return a == b ? nil : "\(key.name) \(a) there, \(b) here"
            }
            guard differing.isEmpty else {
                throw ExperimentError.invalidFlag(flag: "--reuse", detail: "\(source)/\(run.directory) was trained with other settings ("
                                                  + differing.joined(separator: "; ") + ")")
            }
            return true
        }
    }

    /// Copies a run that ``reusableRuns(from:)`` found into this experiment's folder, `out`
    /// (through a temporary folder, so a copy is whole or absent). An arm's run is copied only
    /// when its seed's warm-up here is the very one it started from there (the same checkpoint
    /// files), so copy the warm-ups first.
    ///
    /// - Returns: whether it was copied.
    public func copy(_ run: Run, from source: String, into out: String) throws -> Bool {
        let fm = FileManager.default
        if run.arm != nil {
            let start = "\(warmUp(seed: run.seed).directory)/\(Self.warmUpCheckpoint)"
            guard fm.fileExists(atPath: "\(out)/\(start)/state.json"),
                  fm.contentsEqual(atPath: "\(source)/\(start)", andPath: "\(out)/\(start)") else { return false }
        }
        let target = "\(out)/\(run.directory)"
        let parent = URL(fileURLWithPath: target).deletingLastPathComponent()
        let partial = parent.appendingPathComponent(".copying-" + UUID().uuidString).path
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            try? fm.removeItem(atPath: target)
            try fm.copyItem(atPath: "\(source)/\(run.directory)", toPath: partial)
            try fm.moveItem(atPath: partial, toPath: target)
        } catch {
            try? fm.removeItem(atPath: partial)
            throw ExperimentError.invalidFlag(flag: "--reuse", detail: "\(source)/\(run.directory) cannot be copied into \(out): "
                                              + error.localizedDescription)
        }
        return true
    }
}
