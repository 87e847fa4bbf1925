import Foundation
import ArgumentParser
import KoopScope
import KoopScopeCUDA

/// The choices of an analysis, shared by `analyze` and `report` (which analyses dumps on the fly).
struct AnalysisOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Dictionary file (/weight m×d, optional /bias).", valueName: "file"))
    var dictionary: String?

    @Option(help: "Features m of the default dictionary.")
    var koopmanDim: Int?

    @Option(help: "Seed of the default dictionary.")
    var seed: UInt64?

    @Flag(help: "Analyse the raw states by exact DMD (identity dictionary).")
    var identity = false

    @Option(help: ArgumentHelp("Exact-DMD rank: an integer, an energy fraction in (0,1), or optimal.",
                               valueName: "r"))
    var rank: String?

    @Option(help: "Ridge δ in K = (G + δI)⁻¹A.")
    var ridge: Double?

    @Flag(help: "Estimate K = Ψ_X⁺ Ψ_Y by the pseudo-inverse instead of ridge.")
    var pinv = false

    @Option(help: "Relative singular-value cut-off of --pinv.")
    var rcond: Double?

    @Option(help: "Residual at most this keeps an eigenvalue in dsd_filtered.")
    var residualThreshold: Double = 0.5

    @Flag(help: "Population variance (divide by n) instead of sample variance (n − 1).")
    var populationVariance = false

    @Option(help: "Trajectories read and analysed together, at most.")
    var batchSize = 64

    @Option(help: ArgumentHelp("Where the lift GEMM runs: " + DeviceChoice.help + "."))
    var device = "cpu"

    func validate() throws {
        if identity {
            if dictionary != nil { throw ValidationError("--identity and --dictionary exclude each other") }
            if koopmanDim != nil || seed != nil {
                throw ValidationError("--koopman-dim and --seed shape the default dictionary; --identity has none")
            }
            if ridge != nil || pinv || rcond != nil {
                throw ValidationError("--ridge, --pinv and --rcond choose the EDMD estimator; --identity runs exact DMD")
            }
        } else if rank != nil {
            throw ValidationError("--rank applies to exact DMD: add --identity")
        }
        if dictionary != nil && (koopmanDim != nil || seed != nil) {
            throw ValidationError("--koopman-dim and --seed shape the default dictionary, not one read with --dictionary")
        }
        if let rank, RankSelection(argument: rank) == nil {
            throw ValidationError("--rank '\(rank)' is none of: a positive integer, a fraction in (0,1), optimal")
        }
        if let koopmanDim, koopmanDim < 1 { throw ValidationError("--koopman-dim must be at least 1") }
        if let ridge, !(ridge >= 0 && ridge.isFinite) { throw ValidationError("--ridge must be a finite δ ≥ 0") }
        if pinv && ridge != nil { throw ValidationError("--ridge and --pinv exclude each other") }
        if rcond != nil && !pinv { throw ValidationError("--rcond applies to --pinv") }
        if let rcond, !(rcond > 0 && rcond < 1) { throw ValidationError("--rcond must lie in (0, 1)") }
        if !(residualThreshold >= 0) { throw ValidationError("--residual-threshold must be ≥ 0") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if DeviceChoice(rawValue: device) == nil { throw ValidationError("--device '\(device)': " + DeviceChoice.problem(device)) }
        if identity && device == "cuda" { throw ValidationError("--device cuda lifts through a dictionary; --identity has none") }
    }

    /// The analyzer these options describe, for `dump` (whose d sizes the default dictionary).
    func analyzer(for dump: Dump) throws -> Analyzer {
        let lifting: AnalysisDictionary
        if identity {
            lifting = .identity(rank.flatMap(RankSelection.init(argument:)) ?? .optimal)
        } else if let dictionary {
            lifting = .sigmoid(try KoopmanDictionary(contentsOf: dictionary))
        } else {
            lifting = .sigmoid(.kaimingUniform(dimension: max(dump.dimension, 1), koopmanDimension: koopmanDim ?? 50,
                                               seed: seed ?? 42))
        }
        var settings = AnalysisSettings(
            estimator: pinv ? .pseudoInverse(rcond: rcond ?? 1e-12) : .ridge(delta: ridge ?? 1e-3),
            residualThreshold: residualThreshold, variance: populationVariance ? .population : .sample)
        settings.maxTrajectoriesPerBatch = batchSize
        if !identity && device != "cpu" {
            do { settings.lifter = try CUDALifter() } catch {
                if device == "cuda" { throw error }
                FileHandle.standardError.write(Data("notice: --device auto: lifting on the CPU (\(error))\n".utf8))
            }
        }
        let analyzer = Analyzer(dictionary: lifting, settings: settings)
        try analyzer.check(dump)
        return analyzer
    }
}
