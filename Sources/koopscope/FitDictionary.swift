import ArgumentParser
import Foundation
import KoopScope

extension ResKoopNetLoss.Variant: ExpressibleByArgument {}

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

    @Option(help: "Loss: paper (residuals, eigenpairs held fixed) or reference (SVD-based, through the SVD).")
    var variant: ResKoopNetLoss.Variant = .paper

    @Option(help: "Features m.")
    var koopmanDim = 50

    @Flag(help: "Learn a bias b as well (the paper has none).")
    var bias = false

    @Option(help: "Trajectories per minibatch.")
    var batch = 64

    @Option(help: "Passes over the trajectories.")
    var epochs = 1

    @Option(help: "Total optimiser steps (overrides --epochs).")
    var steps: Int?

    @Option(help: "Adam learning rate (default: the variant's, 1e-4 for paper, 1e-3 for reference).")
    var lr: Double?

    @Option(help: "Use only the first this many states of each trajectory.")
    var maxPositions = 512

    @Option(help: "Seed of the initial dictionary and of the minibatch order.")
    var seed: UInt64 = 42

    @Option(name: .customLong("init"),
            help: ArgumentHelp("Continue from this dictionary instead of the default initialisation.", valueName: "file"))
    var initial: String?

    @Option(help: "Fraction of trajectories held out for a validation loss.")
    var holdout = 0.0

    func validate() throws {
        if koopmanDim < 1 { throw ValidationError("--koopman-dim must be at least 1") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be positive") }
        if maxPositions < 2 { throw ValidationError("--max-positions must be at least 2") }
        if !(holdout >= 0 && holdout < 1) { throw ValidationError("--holdout must lie in [0, 1)") }
        if initial != nil && koopmanDim != 50 {
            throw ValidationError("--koopman-dim sizes the default initialisation; --init brings its own m")
        }
    }

    func run() throws {
        let opened = try Dump(path: dump)
        let start = try initial.map { try KoopmanDictionary(contentsOf: $0) }
            ?? .kaimingUniform(dimension: max(opened.dimension, 1), koopmanDimension: koopmanDim, seed: seed)
        let options = DictionaryFitter.Options(variant: variant, batch: batch, epochs: epochs, steps: steps,
                                               learningRate: lr ?? variant.defaultLearningRate,
                                               maxPositions: maxPositions, seed: seed, holdout: holdout, bias: bias)
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
        if result.skipped > 0 { print("skipped \(result.skipped) trajectories (shorter than 2 or non-finite)") }
        for warning in result.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
    }

    private func fmt(_ x: Double?) -> String { x.map { String(format: "%.4g", $0) } ?? "–" }
}
