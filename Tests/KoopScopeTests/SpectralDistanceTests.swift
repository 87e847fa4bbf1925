import ComplexModule
import Foundation
import Testing
@testable import KoopScope

/// Optimal transport and W1 between spectra against scipy (Fixtures/transport.json), hand-worked
/// cases, and the bound of the binned distance; `SpectralComparison`'s pairing and refusals.
@Suite("Distances between spectra")
struct SpectralDistanceTests {
    @Test func transportByHand() throws {
        // Moving source 0 to sink 1 and 1 to 0 costs 1 + 2; the other way 4 + 8.
        let plan = try OptimalTransport(costs: [4, 1, 2, 8], sources: [1, 1], sinks: [1, 1])
        #expect(plan.cost == 3 && plan.flow == [0, 1, 1, 0])
        // One source of mass 2 split between two sinks.
        #expect(try OptimalTransport(costs: [1, 3], sources: [2], sinks: [1, 1]).cost == 4)
        #expect(throws: KoopmanError.self) { try OptimalTransport(costs: [1, 2], sources: [1], sinks: [1, 2]) }
        #expect(throws: KoopmanError.self) { try OptimalTransport(costs: [.nan], sources: [1], sinks: [1]) }
        let a = [Complex(0.9, 0.1), Complex(0.9, -0.1)], b = [Complex(0.5, 0.0), Complex(0.9, 0.1)]
        #expect(abs(try SpectralDistance.wasserstein1(a, b) - Complex(0.4, -0.1).length / 2) < 1e-15)
        #expect(try SpectralDistance.wasserstein1(a, a) == 0)
        #expect(try SpectralDistance.wasserstein1([], a).isNaN)
    }

    @Test func equalsScipyOnRandomSets() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath("transport.json")))
        let root = try JSONValue(parsing: data)
        let cases = try #require(root["cases"]?.array)
        #expect(cases.count >= 10)
        for (k, c) in cases.enumerated() {
            func set(_ key: String) -> [Complex<Double>] {
                (c[key]?.array ?? []).map { Complex($0[0]?.double ?? .nan, $0[1]?.double ?? .nan) }
            }
            let a = set("a"), b = set("b"), expected = try #require(c["w1"]?.double)
            let w = try SpectralDistance.wasserstein1(a, b)
            #expect(abs(w - expected) <= 1e-9 * max(1, expected), "case \(k) (\(a.count) × \(b.count), \(c["solver"]?.string ?? "")): \(w) against \(expected)")
            // W1 is symmetric.
            #expect(abs(try SpectralDistance.wasserstein1(b, a) - w) <= 1e-12)
        }
    }

    @Test func theBinnedDistanceIsWithinItsBound() throws {
        var rng = SeededGenerator(seed: 9)
        for (n, m) in [(200, 200), (150, 230)] {
            let a = (0..<n).map { _ in Complex(rng.nextGaussian() * 0.3 + 0.5, rng.nextGaussian() * 0.3) }
            let b = (0..<m).map { _ in Complex(rng.nextGaussian() * 0.3 + 0.4, rng.nextGaussian() * 0.4) }
            let exact = try SpectralDistance.wasserstein1(a, b)
            for bins in [4, 16, 64] {
                let (w, bound) = try SpectralDistance.binnedWasserstein1(a, b, bins: bins)
                #expect(abs(w - exact) <= bound, "\(n) × \(m), \(bins) bins: \(w) against \(exact), bound \(bound)")
            }
        }
    }

    /// An analysis of the same states with a few eigenvalues moved: W1 per pair and pooled, and the
    /// DSD test, against what those moves give; and each refusal names the file and what differs.
    @Test func comparisonsPairByIndexAndRefuseOtherAnalyses() throws {
        let report = try Analyzer(dictionary: .identity(.fixed(4))).analyze(try Dump(path: fixturePath("linear-padded.h5")))
        var moved = report
        moved.trajectories[2].eigenvalues[0] += Complex(0.5, 0)
        moved.trajectories[2].dsd += 0.25
        let c = try SpectralComparison(report, path: "a.json", moved, path: "b.json")
        #expect(c.pairs.count == 8 && c.pairs.map(\.index) == Array(0..<8))
        #expect(c.pairs[0].distance == 0)
        let expected = try SpectralDistance.wasserstein1(report.trajectories[2].eigenvalues, moved.trajectories[2].eigenvalues)
        #expect(c.pairs[2].distance == expected && expected > 0 && expected <= 0.5 / 4 + 1e-15)
        #expect(c.pooled.method == "exact" && c.pooled.distance > 0 && c.pooled.distance <= 0.5 / 32 + 1e-15)
        #expect(c.dsd.pairs == 8 && abs(c.dsd.meanDifference - 0.25 / 8) < 1e-12)
        // The JSON form reads back with the same numbers.
        let back = try SpectralComparison(json: Data(try c.text(.json).utf8), path: "c.json")
        #expect(back.pairs.map(\.distance) == c.pairs.map(\.distance) && back.pooled.distance == c.pooled.distance)
        #expect(back.dsd == c.dsd)

        var fewer = report
        fewer.trajectories.removeLast()
        #expect(throws: ReportError.incomparable(path: "b.json", other: "a.json", detail: "it holds 7 trajectories, the other 8")) {
            try SpectralComparison(report, path: "a.json", fewer, path: "b.json")
        }
        var otherSettings = report
        otherSettings.header.settings.residualThreshold = 0.1
        #expect(throws: ReportError.incomparable(path: "b.json", other: "a.json",
                                                 detail: "settings.residual_threshold is 0.1, the other's 0.5")) {
            try SpectralComparison(report, path: "a.json", otherSettings, path: "b.json")
        }
        var otherPrompts = report
        otherPrompts.header.dump.promptsSHA256 = "f00d"
        var withPrompts = report
        withPrompts.header.dump.promptsSHA256 = "beef"
        #expect(throws: ReportError.incomparable(path: "b.json", other: "a.json",
                                                 detail: "its dump's prompts differ (prompts_sha256 f00d… against beef…)")) {
            try SpectralComparison(withPrompts, path: "a.json", otherPrompts, path: "b.json")
        }
        var otherGroups = report
        otherGroups.trajectories[3].group = 99
        #expect(throws: ReportError.self) { try SpectralComparison(report, path: "a.json", otherGroups, path: "b.json") }
        // Two layers of one dump are the same prompts: a layer-wise study.
        var otherLayer = report
        otherLayer.header.dump.layer = 3
        #expect(try SpectralComparison(report, path: "a.json", otherLayer, path: "b.json").pairs.count == 8)
    }
}
