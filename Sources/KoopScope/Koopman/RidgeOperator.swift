/// The ridge Koopman matrix of one trajectory's snapshot pairs (MATH.md §3), in the two forms
/// DSD and its gradient use: the m×m K itself, and — with fewer pairs n than features m — the
/// n×n matrix that carries K's nonzero eigenvalues.
enum RidgeOperator {
    /// The regularised Gram matrix H = Ψ_XᵀΨ_X + δI and K = H⁻¹Ψ_XᵀΨ_Y.
    static func full(psiX: Matrix<Double>, psiY: Matrix<Double>, delta: Double) throws
        -> (h: Matrix<Double>, k: Matrix<Double>)
    {
        var h = psiX.multiplied(by: psiX, transposingSelf: true)
        for i in 0..<h.rows { h[i, i] += delta }
        return (h, try h.solving(psiX.multiplied(by: psiY, transposingSelf: true)))
    }

    /// Ĥ = Ψ_XΨ_Xᵀ + δI (n×n) and C = Ĥ⁻¹Ψ_YΨ_Xᵀ. Since K = Ψ_Xᵀ(Ψ_XΨ_Xᵀ + δI)⁻¹Ψ_Y, the nonzero
    /// eigenvalues of K are those of C; its other m − n eigenvalues are zero.
    static func lowRank(psiX: Matrix<Double>, psiY: Matrix<Double>, delta: Double) throws
        -> (h: Matrix<Double>, c: Matrix<Double>)
    {
        var h = psiX.multiplied(by: psiX, transposingOther: true)
        for i in 0..<h.rows { h[i, i] += delta }
        return (h, try h.solving(psiY.multiplied(by: psiX, transposingOther: true)))
    }

    /// Whether the n×n form gives the paper variant's spectrum (T − 1 < m).
    static func usesLowRank(pairs: Int, features: Int, variant: DSDGradient.Variant) -> Bool {
        variant == .paper && pairs < features
    }
}
