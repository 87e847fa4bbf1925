import Foundation
import ArgumentParser
import KoopScope
import KoopScopeCUDA

/// The flags of an analysis, shared by `analyze` and `report` (which analyses dumps on the fly):
/// each is a setting of ``AnalysisConfiguration/keys``, which reads and checks them, so that the
/// command line, the C interface and Python apply one set of names, defaults, bounds and rules.
struct AnalysisOptions: ParsableArguments {
    @Option(help: SettingFlags<AnalysisConfiguration>.help("dictionary", valueName: "file"))
    var dictionary: String?

    @Option(help: SettingFlags<AnalysisConfiguration>.help("koopman_dim", valueName: "m"))
    var koopmanDim: String?

    @Option(help: SettingFlags<AnalysisConfiguration>.help("seed", valueName: "n"))
    var seed: String?

    @Flag(help: SettingFlags<AnalysisConfiguration>.help("identity"))
    var identity = false

    @Option(help: SettingFlags<AnalysisConfiguration>.help("rank", valueName: "r"))
    var rank: String?

    @Option(help: SettingFlags<AnalysisConfiguration>.help("ridge", valueName: "δ"))
    var ridge: String?

    @Flag(help: SettingFlags<AnalysisConfiguration>.help("pinv"))
    var pinv = false

    @Option(help: SettingFlags<AnalysisConfiguration>.help("rcond", valueName: "x"))
    var rcond: String?

    @Option(help: SettingFlags<AnalysisConfiguration>.help("residual_threshold", valueName: "x"))
    var residualThreshold: String?

    @Flag(help: SettingFlags<AnalysisConfiguration>.help("population_variance"))
    var populationVariance = false

    @Option(help: SettingFlags<AnalysisConfiguration>.help("batch_size", valueName: "n"))
    var batchSize: String?

    @Option(help: SettingFlags<AnalysisConfiguration>.help("layer", valueName: "k"))
    var layer: String?

    @Flag(help: SettingFlags<AnalysisConfiguration>.help("effective_rank"))
    var effectiveRank = false

    @Option(help: ArgumentHelp("Where the lift GEMM runs: " + DeviceChoice.help + "."))
    var device = "cpu"

    /// The settings the flags give, checked against the table; `shard` is `analyze`'s own flag.
    func configuration(shard: String? = nil) throws -> AnalysisConfiguration {
        let texts: [(String, String?)] = [
            ("dictionary", dictionary), ("koopman_dim", koopmanDim), ("seed", seed), ("rank", rank), ("ridge", ridge),
            ("rcond", rcond), ("residual_threshold", residualThreshold), ("batch_size", batchSize), ("shard", shard),
            ("layer", layer),
        ]
        let flags = [("identity", identity), ("pinv", pinv), ("population_variance", populationVariance),
                     ("effective_rank", effectiveRank)]
        let configuration: AnalysisConfiguration = try SettingFlags.configuration(texts: texts, flags: flags)
        guard DeviceChoice(rawValue: device) != nil else {
            throw SettingError.invalid(setting: "--device", detail: "'\(device)': " + DeviceChoice.problem(device))
        }
        if configuration.identity && device == "cuda" {
            throw SettingError.conflict(detail: "--device cuda lifts through a dictionary; --identity has none")
        }
        return configuration
    }

    /// The analyzer of `configuration` (these flags' ``configuration(shard:)``) for `dump`, whose
    /// d sizes the default dictionary, lifting where `--device` says.
    func analyzer(for dump: Dump, configuration: AnalysisConfiguration) throws -> Analyzer {
        var analyzer = try configuration.analyzer(dimension: dump.dimension)
        if !configuration.identity && device != "cpu" {
            do { analyzer.settings.lifter = try CUDALifter() } catch {
                if device == "cuda" { throw error }
                FileHandle.standardError.write(Data("notice: --device auto: lifting on the CPU (\(error))\n".utf8))
            }
        }
        try analyzer.check(dump)
        return analyzer
    }
}
