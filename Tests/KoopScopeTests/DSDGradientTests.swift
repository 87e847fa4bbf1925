import ComplexModule
import Foundation
import Testing
@testable import KoopScope

/// ∂DSD against central differences (h = 10⁻⁶) of the forward computation, in Float64.
@Suite("Gradient of DSD")
struct DSDGradientTests {
    /// The forward DSD of docs/math.md §1–6, written out plainly.
    func forward(_ x: Matrix<Double>, _ w: Matrix<Double>, _ b: [Double], _ variant: DSDGradient.Variant,
                 _ variance: VarianceKind) throws -> Double {
        let t = x.rows, m = w.rows
        let g = Matrix<Double>(rows: t, columns: m) { i, j in
            let z = (0..<x.columns).reduce(b[j]) { $0 + x[i, $1] * w[j, $1] }
            return 1 / (1 + exp(-z))
        }
        let psiX = g.rows(0..<(t - 1)), psiY = g.rows(1..<t)
        var h = naiveProduct(psiX.transposed(), psiX)
        for i in 0..<m { h[i, i] += 1e-3 }
        let k = try h.solving(naiveProduct(psiX.transposed(), psiY))
        switch variant {
        case .paper: return DSD.paper(try k.eigenvalues(), variance: variance)
        case .reference: return DSD.reference(try k.singularValues(), variance: variance)
        }
    }

    /// States x (T×d), a dictionary W (m×d) and a bias b, drawn from `seed`.
    func randomCase(seed: UInt64, t: Int, d: Int, m: Int) -> (Matrix<Double>, Matrix<Double>, [Double]) {
        var rng = SeededGenerator(seed: seed)
        let x = Matrix<Double>(rows: t, columns: d) { _, _ in rng.nextGaussian() }
        let w = Matrix<Double>(rows: m, columns: d) { _, _ in 0.8 * rng.nextGaussian() }
        return (x, w, (0..<m).map { _ in 0.3 * rng.nextGaussian() })
    }

    /// Fewer snapshot pairs than features (T − 1 = 3 < m = 8): the paper variant goes through the
    /// 3×3 problem. Its value and gradient against the plain m×m forward by central differences.
    @Test(arguments: [VarianceKind.sample, .population])
    func shortTrajectoriesMatchCentralDifferences(variance: VarianceKind) throws {
        for seed: UInt64 in [21, 22, 23] {
            let (t, d, m) = (4, 5, 8)
            let (x, w, b) = randomCase(seed: seed, t: t, d: d, m: m)
            let g = try DSDGradient(states: x, weight: w, bias: b, variant: .paper, variance: variance)
            let value = try forward(x, w, b, .paper, variance)
            #expect(abs(g.dsd - value) <= 1e-10 * abs(value), "\(g.dsd) vs \(value)")
            #expect(g.k == nil && g.skippedTerms == m - (t - 1))
            let dx = try centralDifferences(at: x) { try forward($0, w, b, .paper, variance) }
            let dw = try centralDifferences(at: w) { try forward(x, $0, b, .paper, variance) }
            #expect(relativeError(g.states.elements, dx) < 1e-5, "∂x")
            #expect(relativeError(g.weight.elements, dw) < 1e-5, "∂W")
            // The value-only path agrees, in Float32 states as training uses it.
            let dictionary = try KoopmanDictionary(weight: w.map(Float.init), bias: b.map(Float.init))
            let single = try DSD.value(states: x.map(Float.init), dictionary: dictionary, variant: .paper, variance: variance)
            #expect(abs(single - value) <= 1e-4 * abs(value))
        }
    }

    @Test(arguments: DSDGradient.Variant.allCases, [VarianceKind.sample, .population])
    func matchesCentralDifferences(variant: DSDGradient.Variant, variance: VarianceKind) throws {
        for seed: UInt64 in [11, 12, 13] {
            let (t, d, m) = (14, 4, 5)
            let (x, w, b) = randomCase(seed: seed, t: t, d: d, m: m)
            let g = try DSDGradient(states: x, weight: w, bias: b, variant: variant, variance: variance)
            let value = try forward(x, w, b, variant, variance)
            #expect(abs(g.dsd - value) <= 1e-10 * abs(value), "\(g.dsd) vs \(value)")
            #expect(g.skippedTerms == 0)
            let h = 1e-6
            func numeric(_ count: Int, _ perturb: (Int, Double) -> (Matrix<Double>, Matrix<Double>, [Double])) throws -> [Double] {
                try (0..<count).map { i in
                    let (xp, wp, bp) = perturb(i, h), (xm, wm, bm) = perturb(i, -h)
                    return (try forward(xp, wp, bp, variant, variance) - forward(xm, wm, bm, variant, variance)) / (2 * h)
                }
            }
            let dx = try numeric(t * d) { i, e in
                var xx = x; xx[i / d, i % d] += e; return (xx, w, b)
            }
            let dw = try numeric(m * d) { i, e in
                var ww = w; ww[i / d, i % d] += e; return (x, ww, b)
            }
            let db = try numeric(m) { i, e in
                var bb = b; bb[i] += e; return (x, w, bb)
            }
            #expect(relativeError(g.states.elements, dx) < 1e-5, "∂x, seed \(seed)")
            #expect(relativeError(g.weight.elements, dw) < 1e-5, "∂W, seed \(seed)")
            #expect(relativeError(g.bias, db) < 1e-5, "∂b, seed \(seed)")
        }
    }

