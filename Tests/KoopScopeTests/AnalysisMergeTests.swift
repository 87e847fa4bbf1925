import Foundation
import Testing
@testable import KoopScope

/// Sharded analysis: the parts partition the dump, and merging them gives the very report of
/// one unsharded run.
@Suite("Sharded analysis and merging")
struct AnalysisMergeTests {
    func report(_ name: String, shard: AnalysisShard? = nil, ridge: Double = 1e-3) throws -> String {
        let dump = try Dump(path: fixturePath(name))
        var settings = AnalysisSettings(estimator: .ridge(delta: ridge))
        settings.shard = shard
        settings.maxTrajectoriesPerBatch = 3
        let analyzer = Analyzer(dictionary: .sigmoid(.kaimingUniform(dimension: 8, koopmanDimension: 6)),
                                settings: settings)
        return try analyzer.analyze(dump).text(.json)
    }

    @Test func shardsPartitionTheTrajectoriesInOrder() {
        for n in [0, 1, 7, 8, 100] {
            for count in 1...9 {
                let parts = (1...count).map { AnalysisShard(index: $0, count: count)!.trajectories(of: n) }
                #expect(parts.first?.lowerBound == 0 && parts.last?.upperBound == n)
                for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
                #expect(parts.map(\.count).max()! - parts.map(\.count).min()! <= 1)
            }
        }
        #expect(AnalysisShard(argument: "2/3") == AnalysisShard(index: 2, count: 3))
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/2/3"] { #expect(AnalysisShard(argument: bad) == nil) }
    }

    @Test(arguments: [1, 2, 3, 8])
    func mergedPartsEqualTheUnshardedReportByteForByte(count: Int) throws {
        let whole = try report("linear-padded.h5")
        var parts = try (1...count).map { k in
            (path: "part\(k).json", text: try report("linear-padded.h5", shard: AnalysisShard(index: k, count: count)))
        }
        parts.reverse()
        #expect(try AnalysisMerge.merge(parts) == whole)
    }

    @Test func partsThatDoNotBelongTogetherAreRefusedNamingThePart() throws {
        let one = try report("linear-padded.h5", shard: AnalysisShard(index: 1, count: 2))
        let two = try report("linear-padded.h5", shard: AnalysisShard(index: 2, count: 2))
        #expect(throws: MergeError.missing(shards: [2], count: 2, missing: 1)) { try AnalysisMerge.merge([("a", one)]) }
        #expect(throws: MergeError.repeated(path: "b", shard: "1/2", other: "a")) {
            try AnalysisMerge.merge([("a", one), ("b", one), ("c", two)])
        }
        let otherDump = try report("linear-padded-bf16.h5", shard: AnalysisShard(index: 2, count: 2))
        #expect(throws: MergeError.mismatch(path: "b", what: "dump", other: "a")) {
            try AnalysisMerge.merge([("a", one), ("b", otherDump)])
        }
        let otherSettings = try report("linear-padded.h5", shard: AnalysisShard(index: 2, count: 2), ridge: 0.1)
        #expect(throws: MergeError.mismatch(path: "b", what: "settings", other: "a")) {
            try AnalysisMerge.merge([("a", one), ("b", otherSettings)])
        }
        let ofThree = try report("linear-padded.h5", shard: AnalysisShard(index: 2, count: 3))
        #expect(throws: MergeError.mismatch(path: "b", what: "number of shards", other: "a")) {
            try AnalysisMerge.merge([("a", one), ("b", ofThree)])
        }
        #expect(throws: MergeError.notAPart(path: "w")) { try AnalysisMerge.merge([("w", try report("linear-padded.h5"))]) }
        #expect(throws: MergeError.noParts) { try AnalysisMerge.merge([]) }
        do {
            _ = try AnalysisMerge.merge([("a", one), ("b", "{\"format\": 3}")])
            Issue.record("merged a non-part")
        } catch let error as MergeError {
            guard case .malformed(let path, _) = error else { Issue.record("\(error)"); return }
            #expect(path == "b")
        }
    }
}
