import ComplexModule
import RealModule

/// The spectrum and DSD of one trajectory, or why it was skipped.
public struct TrajectoryAnalysis: Sendable {
    /// Position in the dump.
    public var index: Int
    /// Number of time steps T.
    public var length: Int
    /// GRPO group (prompt), when the dump has `/group_ids`.
    public var group: Int?
    /// Verifier reward, when the dump has `/rewards`.
    public var reward: Double?
    /// Why the trajectory could not be analysed (nil when it was).
    public var skipped: String?
    /// Conditions that did not stop the analysis but qualify it (rank-deficient, constant).
    public var flags: [String] = []
    /// Paper DSD: Var |λ_j|.
    public var dsd: Double = .nan
    /// Reference DSD: Var √(s_j² + 10⁻³).
    public var dsdReference: Double = .nan
    /// Paper DSD over the eigenvalues with residual ≤ the threshold.
    public var dsdFiltered: Double = .nan
    /// How many eigenvalues the filtered DSD kept.
    public var kept: Int = 0
    /// Eigenvalues of K.
    public var eigenvalues: [Complex<Double>] = []
    /// ResDMD residual of each eigenvalue.
    public var residuals: [Double] = []
    /// Singular values of K.
    public var singularValues: [Double] = []
    /// The effective rank of the trajectory's T × d states (docs/math.md §12), when asked for.
    public var effectiveRank: Double?
    /// The DMD rank r (identity dictionary only).
    public var rank: Int?
    /// res(z) on the requested grid, when asked for this trajectory.
    public var pseudospectrum: Pseudospectrum?
    /// Why the pseudospectrum could not be computed, when it was asked for.
    public var pseudospectrumError: String?

    /// Whether the trajectory was analysed.
    public var isAnalyzed: Bool { skipped == nil }
    /// The largest |λ|.
    public var spectralRadius: Double { eigenvalues.map(\.length).max() ?? .nan }
}
