import ComplexModule
import RealModule

/// The gradient of a trajectory's DSD with respect to its hidden states, the dictionary's
/// weight and its bias, backpropagated through the eigen- or singular-value decomposition,
/// the ridge solve and the lifting (docs/math.md §7). ReLaX's loss needs it; everything is Float64.
///
/// ```swift
/// let g = try DSDGradient(states: x, weight: w, bias: nil, variant: .paper)
/// print(g.dsd, g.states /* ∂DSD/∂x, T×d */, g.weight /* ∂DSD/∂W, m×d */)
/// ```
public struct DSDGradient: Sendable {
    /// Which DSD is differentiated: Var |λ_j| over the eigenvalues of K (`paper`), or
    /// Var √(s_j² + 10⁻³) over its singular values (`reference`).
    public typealias Variant = Convention

    /// The DSD itself.
    public var dsd: Double
    /// ∂DSD/∂K (m×m); nil when the trajectory had fewer snapshot pairs than features and the
    /// paper variant went through the small (T−1)×(T−1) problem, which never forms K.
    public var k: Matrix<Double>?
    /// ∂DSD/∂x (T×d).
    public var states: Matrix<Double>
    /// ∂DSD/∂W (m×d).
    public var weight: Matrix<Double>
    /// ∂DSD/∂b (m entries).
    public var bias: [Double]
    /// Terms of ∂DSD/∂K left out: eigenvalues at or below ``nearZeroMagnitude(delta:)`` (the
    /// paper variant), exact zeros of a short trajectory, or non-finite terms.
    public var skippedTerms: Int
    /// The 1-norm condition number ‖V‖₁‖V⁻¹‖₁ of the eigenvector matrix (paper variant): large
    /// means a nearly defective spectrum and an ill-conditioned gradient.
    public var eigenvectorCondition: Double?

    /// Differentiates the DSD of one trajectory `states` (T×d) lifted by σ(x Wᵀ + b), with
    /// K = (G + δI)⁻¹A, all in Float64 (the reference the Float32 path is checked against).
    public init(states x: Matrix<Double>, weight w: Matrix<Double>, bias b: [Double]?, delta: Double = AnalysisConfiguration.defaults.ridge,
                variant: Variant = .paper, variance: VarianceKind = .sample) throws {
        guard x.rows >= 2 else { throw KoopmanError.tooShort(length: x.rows) }
        guard x.columns == w.columns, b.map({ $0.count == w.rows }) ?? true else {
            throw KoopmanError.shapeMismatch("states have d = \(x.columns), W is \(w.rows)×\(w.columns)"
                                             + (b.map { ", the bias has \($0.count) entries" } ?? ""))
        }
        let g = SnapshotBackward.lift(x, weight: w, bias: b)
        let core = try Self.core(lifted: g, delta: delta, variant: variant, variance: variance)
        self.init(core: core, states: core.zBar.multiplied(by: w), weight: core.zBar.multiplied(by: x, transposingSelf: true))
    }

    /// Differentiates the DSD of one trajectory of Float32 states with a Float32 dictionary, as
    /// training does: the lift and the two products back to x and W are single-precision GEMMs,
    /// everything m×m is Float64.
    public init(states x: Matrix<Float>, weight w: Matrix<Float>, bias b: [Float]?, delta: Double = AnalysisConfiguration.defaults.ridge,
                variant: Variant = .paper, variance: VarianceKind = .sample) throws {
        guard x.rows >= 2 else { throw KoopmanError.tooShort(length: x.rows) }
        guard x.columns == w.columns else {
            throw KoopmanError.shapeMismatch("states have d = \(x.columns), W is \(w.rows)×\(w.columns)")
        }
        let dictionary = try KoopmanDictionary(weight: w, bias: b)
        let g = x.withUnsafeBufferPointer { dictionary.liftToDouble($0.baseAddress!, rows: x.rows) }
        let core = try Self.core(lifted: g, delta: delta, variant: variant, variance: variance)
        let zBar = core.zBar.map(Float.init)
        self.init(core: core, states: zBar.multiplied(by: w).map(Double.init),
                  weight: zBar.multiplied(by: x, transposingSelf: true).map(Double.init))
    }

    private init(core: Core, states: Matrix<Double>, weight: Matrix<Double>) {
        dsd = core.dsd
        k = core.kBar
        skippedTerms = core.skipped
        eigenvectorCondition = core.condition
        self.states = states
        self.weight = weight
        bias = (0..<core.zBar.columns).map { j in (0..<core.zBar.rows).reduce(0) { $0 + core.zBar[$1, j] } }
    }

