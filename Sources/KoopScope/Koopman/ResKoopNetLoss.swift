import ComplexModule
import RealModule

/// The ResKoopNet dictionary-learning losses and their gradients with respect to the
/// dictionary (docs/math.md §8), over the pooled snapshot pairs of a minibatch of trajectories:
/// the paper's residual loss with the eigenpairs held fixed, and the reference code's
/// SVD-based loss differentiated through the SVD and the ridge solve.
///
/// ```swift
/// let step = try ResKoopNetLoss.paper(trajectories: batch, weight: w, bias: b)
/// print(step.loss, step.weight /* ∂J/∂W */, step.bias)
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

    /// The two losses of docs/math.md §8: ResKoopNet's residual loss, eigenpairs held fixed within a
    /// step (`paper`), or the reference code's SVD-based loss through the SVD and the solve.
    public typealias Variant = Convention

    /// Evaluates the loss of `variant`, plus `conditionPenalty` times the log condition number of
    /// the ridge-regularised Gram matrix (``conditionPenalty(trajectories:weight:bias:delta:)``).
    public static func evaluate(_ variant: Variant, trajectories: [Matrix<Float>], weight: Matrix<Double>,
                                bias: [Double]?, delta: Double = AnalysisConfiguration.defaults.ridge,
                                conditionPenalty lambda: Double = 0) throws -> Evaluation {
        var evaluation = switch variant {
        case .paper: try paper(trajectories: trajectories, weight: weight, bias: bias, delta: delta)
        case .reference: try reference(trajectories: trajectories, weight: weight, bias: bias, delta: delta)
        }
        guard lambda > 0 else { return evaluation }
        let penalty = try conditionPenalty(trajectories: trajectories, weight: weight, bias: bias, delta: delta)
        evaluation.loss += lambda * penalty.loss
        evaluation.weight = evaluation.weight + lambda * penalty.weight
        evaluation.bias = zip(evaluation.bias, penalty.bias).map { $0 + lambda * $1 }
        return evaluation
    }

    /// log cond(G + δI) = log((μ_max + δ)/(μ_min + δ)) for the pooled Gram matrix G = Ψ_XᵀΨ_X and
    /// the ridge δ, with its gradient (docs/math.md §8): 0 for a dictionary whose features are
    /// orthogonal with equal norms, large for one collapsing onto fewer directions — the
    /// conditioning penalty of residual-guided dictionary learning. Its gradient is
    /// ∂/∂G = v_max v_maxᵀ/(μ_max + δ) − v_min v_minᵀ/(μ_min + δ), ∂/∂Ψ_X = 2 Ψ_X ∂/∂G.
    public static func conditionPenalty(trajectories: [Matrix<Float>], weight w: Matrix<Double>, bias b: [Double]?,
                                        delta: Double = AnalysisConfiguration.defaults.ridge) throws -> Evaluation {
        let pool = try Pool(trajectories, weight: w, bias: b)
        let m = w.rows
        let eigen: SymmetricEigen
        do { eigen = try SymmetricEigen(pool.gram) { _ in m } } catch let error as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(error.description)
        }
        let top = eigen.values[0] + delta, bottom = eigen.values[m - 1] + delta
        var gBar = Matrix<Double>(rows: m, columns: m, repeating: 0)
        for i in 0..<m {
            for j in 0..<m {
                gBar[i, j] = eigen.vectors[i, 0] * eigen.vectors[j, 0] / top
                    - eigen.vectors[i, m - 1] * eigen.vectors[j, m - 1] / bottom
            }
        }
        let psiXBar = 2 * pool.psiX.multiplied(by: gBar)
        let (wBar, bBar) = pool.backward(psiXBar: psiXBar, psiYBar: Matrix(rows: pool.psiY.rows, columns: m, repeating: 0))
        return Evaluation(loss: Double.log(top / bottom), weight: wBar, bias: bBar, gram: pool.gram,
                          saturatedFraction: pool.saturatedFraction)
    }

    /// Evaluates the paper loss on `trajectories` (each T_i×d; pairs never cross two of them).
    public static func paper(trajectories: [Matrix<Float>], weight w: Matrix<Double>, bias b: [Double]?,
                             delta: Double = AnalysisConfiguration.defaults.ridge) throws -> Evaluation {
        let pool = try Pool(trajectories, weight: w, bias: b)
        let m = w.rows, pairs = pool.psiX.rows
        let k = try KoopmanEstimate.koopmanOperator(psiX: pool.psiX.elements, psiY: pool.psiY.elements, pairs: pairs,
                                                    m: m, estimator: .ridge(delta: delta))
        let (values, packed) = try KoopmanEstimate.eigen(k)    // unit vectors, a pair as (Re, Im) columns
        let psiX = pool.psiX, psiY = pool.psiY
        // R_j = (Ψ_Y − λ_jΨ_X) v_j from P_X = Ψ_X V and P_Y = Ψ_Y V in LAPACK's packed real form.
        // A conjugate pair's second member has R̄_j, so it doubles the pair's share of J and of the
        // gradients ∂J/∂Ψ_Y = (2/N) Σ_j Re(R_j v_jᴴ), ∂J/∂Ψ_X = −(2/N) Σ_j Re(λ̄_j R_j v_jᴴ), which are
        // then one product each with Vᵀ: R holds [2Re R_j, 2Im R_j] for a pair, R_j for a real λ_j.
        let px = psiX.multiplied(by: packed), py = psiY.multiplied(by: packed)
        var r = Matrix<Double>(rows: pairs, columns: m, repeating: 0), rl = r
        var loss = 0.0
        var j = 0
        while j < m {
            let a = values[j].real, b = values[j].imaginary
            if b != 0 && j + 1 < m {
                for t in 0..<pairs {
                    let re = py[t, j] - a * px[t, j] + b * px[t, j + 1]
                    let im = py[t, j + 1] - a * px[t, j + 1] - b * px[t, j]
                    loss += 2 * (re * re + im * im)
                    r[t, j] = 2 * re; r[t, j + 1] = 2 * im
                    rl[t, j] = 2 * (a * re + b * im); rl[t, j + 1] = 2 * (a * im - b * re)   // λ̄ R
                }
                j += 2
            } else {
                for t in 0..<pairs {
                    let re = py[t, j] - a * px[t, j]
                    loss += re * re
                    r[t, j] = re
                    rl[t, j] = a * re
                }
                j += 1
            }
        }
        let scale = 2 / Double(pairs)
        let psiYBar = scale * r.multiplied(by: packed, transposingOther: true)
        let psiXBar = -scale * rl.multiplied(by: packed, transposingOther: true)
        let (wBar, bBar) = pool.backward(psiXBar: psiXBar, psiYBar: psiYBar)
        return Evaluation(loss: loss / Double(pairs), weight: wBar, bias: bBar, gram: pool.gram,
                          saturatedFraction: pool.saturatedFraction)
    }

    /// Evaluates the reference code's loss: K = solve(G + δI, A) = U S Vᵀ and
    /// `J = ‖Ψ_Y Vᵀ − Ψ_X Vᵀ diag(S)‖_F / (number of trajectories)`, with the gradient through
    /// the SVD (distinct singular values assumed) and the ridge solve. Singular vectors are
    /// signed so that each v_j's largest component is positive, as a deterministic choice.
    public static func reference(trajectories: [Matrix<Float>], weight w: Matrix<Double>, bias b: [Double]?,
                                 delta: Double = AnalysisConfiguration.defaults.ridge) throws -> Evaluation {
        let pool = try Pool(trajectories, weight: w, bias: b)
        let m = w.rows
        let psiX = pool.psiX, psiY = pool.psiY
        do {
            let (h, k) = try RidgeOperator.solve(gram: pool.gram, cross: psiX.multiplied(by: psiY, transposingSelf: true),
                                                 delta: delta)
            let (u, s, vt) = try signedSVD(k)
            // E = Ψ_Y Vᴴ − Ψ_X Vᴴ S with K = U S Vᴴ, so Vᴴ is `vt` (rows: right singular vectors).
            let yv = psiY.multiplied(by: vt), xv = psiX.multiplied(by: vt)
            var e = yv
            for t in 0..<e.rows { for j in 0..<m { e[t, j] -= xv[t, j] * s[j] } }
            let norm = e.frobeniusNorm
            let count = Double(pool.trajectoryCount)
            guard norm > 0 else {
                return Evaluation(loss: 0, weight: Matrix(rows: m, columns: w.columns, repeating: 0),
                                  bias: Array(repeating: 0, count: m), gram: pool.gram,
                                  saturatedFraction: pool.saturatedFraction)
            }
            let eBar = (1 / (norm * count)) * e
            // Direct terms of Ψ_Y and Ψ_X, and the cotangents of vt and S.
            var psiYBar = eBar.multiplied(by: vt, transposingOther: true)
            var eS = eBar
            for t in 0..<eS.rows { for j in 0..<m { eS[t, j] *= s[j] } }
            var psiXBar = -1 * eS.multiplied(by: vt, transposingOther: true)
            let vtBar = psiY.multiplied(by: eBar, transposingSelf: true) - psiX.multiplied(by: eS, transposingSelf: true)
            let sBar = (0..<m).map { j in -(0..<e.rows).reduce(0.0) { $0 + xv[$1, j] * eBar[$1, j] } }
            // SVD backward (Townsend): K̄ = U [diag(S̄) + S (F ∘ (VᵀV̄ − V̄ᵀV))] Vᵀ, F_ij = 1/(s_j² − s_i²).
            let vtvb = vt.multiplied(by: vtBar, transposingOther: true)   // VᵀV̄ with V = vtᵀ
            var inner = Matrix<Double>(rows: m, columns: m, repeating: 0)
            for i in 0..<m {
                for j in 0..<m {
                    if i == j { inner[i, j] = sBar[i]; continue }
                    let f = 1 / (s[j] * s[j] - s[i] * s[i])
                    inner[i, j] = s[i] * f * (vtvb[i, j] - vtvb[j, i])
                }
            }
            let kBar = u.multiplied(by: inner).multiplied(by: vt)
            let solve = try SnapshotBackward.throughRidge(h: h, k: k, kBar: kBar, psiX: psiX, psiY: psiY)
            psiXBar = psiXBar + solve.psiX
            psiYBar = psiYBar + solve.psiY
            let (wBar, bBar) = pool.backward(psiXBar: psiXBar, psiYBar: psiYBar)
            return Evaluation(loss: norm / count, weight: wBar, bias: bBar, gram: pool.gram,
                              saturatedFraction: pool.saturatedFraction)
        } catch let error as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(error.description)
        }
    }

    /// The SVD K = U diag(s) vt with each right singular vector's largest component positive.
    static func signedSVD(_ k: Matrix<Double>) throws -> (Matrix<Double>, [Double], Matrix<Double>) {
        let svd = try k.singularValueDecomposition()
        var u = svd.u, vt = svd.vt
        for j in 0..<vt.rows {
            let row = vt.row(j)
            let largest = row.indices.max { abs(row[$0]) < abs(row[$1]) } ?? 0
            if row[largest] < 0 {
                for c in 0..<vt.columns { vt[j, c] = -vt[j, c] }
                for r in 0..<u.rows { u[r, j] = -u[r, j] }
            }
        }
        return (u, svd.singularValues, vt)
    }

    /// The lifted trajectories of a minibatch and their pooled snapshot pairs.
    struct Pool {
        /// The minibatch's states, kept in Float32 (widened one trajectory at a time when used).
        let trajectories: [Matrix<Float>]
        let lifted: [Matrix<Double>]
        let weight: Matrix<Double>
        let psiX: Matrix<Double>
        let psiY: Matrix<Double>
        let gram: Matrix<Double>
        let saturatedFraction: Double
        var trajectoryCount: Int { lifted.count }

        init(_ batch: [Matrix<Float>], weight w: Matrix<Double>, bias b: [Double]?) throws {
            let m = w.rows, d = w.columns
            var states: [Matrix<Float>] = [], lifted: [Matrix<Double>] = []
            var saturated = 0, features = 0
            for x in batch where x.rows >= 2 {
                precondition(x.columns == d, "states have d = \(x.columns), W has d = \(d)")
                let g = SnapshotBackward.lift(x.map(Double.init), weight: w, bias: b)
                saturated += g.elements.filter { $0 < 1e-3 || $0 > 1 - 1e-3 }.count
                features += g.rows * m
                states.append(x)
                lifted.append(g)
            }
            let pairs = lifted.reduce(0) { $0 + $1.rows - 1 }
            guard pairs > 0 else { throw KoopmanError.tooShort(length: batch.map(\.rows).max() ?? 0) }
            var px = Matrix<Double>(rows: pairs, columns: m, repeating: 0), py = px
            var row = 0
            for g in lifted {
                for i in 0..<(g.rows - 1) {
                    for j in 0..<m { px[row, j] = g[i, j]; py[row, j] = g[i + 1, j] }
                    row += 1
                }
            }
            self.trajectories = states
            self.lifted = lifted
            self.weight = w
            self.psiX = px
            self.psiY = py
            self.gram = px.multiplied(by: px, transposingSelf: true)
            self.saturatedFraction = features > 0 ? Double(saturated) / Double(features) : 0
        }

        /// ∂J/∂W and ∂J/∂b from ∂J/∂Ψ_X and ∂J/∂Ψ_Y, through σ and the affine map.
        func backward(psiXBar: Matrix<Double>, psiYBar: Matrix<Double>) -> (Matrix<Double>, [Double]) {
            let m = weight.rows
            var wBar = Matrix<Double>(rows: m, columns: weight.columns, repeating: 0)
            var bBar = [Double](repeating: 0, count: m)
            var row = 0
            for (x, g) in zip(trajectories, lifted) {
                let zBar = SnapshotBackward.foldOntoRows(psiXBar: psiXBar, psiYBar: psiYBar, lifted: g, firstPair: row)
                for i in 0..<zBar.rows { for j in 0..<m { bBar[j] += zBar[i, j] } }
                wBar.addProduct(zBar, x.map(Double.init), transposingLeft: true)
                row += g.rows - 1
            }
            return (wBar, bBar)
        }
    }
}
