import ComplexModule
import RealModule

/// The gradient of a trajectory's DSD with respect to its hidden states, the dictionary's
/// weight and its bias, backpropagated through the eigen- or singular-value decomposition,
/// the ridge solve and the lifting (MATH.md §7). ReLaX's loss needs it; everything is Float64.
///
/// ```swift
/// let g = try DSDGradient(states: x, weight: w, bias: nil, variant: .paper)
/// g.dsd, g.states /* ∂DSD/∂x, T×d */, g.weight /* ∂DSD/∂W, m×d */
/// ```
public struct DSDGradient: Sendable {
    /// Which DSD is differentiated.
    public enum Variant: String, Sendable, CaseIterable {
        /// Var |λ_j| over the eigenvalues of K.
        case paper
        /// Var √(s_j² + 10⁻³) over the singular values of K.
        case reference
    }

    /// The DSD itself.
    public var dsd: Double
    /// ∂DSD/∂K (m×m).
    public var k: Matrix<Double>
    /// ∂DSD/∂x (T×d).
    public var states: Matrix<Double>
    /// ∂DSD/∂W (m×d).
    public var weight: Matrix<Double>
    /// ∂DSD/∂b (m entries).
    public var bias: [Double]
    /// Terms of ∂DSD/∂K left out: eigenvalues with |λ| < 10⁻¹² (no direction) or non-finite terms.
    public var skippedTerms: Int
    /// The 2-norm condition number of the eigenvector matrix (paper variant): large means a
    /// nearly defective spectrum and an ill-conditioned gradient.
    public var eigenvectorCondition: Double?

    /// Differentiates the DSD of one trajectory `states` (T×d) lifted by σ(x Wᵀ + b), with
    /// K = (G + δI)⁻¹A.
    public init(states x: Matrix<Double>, weight w: Matrix<Double>, bias b: [Double]?, delta: Double = 1e-3,
                variant: Variant = .paper, variance: VarianceKind = .sample) throws {
        let t = x.rows, m = w.rows
        guard t >= 2 else { throw KoopmanError.tooShort(length: t) }
        precondition(x.columns == w.columns, "states have d = \(x.columns), W has d = \(w.columns)")
        // Forward: g = σ(x Wᵀ + b), Ψ_X, Ψ_Y, G, A, H, K.
        var g = x.multiplied(by: w, transposingOther: true)
        for i in 0..<t { for j in 0..<m { g[i, j] = 1 / (1 + .exp(-(g[i, j] + (b?[j] ?? 0)))) } }
        let psiX = g.rows(0..<(t - 1)), psiY = g.rows(1..<t)
        var h = psiX.multiplied(by: psiX, transposingSelf: true)
        for i in 0..<m { h[i, i] += delta }
        let a = psiX.multiplied(by: psiY, transposingSelf: true)
        let kMatrix: Matrix<Double>
        do { kMatrix = try h.solving(a) } catch let e as LinearAlgebraError { throw KoopmanError.linearAlgebra(e.description) }
        let back = try Self.withRespectToK(kMatrix, variant: variant, variance: variance)
        dsd = back.dsd
        k = back.gradient
        skippedTerms = back.skipped
        eigenvectorCondition = back.condition
        // Through the solve: Ā = H⁻¹K̄, Ḡ = −H⁻¹K̄Kᵀ (H is symmetric).
        let aBar: Matrix<Double>
        do { aBar = try h.solving(back.gradient) } catch let e as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(e.description)
        }
        let gBar = -1 * aBar.multiplied(by: kMatrix, transposingOther: true)
        // Through G = Ψ_XᵀΨ_X and A = Ψ_XᵀΨ_Y.
        let psiXBar = psiY.multiplied(by: aBar, transposingOther: true) + psiX.multiplied(by: gBar + gBar.transposed())
        let psiYBar = psiX.multiplied(by: aBar)
        // Fold both windows back onto the rows of g, then through σ and the affine map.
        var zBar = Matrix<Double>(rows: t, columns: m, repeating: 0)
        for i in 0..<t {
            for j in 0..<m {
                var v = 0.0
                if i < t - 1 { v += psiXBar[i, j] }
                if i > 0 { v += psiYBar[i - 1, j] }
                zBar[i, j] = v * g[i, j] * (1 - g[i, j])
            }
        }
        states = zBar.multiplied(by: w)
        weight = zBar.multiplied(by: x, transposingSelf: true)
        bias = (0..<m).map { j in (0..<t).reduce(0) { $0 + zBar[$1, j] } }
    }

    /// DSD of K and ∂DSD/∂K (MATH.md §7).
    public static func withRespectToK(_ k: Matrix<Double>, variant: Variant, variance: VarianceKind = .sample) throws
        -> (dsd: Double, gradient: Matrix<Double>, skipped: Int, condition: Double?)
    {
        let n = k.rows
        let divisor = Double(variance == .sample ? n - 1 : n)
        guard n >= (variance == .sample ? 2 : 1) else {
            return (.nan, Matrix(rows: n, columns: n, repeating: 0), 0, nil)
        }
        do {
            switch variant {
            case .paper:
                let eig = try k.eigenDecomposition(left: false, right: true)
                let v = eig.rightVectors!
                let vInverse = try v.inverse()
                let rho = eig.values.map(\.length)
                let mean = rho.reduce(0, +) / Double(n)
                var gradient = Matrix<Double>(rows: n, columns: n, repeating: 0)
                var skipped = 0
                for j in 0..<n {
                    guard rho[j] >= 1e-12 else { skipped += 1; continue }
                    // c_j λ̄_j/|λ_j|, then Re(Σ_j (V⁻¹)_{ja} D_j V_{bj}).
                    let weight: Double = 2 * (rho[j] - mean) / divisor / rho[j]
                    let d: Complex<Double> = eig.values[j].conjugate.multiplied(by: weight)
                    var term = Matrix<Double>(rows: n, columns: n, repeating: 0)
                    var finite = true
                    for a in 0..<n {
                        let left = vInverse[j, a] * d
                        for b in 0..<n {
                            let value = (left * v[b, j]).real
                            if !value.isFinite { finite = false }
                            term[a, b] = value
                        }
                    }
                    if finite { gradient = gradient + term } else { skipped += 1 }
                }
                let condition = try conditionOfComplex(v)
                return (variance.variance(rho), gradient, skipped, condition)
            case .reference:
                let svd = try k.singularValueDecomposition()
                let r = svd.singularValues.map { ($0 * $0 + DSD.referenceEpsilon).squareRoot() }
                let mean = r.reduce(0, +) / Double(n)
                // U diag(c_j s_j / r_j) Vᵀ.
                var scaled = svd.u
                for j in 0..<n {
                    let factor = 2 * (r[j] - mean) / divisor * svd.singularValues[j] / r[j]
                    for i in 0..<n { scaled[i, j] *= factor }
                }
                return (variance.variance(r), scaled.multiplied(by: svd.vt), 0, nil)
            }
        } catch let error as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(error.description)
        }
    }

    /// σ_max/σ_min of a complex matrix, from its real 2n×2n representation (whose singular
    /// values are those of the complex matrix, each twice).
    static func conditionOfComplex(_ v: Matrix<Complex<Double>>) throws -> Double {
        let n = v.rows
        let block = Matrix<Double>(rows: 2 * n, columns: 2 * n) { i, j in
            let z = v[i % n, j % n]
            switch (i < n, j < n) {
            case (true, true), (false, false): return z.real
            case (true, false): return -z.imaginary
            case (false, true): return z.imaginary
            }
        }
        return try block.conditionNumber()
    }
}