    /// The magnitude at or below which an eigenvalue's term is left out of ∂DSD/∂K: δ itself.
    /// The ridge scales a direction whose Gram eigenvalue is g by g/(g + δ), so a direction the
    /// data barely excite (g ≲ δ², rounding-level null directions included) comes out with
    /// |λ| ≲ δ and an arbitrary phase; |λ| is not differentiable at 0, and following that phase
    /// gives a gradient that jumps under the slightest change of the data.
    public static func nearZeroMagnitude(delta: Double) -> Double { delta }

    /// What both precisions share: from the lifted states g (T×m) to ∂DSD/∂z (T×m).
    private struct Core {
        var dsd: Double
        var kBar: Matrix<Double>?
        var skipped: Int
        var condition: Double?
        var zBar: Matrix<Double>
    }

    /// DSD of features lifted elsewhere (T×m, Float64) and ∂DSD/∂features (T×m): what a caller
    /// that lifts the states itself (a PyTorch dictionary on a GPU) backpropagates from.
    ///
    /// ```swift
    /// let (dsd, gradient, skipped) = try DSDGradient.withRespectToFeatures(psi, variant: .paper)
    /// ```
    public static func withRespectToFeatures(_ g: Matrix<Double>, delta: Double = AnalysisConfiguration.defaults.ridge, variant: Variant = .paper,
                                             variance: VarianceKind = .sample) throws
        -> (dsd: Double, gradient: Matrix<Double>, skipped: Int)
    {
        guard g.rows >= 2 else { throw KoopmanError.tooShort(length: g.rows) }
        for x in g.elements where !x.isFinite { throw KoopmanError.nonFinite }
        let core = try core(lifted: g, delta: delta, variant: variant, variance: variance, throughSigmoid: false)
        return (core.dsd, core.zBar, core.skipped)
    }

