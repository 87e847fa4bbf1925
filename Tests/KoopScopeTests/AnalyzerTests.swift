import ComplexModule
import Foundation
import Testing
@testable import KoopScope

@Suite("Analyzer")
struct AnalyzerTests {
    @Test func identityAnalysisOfTheLinearFixtureMatchesTheTruth() throws {
        let dump = try Dump(path: fixturePath("linear-ragged-f16.h5"))
        let report = try Analyzer(dictionary: .identity(.fixed(8))).analyze(dump)
        // |λ| = 0.95, 0.95, 0.8, 0.8, 0.9, 0.7, 0.5, 0.4 → Var = 0.295/7. float16 states: 1e-3.
        for t in report.trajectories {
            #expect(abs(t.dsd - 0.295 / 7) < 1e-3, "trajectory \(t.index): \(t.dsd)")
            #expect(t.rank == 8)
        }
        #expect(report.summary.overall.analyzed == 8)
        #expect(report.summary.groups.count == 4)
        #expect(report.summary.overall.meanReward == 3.0 / 8)
    }

    @Test func streamedAndCollectedResultsAgreeAndSerialise() throws {
        let dump = try Dump(path: fixturePath("linear-padded.h5"))
        var settings = AnalysisSettings()
        settings.maxTrajectoriesPerBatch = 3
        let analyzer = Analyzer(dictionary: .sigmoid(.kaimingUniform(dimension: 8, koopmanDimension: 10)),
                                settings: settings)
        var streamed: [TrajectoryAnalysis] = []
        let (_, summary) = try analyzer.analyze(dump) { streamed.append($0) }
        let report = try analyzer.analyze(dump)
        #expect(streamed.map(\.index) == Array(0..<8))
        #expect(streamed.map(\.dsd) == report.trajectories.map(\.dsd))
        #expect(summary.overall.dsd == report.summary.overall.dsd)
        let json = try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any]
        #expect((json?["trajectories"] as? [Any])?.count == 8)
        let csv = try report.text(.csv).split(separator: "\n")
        #expect(csv.count == 9)
        #expect(try report.text(.table).contains("8 analysed, 0 skipped"))
    }

    @Test func aDictionaryOfTheWrongDimensionIsRefused() throws {
        let dump = try Dump(path: fixturePath("nonfinite-f64.h5"))
        let analyzer = Analyzer(dictionary: .sigmoid(.kaimingUniform(dimension: 8)))
        #expect(throws: DictionaryError.self) { try analyzer.analyze(dump) }
    }
}
