/// The settings of an analysis as `koopscope analyze` takes them — flags on the command line,
/// keys of the C interface's options JSON, keyword arguments in Python — declared once in
/// ``keys``, with the paper's defaults.
///
/// ```swift
/// var c = AnalysisConfiguration()
/// try c.set("koopman_dim", to: .text("64"), naming: .flag)
/// try c.validate(naming: .flag)
/// let analyzer = try c.analyzer(dimension: 896)
/// ```
public struct AnalysisConfiguration: SettingsTable, Equatable {
    /// A dictionary file (`/weight` m×d, optional `/bias`) instead of the default one.
    public var dictionary: String? = nil
    /// Exact DMD of the raw states (the identity dictionary) instead of EDMD.
    public var identity = false
    /// Exact DMD's rank rule.
    public var rank = RankSelection.optimal
    /// m of the default dictionary.
    public var koopmanDimension = 50
    /// Seed of the default dictionary.
    public var seed = 42
    /// Ridge δ in K = (G + δI)⁻¹A.
    public var ridge = 1e-3
    /// K = Ψ_X⁺ Ψ_Y by the pseudo-inverse instead of ridge.
    public var pseudoInverse = false
    /// Relative singular-value cut-off of the pseudo-inverse.
    public var rcond = 1e-12
    /// Eigenvalues with a residual at most this count toward the filtered DSD.
    public var residualThreshold = 0.5
    /// Population variance (divide by n) in every DSD instead of the sample variance (n − 1).
    public var populationVariance = false
    /// Trajectories read, lifted and analysed together, at most.
    public var batchSize = 64
    /// Also the effective rank of each trajectory's states.
    public var effectiveRank = false
    /// Analyse only this part of a dump's trajectories.
    public var shard: AnalysisShard? = nil
    /// The layer of a dump with several (nil: `/hidden_states`, the last layer's).
    public var layer: Int? = nil

    public var given: Set<String> = []

    public init() {}

    public static let keys: [SettingKey<Self>] = [
        .text("dictionary", \.dictionary, "an HDF5 file", "dictionary file (/weight m×d, optional /bias) instead of the default one"),
        .boolean("identity", \.identity, "analyse the raw states by exact DMD (identity dictionary)"),
        .parsed("rank", \.rank, "a positive integer, a fraction in (0,1), or optimal", render: { $0.argument },
                RankSelection.init(argument:), "exact-DMD rank rule"),
        .integer("koopman_dim", \.koopmanDimension, within: Limits.koopmanDimension, "features m of the default dictionary"),
        .integer("seed", \.seed, within: 0...Int.max, "seed of the default dictionary"),
        .number("ridge", \.ridge, "a finite δ ≥ 0", { $0 >= 0 }, "ridge δ in K = (G + δI)⁻¹A"),
        .boolean("pinv", \.pseudoInverse, "estimate K = Ψ_X⁺ Ψ_Y by the pseudo-inverse instead of ridge"),
        .number("rcond", \.rcond, "in (0, 1)", { $0 > 0 && $0 < 1 }, "relative singular-value cut-off of pinv"),
        .number("residual_threshold", \.residualThreshold, "≥ 0", { $0 >= 0 },
                "an eigenvalue with a residual at most this counts in dsd_filtered"),
        .boolean("population_variance", \.populationVariance, "population variance (divide by n) instead of sample (n − 1)"),
        .boolean("effective_rank", \.effectiveRank,
                 "also the effective rank of each trajectory's states (an SVD of its T×d states each)"),
        .integer("batch_size", \.batchSize, within: 1...(1 << 20), "trajectories read and analysed together, at most"),
        .parsed("shard", \.shard, "K/N with 1 ≤ K ≤ N ≤ \(Limits.shardCount.upperBound)", render: { $0?.description ?? "" },
                { AnalysisShard(argument: $0).map(Optional.some) }, "analyse only part K of N of a dump's trajectories (files only)"),
        .parsed("layer", \.layer, "an integer layer index (negative from the end)", render: { $0.map(String.init) ?? "" },
                { Int($0).map(Optional.some) }, "analyse this layer's states (/layers/<k>/hidden_states; files only)"),
    ]

    public func validate(naming: SettingNaming) throws {
        func name(_ key: String) -> String { naming.callName(key) }
        func conflict(_ detail: String) -> SettingError { .conflict(detail: detail) }
        let shapesDefault = ["koopman_dim", "seed"].filter(isGiven)
        if identity {
            if isGiven("dictionary") { throw conflict("\(name("identity")) and \(name("dictionary")) exclude each other") }
            if let key = shapesDefault.first {
                throw conflict("\(name(key)) shapes the default dictionary; \(name("identity")) has none")
            }
            if let key = ["ridge", "pinv", "rcond"].first(where: isGiven) {
                throw conflict("\(name(key)) chooses the EDMD estimator; \(name("identity")) runs exact DMD")
            }
        } else if isGiven("rank") {
            throw conflict("\(name("rank")) applies to exact DMD: add \(name("identity"))")
        }
        if isGiven("dictionary"), let key = shapesDefault.first {
            throw conflict("\(name(key)) shapes the default dictionary, not one read with \(name("dictionary"))")
        }
        if pseudoInverse && isGiven("ridge") { throw conflict("\(name("ridge")) and \(name("pinv")) exclude each other") }
        if isGiven("rcond") && !pseudoInverse { throw conflict("\(name("rcond")) applies to \(name("pinv"))") }
    }

    /// The paper's settings.
    public static let defaults = AnalysisConfiguration()

    /// How K is estimated.
    public var estimator: KoopmanEstimator { pseudoInverse ? .pseudoInverse(rcond: rcond) : .ridge(delta: ridge) }

    /// The variance every DSD takes.
    public var variance: VarianceKind { populationVariance ? .population : .sample }

    /// The estimator and thresholds as the analyzer takes them (the lifter and pseudospectrum
    /// are the caller's to add).
    public var settings: AnalysisSettings {
        var s = AnalysisSettings(estimator: estimator, residualThreshold: residualThreshold, variance: variance)
        s.maxTrajectoriesPerBatch = batchSize
        s.effectiveRank = effectiveRank
        s.shard = shard
        s.layer = layer
        return s
    }

    /// What the states are lifted with, for states of width `d` (which sizes the default
    /// dictionary); reads the dictionary file where one is named.
    public func lifting(dimension d: Int) throws -> AnalysisDictionary {
        if identity { return .identity(rank) }
        if let dictionary { return .sigmoid(try KoopmanDictionary(contentsOf: dictionary)) }
        return .sigmoid(try .boundedDefault(dimension: d, koopmanDimension: koopmanDimension, seed: seed))
    }

    /// The analyzer these settings describe, for states of width `d`.
    public func analyzer(dimension d: Int) throws -> Analyzer {
        Analyzer(dictionary: try lifting(dimension: d), settings: settings)
    }
}

extension KoopmanDictionary {
    /// The default (Kaiming-uniform) dictionary for states of width `d`, its size checked
    /// against ``Limits`` first. An empty dump has no width; its (unused) dictionary is sized for one.
    static func boundedDefault(dimension d: Int, koopmanDimension m: Int, seed: Int) throws -> KoopmanDictionary {
        let width = max(d, 1)
        try Limits.check(width, "the states' width d", within: Limits.stateDimension)
        _ = try Limits.product(m, width, "the default dictionary's m × d")
        return .kaimingUniform(dimension: width, koopmanDimension: m, seed: UInt64(seed))
    }
}
