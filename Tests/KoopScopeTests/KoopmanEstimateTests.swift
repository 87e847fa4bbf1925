import ComplexModule
import Foundation
import Testing
@testable import KoopScope

@Suite("EDMD, residuals and DSD against hand-worked truths")
struct KoopmanEstimateTests {
    /// x₁' = a x₁, x₂' = b x₂ + c x₁²: the span of {x₁, x₂, x₁²} is Koopman-invariant, so EDMD
    /// on that dictionary is exact: K = [[a,0,0],[0,b,0],[0,c,a²]], eigenvalues {a, b, a²}.
    @Test(arguments: [KoopmanEstimator.pseudoInverse(rcond: 1e-12), .ridge(delta: 0)])
    func invariantSubspaceMakesEDMDExact(estimator: KoopmanEstimator) throws {
        let (a, b, c) = (0.9, 0.5, 0.3)
        var rng = SeededGenerator(seed: 8)
        var rows: [[Double]] = []
        for _ in 0..<3 {   // three short trajectories, pooled
            var x = (rng.nextGaussian(), rng.nextGaussian())
            var trajectory: [[Double]] = []
            for _ in 0..<6 {
                trajectory.append([x.0, x.1, x.0 * x.0])
                x = (a * x.0, b * x.1 + c * x.0 * x.0)
            }
            rows.append(contentsOf: trajectory)
        }
        // Pairs never span trajectories: build Ψ_X and Ψ_Y per trajectory of 6 rows.
        var psiX: [[Double]] = [], psiY: [[Double]] = []
        for t in 0..<3 {
            for s in 0..<5 {
                psiX.append(rows[6 * t + s])
                psiY.append(rows[6 * t + s + 1])
            }
        }
        let estimate = try KoopmanEstimate(psiX: Matrix(psiX), psiY: Matrix(psiY), estimator: estimator)
        let expectedK = Matrix<Double>([[a, 0, 0], [0, b, 0], [0, c, a * a]])
        #expect(maxAbsDifference(estimate.k, expectedK) < 1e-9)
        #expect(spectrumDistance(estimate.eigenvalues, [Complex(a), Complex(b), Complex(a * a)]) < 1e-9)
        for r in estimate.residuals { #expect(r < 1e-8) }
    }

    @Test func ridgeShrinksTowardsZeroAsDeltaGrows() throws {
        // One scalar feature: K = Σ x_t x_{t+1} / (Σ x_t² + δ).
        let psi = Matrix<Double>(rows: 4, columns: 1, elements: [1, 0.5, 0.25, 0.125])
        let estimate = try KoopmanEstimate(lifted: psi, estimator: .ridge(delta: 1e-3))
        let expected = (1 * 0.5 + 0.5 * 0.25 + 0.25 * 0.125) / (1 + 0.25 + 0.0625 + 1e-3)
        #expect(abs(estimate.k[0, 0] - expected) < 1e-15)
        #expect(abs(estimate.singularValues[0] - expected) < 1e-15)
        #expect(throws: KoopmanError.tooShort(length: 1)) {
            try KoopmanEstimate(lifted: Matrix(rows: 1, columns: 1, elements: [1]), estimator: .paperDefault)
        }
    }

    @Test func residualsOfHandWorkedEigenpairs() throws {
        // K = I on Ψ_X = I, Ψ_Y = diag(2, 1): res(e₁) = ‖(2−1)e₁‖/‖e₁‖ = 1, res(e₂) = 0.
        let identity = Matrix<Double>.identity(2)
        let real = try KoopmanEstimate(k: identity, psiX: identity, psiY: Matrix([[2, 0], [0, 1]]))
        #expect(Set(real.residuals) == [1, 0])
        // A rotation K = R (eigenvalues e^{±iθ}) on Ψ_X = I: with Ψ_Y = R the pairs are exact;
        // with Ψ_Y = 2R, (2K − λ)v = λv, so each residual is |λ| = 1.
        let theta = 0.7
        let r = Matrix<Double>([[cos(theta), -sin(theta)], [sin(theta), cos(theta)]])
        let exact = try KoopmanEstimate(k: r, psiX: identity, psiY: r)
        for x in exact.residuals { #expect(x < 1e-15) }
        let doubled = try KoopmanEstimate(k: r, psiX: identity, psiY: 2 * r)
        for x in doubled.residuals { #expect(abs(x - 1) < 1e-14) }
        // A zero Ψ_X v gives an infinite residual rather than a division by zero.
        let zero = try KoopmanEstimate(k: identity, psiX: Matrix(rows: 2, columns: 2, repeating: 0), psiY: identity)
        #expect(zero.residuals.allSatisfy { $0 == .infinity })
    }

    @Test func dsdByHand() {
        // |λ| = 1, 0.5, 0.5: mean 2/3, squared deviations 1/9, 1/36, 1/36 → sum 1/6.
        let eigenvalues = [Complex(1.0), Complex(0.5), Complex(0, 0.5)]
        #expect(abs(DSD.paper(eigenvalues) - 1.0 / 12) < 1e-16)
        #expect(abs(DSD.paper(eigenvalues, variance: .population) - 1.0 / 18) < 1e-16)
        // r = √(s² + 10⁻³) for s = 0, 1: sample variance (r₁ − r₀)²/2.
        let r0 = 0.001.squareRoot(), r1 = 1.001.squareRoot()
        #expect(abs(DSD.reference([1, 0]) - (r1 - r0) * (r1 - r0) / 2) < 1e-15)
        let (filtered, kept) = DSD.filtered(eigenvalues, residuals: [0.1, 0.7, 0.5], threshold: 0.5)
        #expect(kept == 2)
        #expect(abs(filtered - 0.125) < 1e-16)    // |λ| = 1 and 0.5
        #expect(DSD.filtered(eigenvalues, residuals: [0.9, 0.7, 0.1], threshold: 0.5).dsd.isNaN)
        #expect(DSD.paper([Complex(1.0)]).isNaN)
        #expect(DSD.paper([Complex(1.0)], variance: .population) == 0)
    }
}
