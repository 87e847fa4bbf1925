import RealModule

/// The pieces of backpropagation that DSD's gradient and the ResKoopNet losses share: the
/// lift σ(x Wᵀ + b), the ridge solve K = (Ψ_XᵀΨ_X + δI)⁻¹Ψ_XᵀΨ_Y, and the fold of the two
/// snapshot windows back onto the rows of one lifted trajectory (docs/math.md §7).
enum SnapshotBackward {
    /// σ(x Wᵀ + b), all in Float64.
    static func lift(_ x: Matrix<Double>, weight w: Matrix<Double>, bias b: [Double]?) -> Matrix<Double> {
        var g = x.multiplied(by: w, transposingOther: true)
        for i in 0..<g.rows { for j in 0..<w.rows { g[i, j] = 1 / (1 + .exp(-(g[i, j] + (b?[j] ?? 0)))) } }
        return g
    }

    /// ∂/∂Ψ_X and ∂/∂Ψ_Y of ⟨K̄, K⟩ through K = H⁻¹A, H = G + δI symmetric:
    /// Ā = H⁻¹K̄, Ḡ = −H⁻¹K̄Kᵀ, Ψ̄_X = Ψ_Y Āᵀ + Ψ_X(Ḡ + Ḡᵀ), Ψ̄_Y = Ψ_X Ā.
    static func throughRidge(h: Matrix<Double>, k: Matrix<Double>, kBar: Matrix<Double>, psiX: Matrix<Double>,
                             psiY: Matrix<Double>) throws -> (psiX: Matrix<Double>, psiY: Matrix<Double>) {
        let aBar = try h.solving(kBar)
        let gBar = -1 * aBar.multiplied(by: k, transposingOther: true)
        return (psiY.multiplied(by: aBar, transposingOther: true) + psiX.multiplied(by: gBar + gBar.transposed()),
                psiX.multiplied(by: aBar))
    }

    /// ∂/∂z (T×m, z the pre-activations) of the lifted trajectory `g` whose pairs are rows
    /// `firstPair ..< firstPair + T − 1` of the pooled Ψ_X and Ψ_Y; ∂/∂g itself when
    /// `throughSigmoid` is false (features lifted elsewhere).
    static func foldOntoRows(psiXBar: Matrix<Double>, psiYBar: Matrix<Double>, lifted g: Matrix<Double>,
                             firstPair: Int = 0, throughSigmoid: Bool = true) -> Matrix<Double> {
        let t = g.rows, m = g.columns
        var zBar = Matrix<Double>(rows: t, columns: m, repeating: 0)
        for i in 0..<t {
            for j in 0..<m {
                var v = 0.0
                if i < t - 1 { v += psiXBar[firstPair + i, j] }
                if i > 0 { v += psiYBar[firstPair + i - 1, j] }
                zBar[i, j] = throughSigmoid ? v * g[i, j] * (1 - g[i, j]) : v
            }
        }
        return zBar
    }
}
