/// Whose conventions a formula follows where the ReLaX paper and its authors' reference code
/// differ (docs/math.md): DSD and its gradient (§6–7), the dictionary's loss (§8), ReLaX's terms
/// (§10). One choice for all of them, so a run never mixes the two by accident.
///
/// ```swift
/// let g = try DSDGradient(states: x, weight: w, bias: nil, variant: .reference)
/// ```
public enum Convention: String, Sendable, CaseIterable, Codable {
    /// The paper's: DSD = Var |λ_j|; ResKoopNet's residual loss (lr 10⁻⁴); ReLaX as Eq. 11 reads.
    case paper
    /// The reference code's: DSD = Var √(s_j² + 10⁻³); the SVD-based loss through the solve (lr
    /// 10⁻³); ReLaX's padded advantage mean, mini-batch mean, detached set 𝓘 and masked KL mean.
    case reference

    /// The dictionary fitter's learning rate under this convention.
    public var defaultLearningRate: Double { self == .paper ? 1e-4 : 1e-3 }
}
