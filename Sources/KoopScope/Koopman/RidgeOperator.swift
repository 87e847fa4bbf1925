/// The ridge Koopman matrix K = (G + δI)⁻¹A of snapshot pairs (docs/math.md §3) — the one
/// implementation that analysis, DSD, its gradient and dictionary fitting all use — and, with
/// fewer pairs n than features m, the n×n matrix that carries K's nonzero eigenvalues.
enum RidgeOperator {
    /// H = G + δI from the Gram matrix G, and K = H⁻¹A. H is symmetric positive definite for
    /// δ > 0, so Cholesky is the cheap, stable solve; LU is the fallback when δ = 0 leaves it only
    /// semi-definite.
    static func solve(gram g: Matrix<Double>, cross a: Matrix<Double>, delta: Double) throws
        -> (h: Matrix<Double>, k: Matrix<Double>)
    {
        var h = g
        for i in 0..<h.rows { h[i, i] += delta }
        if let k = try? h.solvingPositiveDefinite(a) { return (h, k) }
        return (h, try h.solving(a))
    }

    /// H = Ψ_XᵀΨ_X + δI (one triangle by ?syrk, mirrored) and K = H⁻¹Ψ_XᵀΨ_Y.
    static func full(psiX: Matrix<Double>, psiY: Matrix<Double>, delta: Double) throws
        -> (h: Matrix<Double>, k: Matrix<Double>)
    {
        try solve(gram: psiX.gram(transposingSelf: true), cross: psiX.multiplied(by: psiY, transposingSelf: true), delta: delta)
    }

    /// Ĥ = Ψ_XΨ_Xᵀ + δI (n×n) and C = Ĥ⁻¹Ψ_YΨ_Xᵀ. Since K = Ψ_Xᵀ(Ψ_XΨ_Xᵀ + δI)⁻¹Ψ_Y, the nonzero
    /// eigenvalues of K are those of C; its other m − n eigenvalues are zero.
    static func lowRank(psiX: Matrix<Double>, psiY: Matrix<Double>, delta: Double) throws
        -> (h: Matrix<Double>, c: Matrix<Double>)
    {
        let (h, c) = try solve(gram: psiX.gram(transposingSelf: false), cross: psiY.multiplied(by: psiX, transposingOther: true),
                               delta: delta)
        return (h, c)
    }

    /// Whether the n×n form gives the paper variant's spectrum (T − 1 < m).
    static func usesLowRank(pairs: Int, features: Int, variant: DSDGradient.Variant) -> Bool {
        variant == .paper && pairs < features
    }
}
