import Foundation
import KoopScope

extension Trainer {
    /// Fits the Koopman dictionary on these rollouts' states with ResKoopNet (the `fit-dictionary` fitter,
    /// the loss of the configured ReLaX variant) and freezes it; a `--dictionary` given is kept.
    /// The rollouts are written as a dump beside the fitted dictionary in `RUN_DIR/dictionary/`.
    func fitDictionary(rollouts: [Rollout], hidden: [Matrix<Float>], values: inout [String: Double],
                       notes: inout [String]) throws {
        let c = configuration, d = policy.hiddenDimension
        if !c.dictionary.isEmpty { return }   // a given dictionary is never refitted
        let folder = runDirectory + "/dictionary"
        try Self.createDirectory(folder)
        let dumpPath = folder + String(format: "/rollouts-step-%06d.h5", step + 1)
        // The reference code fits on the padded response tensor too (its first 512 positions).
        let states = paddedLength.map { length in hidden.map { TrajectoryDSD.padded($0, to: length) } } ?? hidden
        try writeDump(rollouts, hidden: states, to: dumpPath, step: step + 1)
        let dump = try Dump(path: dumpPath)
        let options = DictionaryFitter.Options(variant: c.relaxVariant, steps: c.fitSteps > 0 ? c.fitSteps : nil,
                                               learningRate: c.relaxVariant.defaultLearningRate, seed: c.seed)
        let initial = dictionary ?? KoopmanDictionary.kaimingUniform(dimension: d, koopmanDimension: c.koopmanDimension)
        let result = try DictionaryFitter(options: options).fit(dump, initial: initial)
        dictionary = result.dictionary
        try result.dictionary.write(to: folder + String(format: "/step-%06d.h5", step + 1), attributes: result.attributes)
        values[Metric.dictionaryLossFirst] = result.losses.first ?? .nan
        values[Metric.dictionaryLossLast] = result.losses.last ?? .nan
        values[Metric.dictionaryEffectiveRankBefore] = result.effectiveRankBefore
        values[Metric.dictionaryEffectiveRankAfter] = result.effectiveRankAfter
        values[Metric.dictionarySaturatedBefore] = result.saturatedBefore
        values[Metric.dictionarySaturatedAfter] = result.saturatedAfter
        notes += result.warnings
    }

    /// Writes rollouts' response-aligned states (`hidden`, or each rollout's own) as a dump at
    /// `path` that `koopscope analyze` reads, with rewards, groups, advantages, prompts, responses
    /// and the RL step they come from.
    func writeDump(_ rollouts: [Rollout], hidden: [Matrix<Float>]? = nil, to path: String, step dumpStep: Int) throws {
        let states = hidden ?? rollouts.map { $0.hidden ?? Matrix(rows: 0, columns: policy.hiddenDimension, repeating: 0) }
        let writer = try DumpWriter(path: path, count: rollouts.count, maxLength: max(1, states.map(\.rows).max() ?? 1),
                                    dimension: policy.hiddenDimension)
        writer.rewards = rollouts.map(\.score)
        writer.groupIDs = rollouts.map(\.group)
        writer.advantages = rollouts.map(\.advantage)
        writer.prompts = rollouts.map(\.instance.prompt)
        writer.responses = rollouts.map(\.text)
        writer.attributes = [("task", .string(configuration.dataset.isEmpty ? configuration.task : configuration.dataset)), ("method", .string(configuration.method.rawValue)),
                             ("step", .integer(Int64(dumpStep))), ("written_by", .string("koopscope train"))]
        for (i, x) in states.enumerated() { try writer.write(x, at: i) }
        try writer.finish()
    }
}
