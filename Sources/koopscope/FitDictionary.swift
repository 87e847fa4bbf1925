import ArgumentParser
import Foundation
import KoopScope

/// `koopscope fit-dictionary DUMP -o DICT.h5`: ResKoopNet dictionary learning.
struct FitDictionary: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-dictionary",
        abstract: "Learn the Koopman dictionary W (and b) on a dump's trajectories (ResKoopNet).",
        discussion: """
            Minimises a ResKoopNet loss with Adam over minibatches of trajectories, \
            using the first --max-positions states of each. The output records how it was fitted, \
            the loss curve, and the effective rank of G and the share of saturated features \
            before and after (the loss rewards a collapsed dictionary; a warning says when it \
            happens). --variant reference uses the reference code's SVD-based loss. Read it with `koopscope analyze --dictionary`. See docs/fit-dictionary.md.
            """)

    @Argument(help: "The HDF5 dump to fit on.")
    var dump: String

    @Option(name: [.short, .long], help: ArgumentHelp("The dictionary file to write.", valueName: "file"))
    var output: String

    @Option(help: SettingFlags<DictionaryFitConfiguration>.help("variant", valueName: "name"))
    var variant: String?

    @Option(help: SettingFlags<DictionaryFitConfiguration>.help("koopman_dim", valueName: "m"))
    var koopmanDim: String?

    @Flag(help: SettingFlags<DictionaryFitConfiguration>.help("bias"))
    var bias = false

    @Option(help: SettingFlags<DictionaryFitConfiguration>.help("batch", valueName: "n"))
    var batch: String?

    @Option(help: SettingFlags<DictionaryFitConfiguration>.help("epochs", valueName: "n"))
    var epochs: String?

    @Option(help: SettingFlags<DictionaryFitConfiguration>.help("steps", valueName: "n"))
    var steps: String?

    @Option(help: SettingFlags<DictionaryFitConfiguration>.help("lr", valueName: "x"))
    var lr: String?

    @Option(help: SettingFlags<DictionaryFitConfiguration>.help("max_positions", valueName: "n"))
    var maxPositions: String?

    @Option(help: SettingFlags<DictionaryFitConfiguration>.help("seed", valueName: "n"))
    var seed: String?

    @Option(name: .customLong("init"), help: SettingFlags<DictionaryFitConfiguration>.help("init", valueName: "file"))
    var initial: String?

    @Option(help: SettingFlags<DictionaryFitConfiguration>.help("holdout", valueName: "x"))
    var holdout: String?

    @Option(help: SettingFlags<DictionaryFitConfiguration>.help("condition_penalty", valueName: "λ"))
    var conditionPenalty: String?

    /// The settings the flags give, checked against ``DictionaryFitConfiguration/keys``.
    func configuration() throws -> DictionaryFitConfiguration {
        let texts: [(String, String?)] = [
            ("variant", variant), ("koopman_dim", koopmanDim), ("batch", batch), ("epochs", epochs), ("steps", steps),
            ("lr", lr), ("max_positions", maxPositions), ("seed", seed), ("init", initial), ("holdout", holdout),
            ("condition_penalty", conditionPenalty),
        ]
        return try SettingFlags.configuration(texts: texts, flags: [("bias", bias)])
    }

    func run() throws {
        let settings = try configuration()
        let opened = try Dump(path: dump)
        let start = try settings.start(dimension: opened.dimension)
        let options = settings.options
        let terminal = isatty(STDERR_FILENO) != 0
        var lastLine = 0.0
        let result = try DictionaryFitter(options: options).fit(opened, initial: start) { step, total, loss in
            if terminal {
                let width = 30, filled = width * step / total
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                FileHandle.standardError.write(Data("\r\(bar) step \(step)/\(total)  loss \(String(format: "%.4g", loss))".utf8))
            } else if step == total || Date().timeIntervalSince1970 - lastLine > 5 {
                lastLine = Date().timeIntervalSince1970
                FileHandle.standardError.write(Data("step \(step)/\(total) loss \(String(format: "%.6g", loss))\n".utf8))
            }
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        try result.dictionary.write(to: output, attributes: result.attributes)
        print("wrote \(output): m = \(result.dictionary.koopmanDimension), d = \(result.dictionary.dimension), "
              + "\(result.losses.count) steps, loss \(fmt(result.losses.first)) → \(fmt(result.losses.last))")
        if let v = result.validationLosses.last { print("validation loss \(fmt(v))") }
        print("effective rank of G \(fmt(result.effectiveRankBefore)) → \(fmt(result.effectiveRankAfter)); "
              + "saturated features \(fmt(100 * result.saturatedBefore))% → \(fmt(100 * result.saturatedAfter))%")
        print("residual loss \(fmt(result.residualBefore)) → \(fmt(result.residualAfter)); "
              + "log cond(G + δI) \(fmt(result.logConditionBefore)) → \(fmt(result.logConditionAfter))")
        if result.skipped > 0 { print("skipped \(result.skipped) trajectories (shorter than 2 or non-finite)") }
        for warning in result.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
    }

    private func fmt(_ x: Double?) -> String { x.map { String(format: "%.4g", $0) } ?? "–" }
}