    private static func core(lifted g: Matrix<Double>, delta: Double, variant: Variant, variance: VarianceKind,
                             throughSigmoid: Bool = true) throws -> Core
    {
        let t = g.rows, m = g.columns
        let psiX = g.rows(0..<(t - 1)), psiY = g.rows(1..<t)
        do {
            if RidgeOperator.usesLowRank(pairs: t - 1, features: m, variant: variant) {
                return try lowRankCore(lifted: g, psiX: psiX, psiY: psiY, delta: delta, variance: variance,
                                       throughSigmoid: throughSigmoid)
            }
            let (h, kMatrix) = try RidgeOperator.full(psiX: psiX, psiY: psiY, delta: delta)
            let back = try withRespectToK(kMatrix, variant: variant, variance: variance,
                                          cutoff: nearZeroMagnitude(delta: delta))
            let bar = try SnapshotBackward.throughRidge(h: h, k: kMatrix, kBar: back.gradient, psiX: psiX, psiY: psiY)
            let zBar = SnapshotBackward.foldOntoRows(psiXBar: bar.psiX, psiYBar: bar.psiY, lifted: g,
                                                     throughSigmoid: throughSigmoid)
            return Core(dsd: back.dsd, kBar: back.gradient, skipped: back.skipped, condition: back.condition, zBar: zBar)
        } catch let error as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(error.description)
        }
    }

    /// The paper variant for n = T − 1 < m pairs. The ridge K = (Ψ_XᵀΨ_X + δI)⁻¹Ψ_XᵀΨ_Y equals
    /// Ψ_Xᵀ(Ψ_XΨ_Xᵀ + δI)⁻¹Ψ_Y, so its nonzero eigenvalues are those of the n×n matrix
    /// C = Ĥ⁻¹B with Ĥ = Ψ_XΨ_Xᵀ + δI and B = Ψ_YΨ_Xᵀ, and the other m − n are zero. DSD's
    /// variance runs over all m; the zeros contribute no gradient (as |λ| ≤ δ does in the
    /// full path). Back through C: B̄ = Ĥ⁻¹C̄, Ĥ̄ = −B̄Cᵀ, Ψ̄_Y = B̄Ψ_X, Ψ̄_X = B̄ᵀΨ_Y + (Ĥ̄ + Ĥ̄ᵀ)Ψ_X.
    private static func lowRankCore(lifted g: Matrix<Double>, psiX: Matrix<Double>, psiY: Matrix<Double>, delta: Double,
                                    variance: VarianceKind, throughSigmoid: Bool) throws -> Core {
        let n = psiX.rows, m = psiX.columns
        let (hSmall, c) = try RidgeOperator.lowRank(psiX: psiX, psiY: psiY, delta: delta)
        let back = try withRespectToK(c, variant: .paper, variance: variance, zeroEigenvalues: m - n,
                                      cutoff: nearZeroMagnitude(delta: delta))
        let bBar = try hSmall.solving(back.gradient)
        let hBar = -1 * bBar.multiplied(by: c, transposingOther: true)
        let psiYBar = bBar.multiplied(by: psiX)
        let psiXBar = bBar.multiplied(by: psiY, transposingSelf: true) + (hBar + hBar.transposed()).multiplied(by: psiX)
        let zBar = SnapshotBackward.foldOntoRows(psiXBar: psiXBar, psiYBar: psiYBar, lifted: g,
                                                 throughSigmoid: throughSigmoid)
        return Core(dsd: back.dsd, kBar: nil, skipped: back.skipped, condition: back.condition, zBar: zBar)
    }

    /// DSD of K and ∂DSD/∂K (docs/math.md §7). `zeroEigenvalues` more eigenvalues, exactly zero,
    /// join the variance (the paper variant of a K known to have that many beyond its own); the
    /// terms of eigenvalues with |λ| ≤ `cutoff` are left out of the gradient (not of the value).
    public static func withRespectToK(_ k: Matrix<Double>, variant: Variant, variance: VarianceKind = .sample,
                                      zeroEigenvalues: Int = 0, cutoff: Double = 1e-12) throws
        -> (dsd: Double, gradient: Matrix<Double>, skipped: Int, condition: Double?)
    {
        let n = k.rows, total = n + zeroEigenvalues
        let divisor = Double(variance == .sample ? total - 1 : total)
        guard total >= (variance == .sample ? 2 : 1) else {
            return (.nan, Matrix(rows: n, columns: n, repeating: 0), 0, nil)
        }
        do {
            switch variant {
            case .paper:
                let eig = try k.eigenDecomposition(left: false, right: true)
                let v = eig.rightVectors!
                let vInverse = try v.inverse()
                let rho = eig.values.map(\.length)
                let mean = rho.reduce(0, +) / Double(total)
                // Σ_j Re((V⁻¹)_{ja} d_j V_{bj}) with d_j = c_j λ̄_j/|λ_j| is Re(P Vᵀ) for
                // P_{aj} = (V⁻¹)_{ja} d_j: two real products, Re P·Re Vᵀ − Im P·Im Vᵀ. A term whose
                // factors are not all finite is dropped, as is one with |λ_j| ≤ cutoff.
                var pReal = Matrix<Double>(rows: n, columns: n, repeating: 0), pImaginary = pReal
                var vReal = pReal, vImaginary = pReal
                var skipped = zeroEigenvalues
                for j in 0..<n {
                    guard rho[j] > cutoff else { skipped += 1; continue }
                    let weight: Double = 2 * (rho[j] - mean) / divisor / rho[j]
                    let d: Complex<Double> = eig.values[j].conjugate.multiplied(by: weight)
                    let finite = d.isFinite && (0..<n).allSatisfy { vInverse[j, $0].isFinite && v[$0, j].isFinite }
                    guard finite else { skipped += 1; continue }
                    for a in 0..<n {
                        let left = vInverse[j, a] * d
                        pReal[a, j] = left.real
                        pImaginary[a, j] = left.imaginary
                        vReal[a, j] = v[a, j].real
                        vImaginary[a, j] = v[a, j].imaginary
                    }
                }
                var gradient = pReal.multiplied(by: vReal, transposingOther: true)
                let imaginaryPart = pImaginary.multiplied(by: vImaginary, transposingOther: true)
                for k in gradient.elements.indices { gradient.elements[k] -= imaginaryPart.elements[k] }
                let condition = oneNorm(v) * oneNorm(vInverse)
                return (variance.variance(rho + Array(repeating: 0, count: zeroEigenvalues)), gradient, skipped, condition)
            case .reference:
                precondition(zeroEigenvalues == 0, "the reference variant counts singular values, not eigenvalues")
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

    /// The largest column sum of moduli.
    static func oneNorm(_ v: Matrix<Complex<Double>>) -> Double {
        (0..<v.columns).map { j in (0..<v.rows).reduce(0) { $0 + v[$1, j].length } }.max() ?? 0
    }
}
