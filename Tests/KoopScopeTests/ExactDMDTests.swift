import ComplexModule
import Foundation
import Testing
@testable import KoopScope

@Suite("Exact DMD under the identity dictionary")
struct ExactDMDTests {
    func trueSpectrum(_ dump: Dump) -> [Complex<Double>] {
        let attributes = Dictionary(uniqueKeysWithValues: dump.attributes.map { ($0.name, $0.value) })
        guard case .reals(let re) = attributes["true_eigenvalues_real"],
              case .reals(let im) = attributes["true_eigenvalues_imag"] else { return [] }
        return zip(re, im).map { Complex($0, $1) }
    }

    @Test func recoversTheKnownEigenvaluesOfTheLinearFixture() throws {
        let dump = try Dump(path: fixturePath("linear-padded.h5"))
        let truth = trueSpectrum(dump)
        #expect(truth.count == 8)
        let a = dump.attributes.first { $0.name == "system_matrix" }!.value
        guard case .reals(let entries) = a else { Issue.record("no system matrix"); return }
        let system = Matrix(rows: 8, columns: 8, elements: entries)
        for trajectory in try dump.read(0..<dump.count).trajectories where trajectory.length >= 30 {
            let dmd = try ExactDMD(states: trajectory.states.map(Double.init), rank: .fixed(8))
            #expect(dmd.rank == 8)
            // Float32 states: the spectrum to about 1e-4.
            #expect(spectrumDistance(dmd.estimate.eigenvalues, truth) < 1e-3, "trajectory \(trajectory.index)")
            for r in dmd.estimate.residuals { #expect(r < 1e-3) }
            // Exact modes are eigenvectors of the system: A φ = λ φ.
            let (values, modes) = try dmd.modes()
            for j in 0..<8 {
                var worst = 0.0, norm = 0.0
                for i in 0..<8 {
                    var aphi = Complex<Double>.zero
                    for l in 0..<8 { aphi = aphi + Complex(system[i, l]) * modes[l, j] }
                    worst = max(worst, (aphi - values[j] * modes[i, j]).length)
                    norm = max(norm, modes[i, j].length)
                }
                #expect(worst < 1e-3 * norm)
            }
        }
    }

    @Test func rankSelectionRules() {
        // Energy: σ² = 100, 1, 0.01 of 101.01 → cumulative 0.990001, 0.999901, 1.
        #expect(RankSelection.energy(0.995).rank(singularValues: [10, 1, 0.1], rows: 3, columns: 10) == 2)
        #expect(RankSelection.energy(0.99).rank(singularValues: [10, 1, 0.1], rows: 3, columns: 10) == 1)
        #expect(RankSelection.energy(0.99995).rank(singularValues: [10, 1, 0.1], rows: 3, columns: 10) == 3)
        // Gavish–Donoho for a 3×10 matrix: β = 0.3, ω = 0.56β³ − 0.95β² + 1.82β + 1.43 = 1.90562;
        // the median singular value 1 gives τ = 1.90562, so only σ = 10 stays.
        #expect(RankSelection.optimal.rank(singularValues: [10, 1, 0.1], rows: 3, columns: 10) == 1)
        // 10×5: β = 0.5, ω = 0.07 − 0.2375 + 0.91 + 1.43 = 2.1725; median 1 → σ = 10 and 8 stay.
        #expect(RankSelection.optimal.rank(singularValues: [10, 8, 1, 0.5, 0.2], rows: 10, columns: 5) == 2)
        #expect(RankSelection.optimal.rank(singularValues: [10, 8, 1, 0.5, 0.2], rows: 5, columns: 10) == 2)
        #expect(RankSelection.optimal.rank(singularValues: [4, 3, 2, 1, 0.5], rows: 10, columns: 5) == 1)
        #expect(RankSelection.fixed(5).rank(singularValues: [3, 2], rows: 2, columns: 2) == 2)
        #expect(RankSelection.optimal.rank(singularValues: [0, 0], rows: 2, columns: 2) == 0)
        #expect(RankSelection(argument: "optimal") == .optimal)
        #expect(RankSelection(argument: "12") == .fixed(12))
        #expect(RankSelection(argument: "0.9") == .energy(0.9))
        for bad in ["0", "-3", "1.5", "x", "1.0"] { #expect(RankSelection(argument: bad) == nil, "\(bad)") }
    }

    @Test func constantAndZeroTrajectories() throws {
        // A constant trajectory has rank one and the eigenvalue 1.
        let constant = Matrix<Double>(rows: 5, columns: 3) { _, j in Double(j + 1) }
        let dmd = try ExactDMD(states: constant, rank: .optimal)
        #expect(dmd.rank == 1)
        #expect(abs(dmd.estimate.eigenvalues[0].real - 1) < 1e-14)
        #expect(throws: KoopmanError.self) {
            try ExactDMD(states: Matrix(rows: 4, columns: 3, repeating: 0), rank: .optimal)
        }
    }

    /// Ã = U_rᵀ Y V_r Σ_r⁻¹ from the SVD of the snapshot matrix itself (`dgesdd`), the textbook
    /// route the Gram-matrix implementation must agree with.
    func svdReference(_ states: Matrix<Double>, rank r: Int) throws -> (sigma: [Double], eigenvalues: [Complex<Double>]) {
        let t = states.rows
        let past = states.rows(0..<(t - 1)), future = states.rows(1..<t)
        let svd = try past.singularValueDecomposition()   // Xᵀ = U' Σ V'ᵀ: U = V', V = U'
        let u = svd.vt.rows(0..<r).transposed()          // d×r
        let v = Matrix(rows: t - 1, columns: r) { i, j in svd.u[i, j] }
        var yv = future.multiplied(by: v, transposingSelf: true)    // d×r
        for i in 0..<yv.rows { for j in 0..<r { yv[i, j] /= svd.singularValues[j] } }
        let atilde = u.multiplied(by: yv, transposingSelf: true)
        return (svd.singularValues, try atilde.eigenvalues())
    }

    /// A noisy stable linear system in d dimensions, T steps.
    func noisyTrajectory(length: Int, dimension d: Int, seed: UInt64) -> Matrix<Double> {
        var rng = SeededGenerator(seed: seed)
        let q = randomOrthogonal(d, rng: &rng)
        let a = Matrix(rows: d, columns: d) { i, j in 0.9 * q[i, j] }
        var x = Matrix<Double>(rows: length, columns: d, repeating: 0)
        for j in 0..<d { x[0, j] = rng.nextGaussian() }
        for s in 1..<length {
            let next = a.multiplied(by: x.row(s - 1))
            for j in 0..<d { x[s, j] = next[j] + 0.05 * rng.nextGaussian() }
        }
        return x
    }

    @Test(arguments: [(200, 12, 12), (200, 30, 8), (25, 60, 24), (25, 60, 5)])
    func gramRouteEqualsTheSVDOfTheSnapshots(length: Int, dimension: Int, rank: Int) throws {
        // d < T − 1 takes the d×d Gram matrix, d > T − 1 the (T − 1)×(T − 1) one.
        let states = noisyTrajectory(length: length, dimension: dimension, seed: UInt64(length * dimension + rank))
        let dmd = try ExactDMD(states: states, rank: .fixed(rank))
        let reference = try svdReference(states, rank: rank)
        #expect(dmd.rank == rank)
        for (mine, theirs) in zip(dmd.snapshotSingularValues, reference.sigma) {
            #expect(abs(mine - theirs) < 1e-9 * reference.sigma[0])
        }
        #expect(spectrumDistance(dmd.estimate.eigenvalues, reference.eigenvalues) < 1e-9)
        // The POD modes are orthonormal and Ψ_XᵀΨ_X = Σ².
        let gram = dmd.podModes.multiplied(by: dmd.podModes, transposingSelf: true)
        #expect(maxAbsDifference(gram, .identity(rank)) < 1e-10)
        let psi = dmd.psiX.multiplied(by: dmd.psiX, transposingSelf: true)
        for j in 0..<rank { #expect(abs(psi[j, j] - reference.sigma[j] * reference.sigma[j]) < 1e-8 * psi[0, 0]) }
    }

    @Test func symmetricEigenOfAHandWorkedMatrix() throws {
        // [[2, 1, 0], [1, 2, 0], [0, 0, 5]]: eigenvalues 5, 3, 1 with vectors e₃, (1, 1, 0)/√2, (1, −1, 0)/√2.
        let g = Matrix<Double>(rows: 3, columns: 3, elements: [2, 1, 0, 1, 2, 0, 0, 0, 5])
        var seen: [Double] = []
        let top = try SymmetricEigen(g) { values in
            seen = values
            return 2
        }
        #expect(zip(top.values, [5.0, 3, 1]).allSatisfy { abs($0 - $1) < 1e-14 })
        #expect(seen == top.values)
        #expect(top.vectors.rows == 3 && top.vectors.columns == 2)
        #expect(abs(abs(top.vectors[2, 0]) - 1) < 1e-14)
        #expect(abs(abs(top.vectors[0, 1]) - 0.5.squareRoot()) < 1e-14)
        #expect(abs(top.vectors[0, 1] - top.vectors[1, 1]) < 1e-14 && abs(top.vectors[2, 1]) < 1e-14)
        #expect(throws: LinearAlgebraError.self) {
            try SymmetricEigen(Matrix(rows: 2, columns: 2, elements: [1, .nan, .nan, 1])) { _ in 1 }
        }
    }
}
