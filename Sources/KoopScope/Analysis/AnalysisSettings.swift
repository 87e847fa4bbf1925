/// What an analysis lifts the states with.
public enum AnalysisDictionary: Sendable {
    /// A sigmoid dictionary g(x) = σ(xWᵀ + b): EDMD.
    case sigmoid(KoopmanDictionary)
    /// The identity dictionary: exact DMD with the given rank rule.
    case identity(RankSelection)
}

/// The choices of an analysis; the defaults are the paper's.
public struct AnalysisSettings: Sendable {
    /// Lifts each batch elsewhere (a GPU) instead of per trajectory on the CPU; nil: the CPU.
    public var lifter: (any BatchLifter)? = nil
    /// How K is estimated (sigmoid dictionaries only; exact DMD uses its own pseudo-inverse).
    public var estimator: KoopmanEstimator = .paperDefault
    /// Eigenvalues with a residual at most this count toward the filtered DSD.
    public var residualThreshold: Double = 0.5
    /// Sample (n − 1) or population (n) variance in every DSD.
    public var variance: VarianceKind = .sample
    /// Trajectories read, lifted and analysed together.
    public var maxTrajectoriesPerBatch = 64
    /// State entries per batch, beyond the batch's first trajectory.
    public var maxElementsPerBatch = 1 << 21
    /// Analyse only this part of the dump's trajectories (nil: all of them).
    public var shard: AnalysisShard? = nil
    /// Compute the pseudospectrum on this grid for these trajectory indices (nil: none).
    public var pseudospectrum: (grid: Pseudospectrum.Grid, trajectories: Set<Int>?)?

    public init(estimator: KoopmanEstimator = .paperDefault, residualThreshold: Double = 0.5,
                variance: VarianceKind = .sample) {
        self.estimator = estimator
        self.residualThreshold = residualThreshold
        self.variance = variance
    }
}
