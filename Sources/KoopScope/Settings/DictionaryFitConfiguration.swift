/// The settings of ResKoopNet dictionary learning as `koopscope fit-dictionary` takes them —
/// flags, the C interface's options JSON, Python's keyword arguments — declared once in
/// ``keys``, with the paper's defaults.
///
/// ```swift
/// let c = try DictionaryFitConfiguration(values: [("epochs", .text("3"))], naming: .flag)
/// let fitter = DictionaryFitter(options: c.options)
/// ```
public struct DictionaryFitConfiguration: SettingsTable, Equatable {
    /// The loss: the paper's (residuals, eigenpairs held fixed) or the reference code's (SVD-based).
    public var variant = ResKoopNetLoss.Variant.paper
    /// m of the default initialisation.
    public var koopmanDimension = 50
    /// Learn a bias b as well (the paper has none).
    public var bias = false
    /// Trajectories per minibatch.
    public var batch = 64
    /// Passes over the trajectories.
    public var epochs = 1
    /// Total optimiser steps, overriding `epochs`.
    public var steps: Int? = nil
    /// Adam's learning rate; nil: the variant's.
    public var learningRate: Double? = nil
    /// Only the first this many states of each trajectory.
    public var maxPositions = 512
    /// Seed of the initial dictionary and of the minibatch order.
    public var seed = 42
    /// Fraction of trajectories held out for a validation loss.
    public var holdout = 0.0
    /// A dictionary file to continue from instead of the default initialisation.
    public var initial: String? = nil
    /// λ of the conditioning penalty λ · log cond(G + δI) on the Gram matrix (0: the paper's loss alone).
    public var conditionPenalty = 0.0

    public var given: Set<String> = []

    public init() {}

    /// The paper's settings.
    public static let defaults = DictionaryFitConfiguration()

    public static let keys: [SettingKey<Self>] = [
        .parsed("variant", \.variant, "paper or reference", render: { $0.rawValue }, ResKoopNetLoss.Variant.init(rawValue:),
                "loss: paper (residuals, eigenpairs held fixed) or reference (SVD-based, through the SVD)"),
        .integer("koopman_dim", \.koopmanDimension, within: Limits.koopmanDimension, "features m"),
        .boolean("bias", \.bias, "learn a bias b as well (the paper has none)"),
        .integer("batch", \.batch, within: 1...(1 << 20), "trajectories per minibatch"),
        .integer("epochs", \.epochs, within: 1...(1 << 20), "passes over the trajectories"),
        .integer("steps", \.steps, within: 1...(1 << 30), "total optimiser steps (overrides epochs)"),
        .number("lr", \.learningRate, "> 0", { $0 > 0 },
                "Adam learning rate (default: the variant's, 1e-4 for paper, 1e-3 for reference)"),
        .integer("max_positions", \.maxPositions, within: 2...Limits.trajectoryLength.upperBound,
                 "use only the first this many states of each trajectory"),
        .integer("seed", \.seed, within: 0...Int.max, "seed of the initial dictionary and of the minibatch order"),
        .number("holdout", \.holdout, "in [0, 1)", { $0 >= 0 && $0 < 1 }, "fraction of trajectories held out for a validation loss"),
        .text("init", \.initial, "an HDF5 dictionary file", "continue from this dictionary instead of the default initialisation"),
        .number("condition_penalty", \.conditionPenalty, "a finite λ ≥ 0", { $0 >= 0 },
                "add λ · log cond(G + δI) of the Gram matrix to the loss, against a collapsing dictionary"),
    ]

    public func validate(naming: SettingNaming) throws {
        if isGiven("init") && isGiven("koopman_dim") {
            throw SettingError.conflict(detail: "\(naming.callName("koopman_dim")) sizes the default initialisation; "
                                        + "\(naming.callName("init")) brings its own m")
        }
    }

    /// The fitter's options.
    public var options: DictionaryFitter.Options {
        var o = DictionaryFitter.Options(variant: variant, batch: batch, epochs: epochs, steps: steps,
                                         learningRate: learningRate ?? variant.defaultLearningRate, maxPositions: maxPositions,
                                         seed: UInt64(seed), holdout: holdout, bias: bias)
        o.conditionPenalty = conditionPenalty
        return o
    }

    /// The dictionary the fit starts from, for states of width `d`: `initial`'s file, or the
    /// default initialisation.
    public func start(dimension d: Int) throws -> KoopmanDictionary {
        if let initial { return try KoopmanDictionary(contentsOf: initial) }
        return try .boundedDefault(dimension: d, koopmanDimension: koopmanDimension, seed: seed)
    }
}
