import ComplexModule
import Foundation
import Testing
@testable import KoopScope

@Suite("HTML report")
struct HTMLReportTests {
    func syntheticReport(trajectories n: Int, seed: UInt64) throws -> AnalysisReport {
        var rng = SeededGenerator(seed: seed)
        let rows = (0..<n).map { i -> TrajectoryAnalysis in
            var t = TrajectoryAnalysis(index: i, length: 100, group: i / 4, reward: Double(i % 2))
            t.eigenvalues = (0..<50).map { _ in Complex(rng.nextGaussian() * 0.4, rng.nextGaussian() * 0.4) }
            t.residuals = (0..<50).map { _ in abs(rng.nextGaussian()) }
            t.singularValues = (0..<50).map { _ in abs(rng.nextGaussian()) }
            t.dsd = DSD.paper(t.eigenvalues)
            t.dsdReference = DSD.reference(t.singularValues)
            (t.dsdFiltered, t.kept) = DSD.filtered(t.eigenvalues, residuals: t.residuals, threshold: 0.5)
            return t
        }
        let dump = try Dump(path: fixturePath("linear-padded.h5"))
        let header = AnalysisHeader(dump: dump, dictionary: .identity(.optimal), settings: AnalysisSettings())
        return AnalysisReport(header: header, trajectories: rows, summary: AnalysisSummary(rows.map(SummaryRecord.init)))
    }

    @Test func largeInputsAreBinnedAndDecimatedAndStaySmall() throws {
        let report = try syntheticReport(trajectories: 400, seed: 1)   // 20 000 eigenvalues
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines = ""
        for step in 0..<5000 { lines += "{\"step\": \(step), \"actor/entropy\": \(sin(Double(step) / 50))}\n" }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("long-run"), withIntermediateDirectories: true)
        try lines.write(to: dir.appendingPathComponent("long-run/metrics.jsonl"), atomically: true, encoding: .utf8)
        let run = try TrainingRun(directory: dir.appendingPathComponent("long-run").path)
        let page = HTMLReport(analyses: [("big", report)], runs: [run])
        #expect(page.html.contains("class=\"density\""), "20 000 eigenvalues are binned")
        #expect(page.html.utf8.count < 1_500_000, "page is \(page.html.utf8.count) bytes")
        // The entropy curve keeps at most ~1200 of its 5000 points, spikes included.
        let entropy = try #require(page.svgFiles.first { $0.svg.contains("Token entropy") }?.svg)
        let path = try #require(entropy.components(separatedBy: "class=\"series\" d=\"").dropFirst().first?
            .prefix { $0 != "\"" })
        let points = path.filter { $0 == "L" || $0 == "M" }.count
        #expect(points <= 1200 && points >= 600, "\(points) points drawn")
        #expect(page.html.contains("<td>5000</td>"), "the table counts every step")
    }

    @Test func decimationKeepsExtremes() {
        let points = (0..<10_000).map { (Double($0), $0 == 4321 ? 100.0 : sin(Double($0))) }
        let kept = decimate(points, limit: 200)
        #expect(kept.count <= 200)
        #expect(kept.contains { $0.1 == 100 }, "the spike survives")
        #expect(kept.map(\.0) == kept.map(\.0).sorted(), "in step order")
    }

    @Test func niceTicksAndNumbers() {
        #expect(niceTicks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(niceTicks(-1.3, 1.3) == [-1, -0.5, 0, 0.5, 1])
        #expect(Markup.number(0.086123) == "0.08612")
        #expect(Markup.number(12) == "12")
        #expect(Markup.number(.nan) == "–")
        #expect(Markup.escape("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
    }
}
