import Foundation
import Testing
@testable import KoopScope

@Suite("SVD, QR and linear solves")
struct FactorizationTests {
    @Test func svdRecoversAConstructedDecomposition() throws {
        var rng = SeededGenerator(seed: 5)
        let u = randomOrthogonal(6, rng: &rng), v = randomOrthogonal(4, rng: &rng)
        let sigma: [Double] = [5, 2, 0.5, 1e-3]
        var s = Matrix<Double>(rows: 6, columns: 4, repeating: 0)
        for k in 0..<4 { s[k, k] = sigma[k] }
        let a = naiveProduct(naiveProduct(u, s), v.transposed())
        let svd = try a.singularValueDecomposition()
        for k in 0..<4 { #expect(abs(svd.singularValues[k] - sigma[k]) < 1e-14 * 5) }
        #expect(svd.u.rows == 6 && svd.u.columns == 4 && svd.vt.rows == 4 && svd.vt.columns == 4)
        let rebuilt = naiveProduct(naiveProduct(svd.u, .diagonal(svd.singularValues)), svd.vt)
        #expect(maxAbsDifference(rebuilt, a) < 1e-13)
        #expect(maxAbsDifference(naiveProduct(svd.u.transposed(), svd.u), .identity(4)) < 1e-14)
        let full = try a.singularValueDecomposition(full: true)
        #expect(full.u.rows == 6 && full.u.columns == 6)
        #expect(maxAbsDifference(naiveProduct(full.u.transposed(), full.u), .identity(6)) < 1e-14)
        // Wide matrices and single precision.
        let wide = try a.transposed().map { Float($0) }.singularValues()
        for k in 0..<4 { #expect(abs(Double(wide[k]) - sigma[k]) < 1e-5) }
    }

    @Test func rotationsAndRankDeficiency() throws {
        let t = 1.1
        let r = Matrix<Double>([[cos(t), -sin(t)], [sin(t), cos(t)]])
        for s in try r.singularValues() { #expect(abs(s - 1) < 1e-15) }
        // Rank one: an outer product x yᵀ has the single singular value ‖x‖‖y‖.
        let x: [Double] = [1, 2, 2], y: [Double] = [3, 4]
        let outer = Matrix<Double>(rows: 3, columns: 2) { x[$0] * y[$1] }
        let s = try outer.singularValues()
        #expect(abs(s[0] - 15) < 1e-13)
        #expect(abs(s[1]) < 1e-14)
        #expect(try outer.conditionNumber() > 1e14)
    }

    @Test func thinQROfTallAndWideMatrices() throws {
        var rng = SeededGenerator(seed: 6)
        for (m, n) in [(8, 3), (3, 5), (4, 4)] {
            let a = Matrix<Double>(rows: m, columns: n) { _, _ in rng.nextGaussian() }
            let qr = try a.qrDecomposition()
            let k = min(m, n)
            #expect(qr.q.rows == m && qr.q.columns == k && qr.r.rows == k && qr.r.columns == n)
            #expect(maxAbsDifference(naiveProduct(qr.q, qr.r), a) < 1e-13)
            #expect(maxAbsDifference(naiveProduct(qr.q.transposed(), qr.q), .identity(k)) < 1e-14)
            for i in 0..<k { for j in 0..<min(i, n) { #expect(qr.r[i, j] == 0) } }
        }
    }

    @Test func generalSolveWithAKnownSolution() throws {
        let a = Matrix<Double>([[4, -2, 1], [3, 6, -4], [2, 1, 8]])
        let x = Matrix<Double>([[1, 0], [-2, 1], [0.5, 3]])
        let b = naiveProduct(a, x)
        #expect(maxAbsDifference(try a.solving(b), x) < 1e-14)
        let spd = Matrix<Double>([[4, 1, 0], [1, 3, 1], [0, 1, 2]])
        #expect(maxAbsDifference(try spd.solvingPositiveDefinite(naiveProduct(spd, x)), x) < 1e-14)
    }

    @Test func illConditionedHilbertSystem() throws {
        // The 10×10 Hilbert matrix has condition number about 1.6e13: LU with pivoting is
        // backward stable (tiny residual) while the forward error may grow to about κ·ε.
        let n = 10
        let h = Matrix<Double>(rows: n, columns: n) { 1.0 / Double($0 + $1 + 1) }
        let x = Matrix<Double>(rows: n, columns: 1) { i, _ in Double(i % 3) - 1 }
        let b = naiveProduct(h, x)
        let solved = try h.solving(b)
        let residual = maxAbsDifference(naiveProduct(h, solved), b)
        #expect(residual < 1e-14)
        let kappa = try h.conditionNumber()
        #expect(kappa > 1e13 && kappa < 2e13)
        #expect(maxAbsDifference(solved, x) < kappa * 1e-16 * 100)
    }

    @Test func failuresNameTheRoutineAndTheReason() throws {
        let singular = Matrix<Double>([[1, 2], [2, 4]])
        do {
            _ = try singular.solving(Matrix([[1], [1]]))
            Issue.record("a singular system must throw")
        } catch let error as LinearAlgebraError {
            #expect(error.routine == "dgesv")
            #expect(error.info == 2)
            #expect(error.description.contains("singular"))
        }
        let indefinite = Matrix<Float>([[1, 2], [2, 1]])
        do {
            _ = try indefinite.solvingPositiveDefinite(Matrix([[1], [1]]))
            Issue.record("an indefinite matrix must throw")
        } catch let error as LinearAlgebraError {
            #expect(error.routine == "sposv")
            #expect(error.description.contains("not positive definite"))
        }
        #expect(throws: LinearAlgebraError.self) {
            try Matrix<Double>([[1, .infinity]]).singularValues()
        }
    }
}
