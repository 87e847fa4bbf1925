import ComplexModule
import Foundation
import Testing
@testable import KoopScope

@Suite("Pseudospectrum")
struct PseudospectrumTests {
    @Test func diagonalOperatorHasDistanceToTheNearestEigenvalue() throws {
        // Ψ_X = I, Ψ_Y = diag(λ): res(z) = σ_min(diag(λ) − zI) = min_j |λ_j − z|.
        let lambda = [0.9, -0.5, 0.3]
        let grid = Pseudospectrum.Grid(real: -1...1, imaginary: -1...1, points: 9)
        let p = try Pseudospectrum(psiX: .identity(3), psiY: .diagonal(lambda), grid: grid)
        for row in 0..<9 {
            for column in 0..<9 {
                let z = Complex(-1 + 0.25 * Double(column), -1 + 0.25 * Double(row))
                let expected = lambda.map { (Complex($0) - z).length }.min()!
                #expect(abs(p.value(row: row, column: column) - expected) < 1e-12)
            }
        }
    }

    @Test func matchesTheGeneralisedEigenvalueDefinitionOnRandomData() throws {
        // res(z)² is the smallest μ with (Ψ_Y − zΨ_X)ᴴ(Ψ_Y − zΨ_X) c = μ Ψ_XᵀΨ_X c; for real z and
        // well-conditioned Ψ_X that is a small symmetric problem, solved here by Cholesky whitening.
        var rng = SeededGenerator(seed: 21)
        let (pairs, m) = (30, 4)
        let x = Matrix<Double>(rows: pairs, columns: m) { _, _ in rng.nextGaussian() }
        let y = Matrix<Double>(rows: pairs, columns: m) { _, _ in rng.nextGaussian() }
        let grid = Pseudospectrum.Grid(real: -1...1, imaginary: 0...0.0001, points: 5)
        let p = try Pseudospectrum(psiX: x, psiY: y, grid: grid)
        let g = naiveProduct(x.transposed(), x)
        for column in 0..<5 {
            let z = -1 + 0.5 * Double(column)
            let e = y - z * x
            let h = naiveProduct(e.transposed(), e)
            // Smallest eigenvalue of L⁻¹ H L⁻ᵀ with G = L Lᵀ, by the eigenvalues of G⁻¹H.
            let generalised = try g.solving(h).eigenvalues().map(\.real).min()!
            #expect(abs(p.value(row: 0, column: column) - generalised.squareRoot()) < 1e-9)
        }
    }

    @Test func tooFewPairsIsAnError() {
        #expect(throws: KoopmanError.self) {
            try Pseudospectrum(psiX: Matrix(rows: 2, columns: 3, repeating: 1), psiY: Matrix(rows: 2, columns: 3, repeating: 1),
                               grid: .init())
        }
    }
}
