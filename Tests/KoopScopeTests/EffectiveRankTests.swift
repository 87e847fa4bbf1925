import Foundation
import Testing
@testable import KoopScope

/// The effective rank (exp of the entropy of the normalised singular values) against hand-worked
/// values, in the analysis's outputs, and its differences over a series.
@Suite("Effective rank")
struct EffectiveRankTests {
    /// σ = (3, 1): p = (3/4, 1/4), H = −(¾ ln ¾ + ¼ ln ¼) = 0.562335…, exp H = 1.754765….
    static let threeAndOne = 1.7547653506033232

    /// Rows are the states: a 4 × 3 matrix Q·diag(3, 1, 0)·Rᵀ with Q and R rotations, so its singular
    /// values are 3, 1 and 0 whatever the angles.
    static func states(angle a: Double, _ b: Double) -> Matrix<Double> {
        let q = Matrix<Double>(rows: 4, columns: 3, elements: [cos(a), -sin(a), 0, sin(a), cos(a), 0, 0, 0, 1, 0, 0, 0])
        let r = Matrix<Double>(rows: 3, columns: 3, elements: [1, 0, 0, 0, cos(b), -sin(b), 0, sin(b), cos(b)])
        return Matrix(rows: 4, columns: 3) { i, j in
            (0..<3).reduce(0.0) { s, k in s + q[i, k] * [3.0, 1.0, 0.0][k] * r[j, k] }
        }
    }

    @Test func handWorkedValues() throws {
        #expect(abs(EffectiveRank.of(singularValues: [3, 1]) - Self.threeAndOne) < 1e-6)
        #expect(abs(EffectiveRank.of(singularValues: [2, 2, 2, 2, 2]) - 5) < 1e-12)
        #expect(EffectiveRank.of(singularValues: [7, 0, 0]) == 1)
        #expect(EffectiveRank.of(singularValues: [0, 0]) == 0)
        #expect(EffectiveRank.of(singularValues: [1, .nan]).isNaN)
        #expect(abs(try EffectiveRank.of(Self.states(angle: 0.7, 1.9)) - Self.threeAndOne) < 1e-9)
    }

    @Test func differencesAreVelocityAndAcceleration() {
        let (velocity, acceleration) = EffectiveRank.differences([1, 3, 4, 4, 2])
        #expect(velocity == [nil, 2, 1, 0, -2])
        #expect(acceleration == [nil, nil, -1, -1, -2])
        #expect(EffectiveRank.differences([5]).velocity == [nil])
    }

    /// An analysis asked for it reports each trajectory's effective rank in JSON, CSV, the table
    /// and the summary; one not asked writes none of it.
    @Test func theAnalysisReportsItInEveryFormat() throws {
        let x = Self.states(angle: 0.3, 2.2)
        let trajectory = Trajectory(index: 0, states: Matrix<Float>(rows: 4, columns: 3, elements: x.elements.map(Float.init)))
        let batch = try TrajectoryBatch(trajectories: [trajectory, trajectory])
        var settings = AnalysisSettings()
        settings.effectiveRank = true
        let report = try Analyzer(dictionary: .identity(.fixed(2)), settings: settings).analyze(batch, source: "memory")
        let rank = try #require(report.trajectories[0].effectiveRank)
        #expect(abs(rank - Self.threeAndOne) < 1e-5, "Float32 states")
        #expect(report.summary.overall.effectiveRank.count == 2)
        let json = try report.text(.json)
        #expect(json.contains("\"effective_rank\":true") && json.contains("\"effective_rank\":1.7547"))
        let back = try AnalysisReport(json: Data(json.utf8), path: "a.json")
        #expect(back.trajectories[1].effectiveRank == report.trajectories[1].effectiveRank && back.settings.effectiveRank)
        let csv = try report.text(.csv).split(separator: "\n")
        #expect(csv[0].hasSuffix(",flags,effective_rank") && csv[1].hasPrefix("0,4,") && csv[1].contains(",1.7547"))
        let table = try report.text(.table)
        #expect(table.contains("erank") && table.contains("effective_rank"))
        let plain = try Analyzer(dictionary: .identity(.fixed(2))).analyze(batch, source: "memory")
        #expect(plain.trajectories[0].effectiveRank == nil)
        #expect(try !plain.text(.json).contains("\"effective_rank\":1") && !(try plain.text(.csv)).contains("effective_rank"))
    }
}
