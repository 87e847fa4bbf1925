/// How K is estimated from the snapshot Gram matrices (docs/math.md §3).
public enum KoopmanEstimator: Sendable, Equatable, CustomStringConvertible {
    /// `K = (G + δI)⁻¹ A` — the paper's and the reference code's choice, δ = 10⁻³ by default.
    case ridge(delta: Double)
    /// `K = Ψ_X⁺ Ψ_Y`, singular values of Ψ_X below `rcond · σ_max` treated as zero.
    case pseudoInverse(rcond: Double)

    /// The paper's default: ridge with δ = 10⁻³.
    public static let paperDefault = AnalysisConfiguration.defaults.estimator

    public var description: String {
        switch self {
        case .ridge(let delta): "ridge (δ = \(delta))"
        case .pseudoInverse(let rcond): "pseudo-inverse (rcond = \(rcond))"
        }
    }
}

/// Why a Koopman estimate could not be formed.
public enum KoopmanError: Error, Equatable, CustomStringConvertible {
    /// Fewer than one snapshot pair.
    case tooShort(length: Int)
    /// A decomposition failed; the LAPACK routine and reason are given.
    case linearAlgebra(String)
    /// The lifted states or K hold NaN or infinity.
    case nonFinite
    /// Matrices whose shapes do not fit together (states of another d than the dictionary's,
    /// Ψ_X and Ψ_Y of different shapes, a K that is not m×m).
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .tooShort(let length): "length \(length) < 2: no snapshot pair"
        case .linearAlgebra(let detail): detail
        case .nonFinite: "non-finite values in the lifted states or in K"
        case .shapeMismatch(let detail): "shape mismatch: \(detail)"
        }
    }
}
