import Foundation
import Testing
@testable import KoopScope

/// ∂DSD/∂features — for callers that lift the states themselves — against central differences of
/// a forward written out plainly, in Float64; and against the chain rule through the sigmoid.
@Suite("Gradient of DSD in the features")
struct FeatureGradientTests {
    func forward(_ g: Matrix<Double>, _ variant: DSDGradient.Variant) throws -> Double {
        let t = g.rows, m = g.columns
        let psiX = g.rows(0..<(t - 1)), psiY = g.rows(1..<t)
        var h = naiveProduct(psiX.transposed(), psiX)
        for i in 0..<m { h[i, i] += 1e-3 }
        let k = try h.solving(naiveProduct(psiX.transposed(), psiY))
        switch variant {
        case .paper: return DSD.paper(try k.eigenvalues())
        case .reference: return DSD.reference(try k.singularValues())
        }
    }

    /// Both variants, a trajectory longer than m and (paper) one shorter, with features in (0, 1).
    @Test(arguments: [(DSDGradient.Variant.paper, 30), (.reference, 30), (.paper, 5)])
    func matchesCentralDifferences(variant: DSDGradient.Variant, t: Int) throws {
        var rng = SeededGenerator(seed: 7)
        let m = 6
        let g = Matrix<Double>(rows: t, columns: m) { _, _ in 0.2 + 0.6 * Double.random(in: 0..<1, using: &rng) }
        let (value, gradient, _) = try DSDGradient.withRespectToFeatures(g, variant: variant)
        #expect(abs(value - (try forward(g, variant))) <= 1e-10 * abs(value))
        let numeric = try centralDifferences(at: g) { try forward($0, variant) }
        let worst = zip(numeric, gradient.elements).map { abs($0 - $1) }.max()!, norm = numeric.map(abs).max()!
        #expect(worst <= 1e-6 * norm, "largest difference \(worst) against \(norm)")
    }

    /// Through σ: ∂DSD/∂z = ∂DSD/∂g · g(1 − g), which is what the states' gradient folds back.
    @Test func timesTheSigmoidSlopeIsTheStatesGradientsFold() throws {
        var rng = SeededGenerator(seed: 3)
        let (t, d, m) = (20, 4, 5)
        let x = Matrix<Double>(rows: t, columns: d) { _, _ in rng.nextGaussian() }
        let w = Matrix<Double>(rows: m, columns: d) { _, _ in 0.7 * rng.nextGaussian() }
        let g = SnapshotBackward.lift(x, weight: w, bias: nil)
        let features = try DSDGradient.withRespectToFeatures(g)
        let states = try DSDGradient(states: x, weight: w, bias: nil)
        let zBar = Matrix<Double>(rows: t, columns: m) { i, j in features.gradient[i, j] * g[i, j] * (1 - g[i, j]) }
        #expect(maxAbsDifference(zBar.multiplied(by: w), states.states) <= 1e-12)
        #expect(features.dsd == states.dsd)
    }

    @Test func refusesTooFewRowsAndNonFiniteFeatures() {
        #expect(throws: KoopmanError.tooShort(length: 1)) {
            try DSDGradient.withRespectToFeatures(Matrix(rows: 1, columns: 3, repeating: 0.5))
        }
        #expect(throws: KoopmanError.nonFinite) {
            try DSDGradient.withRespectToFeatures(Matrix(rows: 4, columns: 2, elements: [0.1, .nan, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]))
        }
    }
}
