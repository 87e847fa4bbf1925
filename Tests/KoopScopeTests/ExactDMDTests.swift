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
        let dump = try Dump(path: fixture("linear-padded.h5"))
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
}
