// A layer-wise spectral study as a script: sample responses from a checkpoint, keep the states of
// every layer, and see how DSD, the spectral radius and the effective rank change with depth —
// then ask whether the last layer and the first block differ, pair by pair.
//
//   swift run layer-study-example CHECKPOINT_DIR OUT.h5
import Foundation
import KoopScope
import KoopScopeTraining

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 2 else {
    print("usage: layer-study-example CHECKPOINT_DIR OUT.h5")
    exit(2)
}
let (checkpoint, output) = (arguments[0], arguments[1])

do {
    // 1. Rollouts with every layer's states: /hidden_states is the last layer, /layers/<k> the rest.
    let depth = try CheckpointFolder(path: checkpoint).configuration.num_hidden_layers
    let records = ["12 + 30 =", "2 * 3 =", "7 - 5 =", "9 + 9 ="].map { PromptRecord(prompt: $0) }
    let sampler = try TokenSampler(temperature: 0.8)
    let summary = try RolloutDump.write(records: records, checkpoint: checkpoint,
                                        settings: .init(samples: 4, sampler: sampler, maxNewTokens: 40, batch: 16, seed: 1),
                                        layers: Array(0..<depth), to: output)
    print("wrote \(output): \(summary.trajectories) responses, \(depth + 1) layers")

    // 2. Every layer through the same dictionary (m = 8 for responses of 40 tokens).
    let dump = try Dump(path: output)
    var settings = AnalysisSettings()
    settings.effectiveRank = true
    let dictionary = KoopmanDictionary.kaimingUniform(dimension: dump.dimension, koopmanDimension: 8, seed: 7)
    let analyzer = Analyzer(dictionary: .sigmoid(dictionary), settings: settings)
    let profile = try LayerProfile(dump, analyzer: analyzer)
    print(try profile.text(.table), terminator: "")

    // 3. The embeddings against the last layer, trajectory by trajectory.
    let first = try analyzer.analyze(try dump.atLayer(0)), last = try analyzer.analyze(dump)
    let comparison = try SpectralComparison(first, path: "layer 0", last, path: "last layer")
    print(String(format: "layer 0 → last: mean W1 %.4f, dsd difference %.4g (95%% interval %.4g … %.4g, Wilcoxon p %.3g)",
                 comparison.distances.mean, comparison.dsd.meanDifference, comparison.dsd.confidenceInterval[0],
                 comparison.dsd.confidenceInterval[1], comparison.dsd.wilcoxon.p))
} catch {
    print("error: \(error)")
    exit(1)
}
