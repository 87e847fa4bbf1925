import RealModule
import ComplexModule

/// The divisor of a variance.
public enum VarianceKind: String, Sendable, Codable, CaseIterable {
    /// Divide by n − 1, as `torch.var` does (the default).
    case sample
    /// Divide by n.
    case population

    /// The variance of `values`: NaN when fewer than two (sample) or none (population).
    public func variance(_ values: [Double]) -> Double {
        let n = values.count
        guard n >= (self == .sample ? 2 : 1) else { return .nan }
        let mean = values.reduce(0, +) / Double(n)
        let sum = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return sum / Double(self == .sample ? n - 1 : n)
    }
}

/// Dynamic Spectral Dispersion: how spread out the spectrum of K is (docs/math.md §6).
///
/// ```swift
/// let dsd = DSD.paper(estimate.eigenvalues)                          // Var |λ_j|
/// let reference = DSD.reference(estimate.singularValues)             // Var √(s_j² + 10⁻³)
/// let (filtered, kept) = DSD.filtered(estimate.eigenvalues, residuals: estimate.residuals, threshold: 0.5)
/// ```
public enum DSD {
    /// The constant under the square root of the reference variant.
    public static let referenceEpsilon = 1e-3

    /// The paper's DSD (Eq. 6): the variance of the eigenvalue magnitudes |λ_j|.
    public static func paper(_ eigenvalues: [Complex<Double>], variance: VarianceKind = .sample) -> Double {
        variance.variance(eigenvalues.map(\.length))
    }

    /// The reference code's DSD: the variance of `r_j = √(s_j² + 10⁻³)` over the singular values of K.
    public static func reference(_ singularValues: [Double], variance: VarianceKind = .sample) -> Double {
        variance.variance(singularValues.map { ($0 * $0 + referenceEpsilon).squareRoot() })
    }

    /// The paper's DSD over the eigenvalues whose residual is at most `threshold`, and how
    /// many those are. NaN when too few remain for a variance.
    public static func filtered(_ eigenvalues: [Complex<Double>], residuals: [Double], threshold: Double,
                                variance: VarianceKind = .sample) -> (dsd: Double, kept: Int) {
        let kept = zip(eigenvalues, residuals).filter { $0.1 <= threshold }.map { $0.0.length }
        return (variance.variance(kept), kept.count)
    }

    /// The DSD of one trajectory of Float32 states (T×d) through `dictionary`, with the ridge K of
    /// docs/math.md §3 — the value ``DSDGradient`` differentiates, without eigenvectors or residuals.
    ///
    /// ```swift
    /// let d = try DSD.value(states: x, dictionary: dictionary, variant: .paper)
    /// ```
    public static func value(states: Matrix<Float>, dictionary: KoopmanDictionary, delta: Double = AnalysisConfiguration.defaults.ridge,
                             variant: DSDGradient.Variant = .paper, variance: VarianceKind = .sample) throws -> Double {
        guard states.rows >= 2 else { throw KoopmanError.tooShort(length: states.rows) }
        guard states.columns == dictionary.dimension else {
            throw KoopmanError.shapeMismatch("states have d = \(states.columns), the dictionary d = \(dictionary.dimension)")
        }
        let g = states.withUnsafeBufferPointer { dictionary.liftToDouble($0.baseAddress!, rows: states.rows) }
        let t = g.rows, m = g.columns
        let psiX = g.rows(0..<(t - 1)), psiY = g.rows(1..<t)
        do {
            if RidgeOperator.usesLowRank(pairs: t - 1, features: m, variant: variant) {
                let c = try RidgeOperator.lowRank(psiX: psiX, psiY: psiY, delta: delta).c
                let zeros = Array(repeating: Complex<Double>(0, 0), count: m - (t - 1))
                return paper(try c.eigenvalues() + zeros, variance: variance)
            }
            let k = try RidgeOperator.full(psiX: psiX, psiY: psiY, delta: delta).k
            switch variant {
            case .paper: return paper(try k.eigenvalues(), variance: variance)
            case .reference: return reference(try k.singularValues(), variance: variance)
            }
        } catch let error as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(error.description)
        }
    }
}
