import ComplexModule
import Foundation
import Testing
@testable import KoopScope

@Suite("ResKoopNet loss (paper variant)")
struct ResKoopNetTests {
    /// J(W, b) with the eigenpairs (λ, v) held at given values, written out plainly.
    func loss(_ xs: [Matrix<Float>], _ w: Matrix<Double>, _ b: [Double], _ lambda: [Complex<Double>],
              _ v: Matrix<Complex<Double>>) -> Double {
        var total = 0.0, pairs = 0
        for x in xs {
            let g = Matrix<Double>(rows: x.rows, columns: w.rows) { i, j in
                1 / (1 + exp(-((0..<x.columns).reduce(b[j]) { $0 + Double(x[i, $1]) * w[j, $1] })))
            }
            for t in 0..<(x.rows - 1) {
                pairs += 1
                for j in lambda.indices {
                    var r = Complex<Double>.zero
                    for a in 0..<w.rows { r = r + v[a, j] * Complex(g[t + 1, a]) - lambda[j] * v[a, j] * Complex(g[t, a]) }
                    total += r.lengthSquared
                }
            }
        }
        return total / Double(pairs)
    }

    @Test func gradientMatchesCentralDifferencesWithEigenpairsHeldFixed() throws {
        var rng = SeededGenerator(seed: 31)
        let (d, m) = (3, 4)
        let xs = [9, 7, 11].map { t in Matrix<Float>(rows: t, columns: d) { _, _ in Float(rng.nextGaussian()) } }
        let w = Matrix<Double>(rows: m, columns: d) { _, _ in 0.7 * rng.nextGaussian() }
        let b = (0..<m).map { _ in 0.2 * rng.nextGaussian() }
        let evaluation = try ResKoopNetLoss.paper(trajectories: xs, weight: w, bias: b)
        // The eigenpairs the step holds fixed: those of the pooled ridge K at (W, b).
        var psiX: [[Double]] = [], psiY: [[Double]] = []
        for x in xs {
            let g = (0..<x.rows).map { i in (0..<m).map { j in
                1 / (1 + exp(-((0..<d).reduce(b[j]) { $0 + Double(x[i, $1]) * w[j, $1] }))) } }
            for t in 0..<(x.rows - 1) { psiX.append(g[t]); psiY.append(g[t + 1]) }
        }
        var h = naiveProduct(Matrix(psiX).transposed(), Matrix(psiX))
        for i in 0..<m { h[i, i] += 1e-3 }
        let eig = try h.solving(naiveProduct(Matrix(psiX).transposed(), Matrix(psiY))).eigenDecomposition(left: false)
        let lambda = eig.values, v = eig.rightVectors!
        #expect(abs(evaluation.loss - loss(xs, w, b, lambda, v)) < 1e-12)
        let step = 1e-6
        var numericW: [Double] = [], numericB: [Double] = []
        for i in 0..<(m * d) {
            var wp = w, wm = w
            wp[i / d, i % d] += step; wm[i / d, i % d] -= step
            numericW.append((loss(xs, wp, b, lambda, v) - loss(xs, wm, b, lambda, v)) / (2 * step))
        }
        for j in 0..<m {
            var bp = b, bm = b
            bp[j] += step; bm[j] -= step
            numericB.append((loss(xs, w, bp, lambda, v) - loss(xs, w, bm, lambda, v)) / (2 * step))
        }
        func relative(_ a: [Double], _ n: [Double]) -> Double {
            zip(a, n).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                / n.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        #expect(relative(evaluation.weight.elements, numericW) < 1e-5)
        #expect(relative(evaluation.bias, numericB) < 1e-5)
    }

    /// log cond(G + δI) written out from the lifted pairs, its eigenvalues by the general
    /// eigensolver (not the symmetric one the penalty uses), against the penalty and its gradient
    /// by central differences; added to the loss with weight λ.
    @Test func theConditionPenaltyAndItsGradient() throws {
        var rng = SeededGenerator(seed: 8)
        let (d, m, delta) = (3, 4, 1e-3)
        let xs = [9, 12].map { t in Matrix<Float>(rows: t, columns: d) { _, _ in Float(rng.nextGaussian()) } }
        let w = Matrix<Double>(rows: m, columns: d) { _, _ in 0.8 * rng.nextGaussian() }
        let b = (0..<m).map { _ in 0.3 * rng.nextGaussian() }
        func penalty(_ w: Matrix<Double>, _ b: [Double]) throws -> Double {
            var rows: [[Double]] = []
            for x in xs {
                for t in 0..<(x.rows - 1) {
                    rows.append((0..<m).map { j in 1 / (1 + exp(-((0..<d).reduce(b[j]) { $0 + Double(x[t, $1]) * w[j, $1] }))) })
                }
            }
            var g = naiveProduct(Matrix(rows).transposed(), Matrix(rows))
            for i in 0..<m { g[i, i] += delta }
            let values = try g.eigenDecomposition(left: false).values.map(\.real)
            return log(values.max()! / values.min()!)
        }
        let evaluation = try ResKoopNetLoss.conditionPenalty(trajectories: xs, weight: w, bias: b, delta: delta)
        #expect(abs(evaluation.loss - (try penalty(w, b))) < 1e-10)
        let step = 1e-6
        var numericW: [Double] = [], numericB: [Double] = []
        for i in 0..<(m * d) {
            var wp = w, wm = w
            wp[i / d, i % d] += step; wm[i / d, i % d] -= step
            numericW.append((try penalty(wp, b) - penalty(wm, b)) / (2 * step))
        }
        for j in 0..<m {
            var bp = b, bm = b
            bp[j] += step; bm[j] -= step
            numericB.append((try penalty(w, bp) - penalty(w, bm)) / (2 * step))
        }
        #expect(relativeError(evaluation.weight.elements, numericW) < 1e-5)
        #expect(relativeError(evaluation.bias, numericB) < 1e-5)
        // In the loss with weight λ: the residual loss plus λ times the penalty, gradients too.
        let plain = try ResKoopNetLoss.evaluate(.paper, trajectories: xs, weight: w, bias: b)
        let both = try ResKoopNetLoss.evaluate(.paper, trajectories: xs, weight: w, bias: b, conditionPenalty: 0.5)
        #expect(abs(both.loss - (plain.loss + 0.5 * evaluation.loss)) < 1e-12)
        #expect(relativeError(both.weight.elements, zip(plain.weight.elements, evaluation.weight.elements).map { $0 + 0.5 * $1 }) < 1e-12)
    }

    @Test func effectiveRankByHand() throws {
        // exp(entropy of σ/Σσ): four equal singular values give 4, one alone gives 1, and
        // σ = (1, 1, 0) gives exp(ln 2) = 2.
        #expect(abs(try EffectiveRank.of(.identity(4)) - 4) < 1e-12)
        #expect(abs(try EffectiveRank.of(.diagonal([3, 0, 0])) - 1) < 1e-12)
        #expect(abs(try EffectiveRank.of(.diagonal([1, 1, 0])) - 2) < 1e-12)
    }

    @Test func adamTakesTheKnownFirstStep() {
        // After bias correction the first step is −lr·sign(g) (up to ε).
        var adam = Adam(count: 2, learningRate: 0.1)
        var p = [1.0, -2.0]
        adam.step(&p, gradient: [3, -0.5])
        #expect(abs(p[0] - 0.9) < 1e-8 && abs(p[1] - -1.9) < 1e-8)
    }

    /// The reference loss written out: K by ridge, its SVD signed as the library documents,
    /// E = Ψ_Y Vᴴ − Ψ_X Vᴴ diag(S), J = ‖E‖_F / (number of trajectories).
    func referenceLoss(_ xs: [Matrix<Float>], _ w: Matrix<Double>, _ b: [Double]) throws -> Double {
        var psiX: [[Double]] = [], psiY: [[Double]] = []
        for x in xs {
            let g = (0..<x.rows).map { i in (0..<w.rows).map { j in
                1 / (1 + exp(-((0..<x.columns).reduce(b[j]) { $0 + Double(x[i, $1]) * w[j, $1] }))) } }
            for t in 0..<(x.rows - 1) { psiX.append(g[t]); psiY.append(g[t + 1]) }
        }
        let px = Matrix(psiX), py = Matrix(psiY)
        var h = naiveProduct(px.transposed(), px)
        for i in 0..<w.rows { h[i, i] += 1e-3 }
        let svd = try h.solving(naiveProduct(px.transposed(), py)).singularValueDecomposition()
        var vt = svd.vt
        for j in 0..<vt.rows {
            let row = vt.row(j)
            if row[row.indices.max { abs(row[$0]) < abs(row[$1]) }!] < 0 { for c in 0..<vt.columns { vt[j, c] = -vt[j, c] } }
        }
        let e = naiveProduct(py, vt) - naiveProduct(naiveProduct(px, vt), .diagonal(svd.singularValues))
        return e.elements.reduce(0) { $0 + $1 * $1 }.squareRoot() / Double(xs.count)
    }

    @Test func referenceGradientMatchesCentralDifferences() throws {
        for seed: UInt64 in [41, 42] {
            var rng = SeededGenerator(seed: seed)
            let (d, m) = (3, 4)
            let xs = [10, 8, 12].map { t in Matrix<Float>(rows: t, columns: d) { _, _ in Float(rng.nextGaussian()) } }
            let w = Matrix<Double>(rows: m, columns: d) { _, _ in 0.9 * rng.nextGaussian() }
            let b = (0..<m).map { _ in 0.3 * rng.nextGaussian() }
            let evaluation = try ResKoopNetLoss.reference(trajectories: xs, weight: w, bias: b)
            #expect(abs(evaluation.loss - (try referenceLoss(xs, w, b))) < 1e-12)
            let h = 1e-6
            var numericW: [Double] = [], numericB: [Double] = []
            for i in 0..<(m * d) {
                var wp = w, wm = w
                wp[i / d, i % d] += h; wm[i / d, i % d] -= h
                numericW.append((try referenceLoss(xs, wp, b) - referenceLoss(xs, wm, b)) / (2 * h))
            }
            for j in 0..<m {
                var bp = b, bm = b
                bp[j] += h; bm[j] -= h
                numericB.append((try referenceLoss(xs, w, bp) - referenceLoss(xs, w, bm)) / (2 * h))
            }
            func relative(_ a: [Double], _ n: [Double]) -> Double {
                zip(a, n).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                    / n.reduce(0) { $0 + $1 * $1 }.squareRoot()
            }
            #expect(relative(evaluation.weight.elements, numericW) < 1e-5, "seed \(seed)")
            #expect(relative(evaluation.bias, numericB) < 1e-5, "seed \(seed)")
        }
    }
}
