/// What an analysis lifts the states with.
public enum AnalysisDictionary: Sendable {
    /// A sigmoid dictionary g(x) = σ(xWᵀ + b): EDMD.
    case sigmoid(KoopmanDictionary)
    /// The identity dictionary: exact DMD with the given rank rule.
    case identity(RankSelection)
}

/// The choices of an analysis as the ``Analyzer`` takes them; the defaults are
/// ``AnalysisConfiguration``'s (the paper's), which also reads them from flags and options.
public struct AnalysisSettings: Sendable {
    /// Lifts each batch elsewhere (a GPU) instead of per trajectory on the CPU; nil: the CPU.
    public var lifter: (any BatchLifter)? = nil
    /// How K is estimated (sigmoid dictionaries only; exact DMD uses its own pseudo-inverse).
    public var estimator: KoopmanEstimator
    /// Eigenvalues with a residual at most this count toward the filtered DSD.
    public var residualThreshold: Double
    /// Sample (n − 1) or population (n) variance in every DSD.
    public var variance: VarianceKind
    /// Trajectories read, lifted and analysed together.
    public var maxTrajectoriesPerBatch = AnalysisConfiguration.defaults.batchSize
    /// State entries per batch, beyond the batch's first trajectory.
    public var maxElementsPerBatch = AnalysisSettings.defaultElementsPerBatch

    /// State entries a batch holds by default (8 MiB of Float32), beyond its first trajectory.
    public static let defaultElementsPerBatch = 1 << 21
    /// Analyse only this part of the dump's trajectories (nil: all of them).
    public var shard: AnalysisShard? = nil
    /// The layer the dump is opened at (``Dump/init(path:layer:)``; nil: `/hidden_states`).
    public var layer: Int? = nil
    /// Also the effective rank of each trajectory's states (a singular value decomposition of
    /// its T × d states: often costlier than the rest of its analysis).
    public var effectiveRank = AnalysisConfiguration.defaults.effectiveRank
    /// Compute the pseudospectrum on this grid for these trajectory indices (nil: none).
    public var pseudospectrum: (grid: Pseudospectrum.Grid, trajectories: Set<Int>?)?

    public init(estimator: KoopmanEstimator = AnalysisConfiguration.defaults.estimator,
                residualThreshold: Double = AnalysisConfiguration.defaults.residualThreshold,
                variance: VarianceKind = AnalysisConfiguration.defaults.variance) {
        self.estimator = estimator
        self.residualThreshold = residualThreshold
        self.variance = variance
    }
}
