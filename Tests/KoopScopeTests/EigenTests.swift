import ComplexModule
import Foundation
import Testing
@testable import KoopScope

@Suite("Eigenvalues and eigenvectors (geev)")
struct EigenTests {
    /// Checks A v_j = λ_j v_j and u_jᴴ A = λ_j u_jᴴ for every j.
    func checkEigenpairs(_ a: Matrix<Double>, _ eig: EigenDecomposition<Double>, tolerance: Double) {
        let n = a.rows
        let v = eig.rightVectors!, u = eig.leftVectors!
        for j in 0..<n {
            let lambda = eig.values[j]
            for i in 0..<n {
                var av = Complex<Double>.zero, uha = Complex<Double>.zero
                for k in 0..<n {
                    av = av + Complex(a[i, k]) * v[k, j]
                    uha = uha + u[k, j].conjugate * Complex(a[k, i])
                }
                #expect((av - lambda * v[i, j]).length < tolerance)
                #expect((uha - lambda * u[i, j].conjugate).length < tolerance)
            }
        }
    }

    @Test func rotationHasUnitCircleConjugatePair() throws {
        let theta = 0.3
        let r = Matrix<Double>([[cos(theta), -sin(theta)], [sin(theta), cos(theta)]])
        let eig = try r.eigenDecomposition()
        #expect(spectrumDistance(eig.values, [Complex(cos(theta), sin(theta)), Complex(cos(theta), -sin(theta))]) < 1e-15)
        #expect(eig.values[0].imaginary > 0, "the positive-imaginary member of a pair comes first")
        #expect(eig.values[0].conjugate == eig.values[1])
        checkEigenpairs(r, eig, tolerance: 1e-14)
        for value in eig.values { #expect(abs(value.length - 1) < 1e-15) }
    }

    @Test func similarityTransformKeepsAKnownSpectrum() throws {
        // Blocks [[ρcosθ, −ρsinθ], [ρsinθ, ρcosθ]] have eigenvalues ρe^{±iθ}.
        let blocks: [(Double, Double)] = [(0.95, 0.4), (0.6, 1.9)]
        let reals: [Double] = [0.8, -0.3, 0.05]
        let n = 2 * blocks.count + reals.count
        var d = Matrix<Double>(rows: n, columns: n, repeating: 0)
        var expected: [Complex<Double>] = []
        for (b, (rho, theta)) in blocks.enumerated() {
            let o = 2 * b
            d[o, o] = rho * cos(theta); d[o, o + 1] = -rho * sin(theta)
            d[o + 1, o] = rho * sin(theta); d[o + 1, o + 1] = rho * cos(theta)
            expected += [Complex(rho * cos(theta), rho * sin(theta)), Complex(rho * cos(theta), -rho * sin(theta))]
        }
        for (k, value) in reals.enumerated() { d[2 * blocks.count + k, 2 * blocks.count + k] = value }
        expected += reals.map { Complex($0) }
        var rng = SeededGenerator(seed: 3)
        let q = randomOrthogonal(n, rng: &rng)
        let a = naiveProduct(naiveProduct(q, d), q.transposed())
        let eig = try a.eigenDecomposition()
        #expect(spectrumDistance(eig.values, expected) < 1e-13)
        checkEigenpairs(a, eig, tolerance: 1e-13)
        // geev scales every eigenvector to unit 2-norm.
        for j in 0..<n {
            let norm = (0..<n).reduce(0.0) { $0 + eig.rightVectors![$1, j].lengthSquared }.squareRoot()
            #expect(abs(norm - 1) < 1e-14)
        }
        // Single precision: same spectrum to float accuracy.
        let single = try a.map { Float($0) }.eigenvalues().map { Complex(Double($0.real), Double($0.imaginary)) }
        #expect(spectrumDistance(single, expected) < 1e-5)
    }

    @Test func companionMatrixRootsOfAKnownPolynomial() throws {
        // p(x) = (x − 1)(x − 2)(x + 0.5)(x² + 1) = x⁵ − 2.5x⁴ + 1.5x³ − 1.5x² + 0.5x + 1
        // (coefficients expanded by hand), roots 1, 2, −0.5, ±i.
        let c: [Double] = [-2.5, 1.5, -1.5, 0.5, 1]
        var a = Matrix<Double>(rows: 5, columns: 5, repeating: 0)
        for j in 0..<5 { a[0, j] = -c[j] }
        for i in 1..<5 { a[i, i - 1] = 1 }
        let values = try a.eigenvalues()
        let expected = [Complex(1.0), Complex(2.0), Complex(-0.5), Complex(0, 1.0), Complex(0, -1.0)]
        #expect(spectrumDistance(values, expected) < 1e-12)
    }

    @Test func defectiveJordanBlock() throws {
        // One Jordan block of size 3 for λ = 2: a triple eigenvalue with one eigenvector.
        let j = Matrix<Double>([[2, 1, 0], [0, 2, 1], [0, 0, 2]])
        let exact = try j.eigenDecomposition()
        #expect(spectrumDistance(exact.values, [Complex(2.0), Complex(2.0), Complex(2.0)]) == 0)
        // Its eigenvectors all point along e₁: the eigenvector matrix is singular.
        let v = exact.rightVectors!
        for k in 0..<3 { #expect(abs(v[0, k].length - 1) < 1e-12) }
        // Rotated, the triple root splits by about ε^{1/3} ≈ 6e−6 — the known sensitivity of
        // a defective eigenvalue — but stays within that of 2.
        var rng = SeededGenerator(seed: 4)
        let q = randomOrthogonal(3, rng: &rng)
        let a = naiveProduct(naiveProduct(q, j), q.transposed())
        let values = try a.eigenvalues()
        #expect(spectrumDistance(values, [Complex(2.0), Complex(2.0), Complex(2.0)]) < 1e-4)
        let mean = values.reduce(Complex<Double>.zero, +) / 3
        #expect((mean - Complex(2.0)).length < 1e-13, "the trace is preserved to rounding")
    }

    @Test func nonFiniteInputIsRefusedNotHandedToLAPACK() {
        let a = Matrix<Double>([[1, .nan], [0, 1]])
        #expect(throws: LinearAlgebraError.nonFinite("dgeev")) { try a.eigenvalues() }
    }
}
