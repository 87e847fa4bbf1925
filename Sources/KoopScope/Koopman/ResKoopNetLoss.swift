import ComplexModule
import RealModule

/// The ResKoopNet dictionary-learning loss in the paper's formulation and its gradient with
/// respect to the dictionary (MATH.md §8): with K and its unit eigenpairs (λ_j, v_j) computed
/// from the current W and held fixed,
/// `J(W) = (1/N_pairs) Σ_j ‖(Ψ_Y − λ_j Ψ_X) v_j‖²` over the pooled snapshot pairs.
///
/// ```swift
/// let step = try ResKoopNetLoss.paper(trajectories: batch, weight: w, bias: b)
/// step.loss, step.weight /* ∂J/∂W */, step.bias
/// ```
public enum ResKoopNetLoss {
    /// A loss value with its gradients.
    public struct Evaluation: Sendable {
        public var loss: Double
        /// ∂J/∂W (m×d).
        public var weight: Matrix<Double>
        /// ∂J/∂b (m).
        public var bias: [Double]
        /// The pooled Gram matrix G = Ψ_XᵀΨ_X (for the collapse diagnostics).
        public var gram: Matrix<Double>
        /// Share of lifted features within 10⁻³ of 0 or 1.
        public var saturatedFraction: Double
    }

    /// Evaluates the paper loss on `trajectories` (each T_i×d; pairs never cross two of them).
    public static func paper(trajectories: [Matrix<Float>], weight w: Matrix<Double>, bias b: [Double]?,
                             delta: Double = 1e-3) throws -> Evaluation {
        let m = w.rows, d = w.columns
        // Lift every trajectory (in Float64) and pool the snapshot pairs.
        var lifted: [Matrix<Double>] = []
        var saturated = 0, features = 0
        for x in trajectories where x.rows >= 2 {
            precondition(x.columns == d, "states have d = \(x.columns), W has d = \(d)")
            var g = x.map(Double.init).multiplied(by: w, transposingOther: true)
            for i in 0..<g.rows {
                for j in 0..<m {
                    let v = 1 / (1 + .exp(-(g[i, j] + (b?[j] ?? 0))))
                    g[i, j] = v
                    if v < 1e-3 || v > 1 - 1e-3 { saturated += 1 }
                }
            }
            features += g.rows * m
            lifted.append(g)
        }
        let pairs = lifted.reduce(0) { $0 + $1.rows - 1 }
        guard pairs > 0 else { throw KoopmanError.tooShort(length: trajectories.map(\.rows).max() ?? 0) }
        var psiX = Matrix<Double>(rows: pairs, columns: m, repeating: 0), psiY = psiX
        var row = 0
        for g in lifted {
            for i in 0..<(g.rows - 1) {
                for j in 0..<m { psiX[row, j] = g[i, j]; psiY[row, j] = g[i + 1, j] }
                row += 1
            }
        }
        let gram = psiX.multiplied(by: psiX, transposingSelf: true)
        let k = try KoopmanEstimate.koopmanOperator(psiX: psiX.elements, psiY: psiY.elements, pairs: pairs, m: m,
                                                    estimator: .ridge(delta: delta))
        let eig: EigenDecomposition<Double>
        do { eig = try k.eigenDecomposition(left: false, right: true) } catch let e as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(e.description)
        }
        let v = eig.rightVectors!
        // R_j = (Ψ_Y − λ_jΨ_X) v_j; J = Σ_j ‖R_j‖² / N; with λ, v fixed,
        // ∂J/∂Ψ_Y = (2/N) Σ_j Re(R_j v_jᴴ) and ∂J/∂Ψ_X = −(2/N) Σ_j Re(λ̄_j R_j v_jᴴ).
        let scale = 2 / Double(pairs)
        var loss = 0.0
        var psiXBar = Matrix<Double>(rows: pairs, columns: m, repeating: 0), psiYBar = psiXBar
        for j in 0..<m {
            let lambda = eig.values[j]
            for t in 0..<pairs {
                var px = Complex<Double>.zero, py = Complex<Double>.zero
                for a in 0..<m {
                    px = px + v[a, j].multiplied(by: psiX[t, a])
                    py = py + v[a, j].multiplied(by: psiY[t, a])
                }
                let r = py - lambda * px
                loss += r.lengthSquared
                let lr = lambda.conjugate * r
                for a in 0..<m {
                    let vc = v[a, j].conjugate
                    psiYBar[t, a] += scale * (r * vc).real
                    psiXBar[t, a] -= scale * (lr * vc).real
                }
            }
        }
        loss /= Double(pairs)
        // Back to each trajectory's rows, through σ and the affine map.
        var wBar = Matrix<Double>(rows: m, columns: d, repeating: 0)
        var bBar = [Double](repeating: 0, count: m)
        row = 0
        var lifts = lifted.makeIterator()
        for x in trajectories where x.rows >= 2 {
            let g = lifts.next()!
            let t = g.rows
            var zBar = Matrix<Double>(rows: t, columns: m, repeating: 0)
            for i in 0..<t {
                for j in 0..<m {
                    var s = 0.0
                    if i < t - 1 { s += psiXBar[row + i, j] }
                    if i > 0 { s += psiYBar[row + i - 1, j] }
                    zBar[i, j] = s * g[i, j] * (1 - g[i, j])
                    bBar[j] += zBar[i, j]
                }
            }
            wBar.addProduct(zBar, x.map(Double.init), transposingLeft: true)
            row += t - 1
        }
        return Evaluation(loss: loss, weight: wBar, bias: bBar, gram: gram,
                          saturatedFraction: features > 0 ? Double(saturated) / Double(features) : 0)
    }
}