    @Test func gradientWithRespectToKByHand() throws {
        // K = diag(2, 1): |λ| = 2, 1, mean 1.5, c = ±1 (sample, n − 1 = 1); λ real positive, V = I,
        // so ∂DSD/∂K = diag(1, −1).
        let (dsd, gradient, skipped, condition) = try DSDGradient.withRespectToK(.diagonal([2, 1]), variant: .paper)
        #expect(dsd == 0.5 && skipped == 0)
        #expect(maxAbsDifference(gradient, .diagonal([1, -1])) < 1e-15)
        #expect(abs((condition ?? 0) - 1) < 1e-12, "V = I: cond₁ = 1")
        // A zero eigenvalue has no direction: its term is left out and counted.
        #expect(try DSDGradient.withRespectToK(.diagonal([1, 0, 0.5]), variant: .paper).skipped == 1)
    }

    @Test func singlePrecisionPathAgreesWithTheFloat64One() throws {
        var rng = SeededGenerator(seed: 17)
        let (t, d, m) = (40, 6, 5)
        let x = Matrix<Float>(rows: t, columns: d) { _, _ in Float(rng.nextGaussian()) }
        let w = Matrix<Float>(rows: m, columns: d) { _, _ in Float(0.5 * rng.nextGaussian()) }
        for variant in DSDGradient.Variant.allCases {
            let single = try DSDGradient(states: x, weight: w, bias: nil, variant: variant)
            let double = try DSDGradient(states: x.map(Double.init), weight: w.map(Double.init), bias: nil, variant: variant)
            let scale = double.weight.elements.map(abs).max()!
            #expect(abs(single.dsd - double.dsd) < 1e-5 * abs(double.dsd))
            #expect(maxAbsDifference(single.weight, double.weight) < 1e-3 * scale, "\(variant)")
            #expect(maxAbsDifference(single.states, double.states) < 1e-3 * double.states.elements.map(abs).max()!)
        }
    }
}

@Suite("DSD gradient near zero eigenvalues")
struct NearZeroEigenvalueTests {
    @Test func termsAtOrBelowDeltaAreDroppedAndCounted() throws {
        // K = diag(2, 10⁻⁴), δ = 10⁻³: ρ̄ = 1.00005, c₁ = 2(2 − ρ̄)/1 = 1.9999; the second term is dropped.
        let cutoff = DSDGradient.nearZeroMagnitude(delta: 1e-3)
        #expect(cutoff == 1e-3)
        let r = try DSDGradient.withRespectToK(.diagonal([2, 1e-4]), variant: .paper, cutoff: cutoff)
        #expect(r.skipped == 1)
        #expect(abs(r.gradient[0, 0] - 1.9999) < 1e-12 && r.gradient[1, 1] == 0 && r.gradient[0, 1] == 0)
        #expect(abs(r.dsd - (2 - 1e-4) * (2 - 1e-4) / 2) < 1e-12, "the value keeps every eigenvalue")
        #expect(try DSDGradient.withRespectToK(.diagonal([2, 1e-4]), variant: .paper).skipped == 0)
    }

    @Test func gradientIsStableWhenAFeatureDirectionIsNull() throws {
        // Two identical dictionary rows make Ψ_X rank-deficient: the ridge leaves an eigenvalue of
        // magnitude ≈ 0 with an arbitrary phase. With the cut-off, a tiny change of the states
        // changes the gradient only a little.
        var rng = SeededGenerator(seed: 8)
        let d = 4, t = 12
        var w = Matrix<Double>(rows: 4, columns: d) { _, _ in Double.random(in: -1...1, using: &rng) }
        for j in 0..<d { w[3, j] = w[2, j] }
        let x = Matrix<Double>(rows: t, columns: d) { _, _ in Double.random(in: -1...1, using: &rng) }
        let noise = Matrix<Double>(rows: t, columns: d) { _, _ in Double.random(in: -1e-9...1e-9, using: &rng) }
        let a = try DSDGradient(states: x, weight: w, bias: nil)
        let b = try DSDGradient(states: x + noise, weight: w, bias: nil)
        #expect(a.skippedTerms >= 1)
        let scale = a.states.elements.map(abs).max()!
        let change = zip(a.states.elements, b.states.elements).map { abs($0 - $1) }.max()!
        #expect(change < 1e-5 * scale, "\(change) vs \(scale)")
    }
}
