import Foundation
import Testing
@testable import KoopScope

/// Trajectories held in memory analyse, fit and decode as the same states read from a dump do.
@Suite("In-memory analysis")
struct InMemoryAnalysisTests {
    /// The fixture's trajectories taken out of the dump and handed over in memory.
    func fixtureTrajectories(_ name: String) throws -> (Dump, [Trajectory]) {
        let dump = try Dump(path: fixturePath(name))
        return (dump, try (0..<dump.count).map { try dump.read(trajectory: $0) })
    }

    @Test(arguments: [AnalysisDictionary.identity(.fixed(8)), .sigmoid(.kaimingUniform(dimension: 8, koopmanDimension: 10))])
    func aBatchInMemoryGetsTheDumpsNumbers(dictionary: AnalysisDictionary) throws {
        let (dump, trajectories) = try fixtureTrajectories("linear-ragged-f16.h5")
        let analyzer = Analyzer(dictionary: dictionary)
        let fromFile = try analyzer.analyze(dump)
        let inMemory = try analyzer.analyze(try TrajectoryBatch(trajectories: trajectories), source: "memory",
                                            rewards: dump.rewards, groups: dump.groupIDs)
        #expect(inMemory.trajectories.map(\.dsd) == fromFile.trajectories.map(\.dsd))
        #expect(inMemory.trajectories.map(\.eigenvalues) == fromFile.trajectories.map(\.eigenvalues))
        #expect(inMemory.trajectories.map(\.residuals) == fromFile.trajectories.map(\.residuals))
        #expect(inMemory.summary.overall.dsd == fromFile.summary.overall.dsd)
        #expect(inMemory.summary.groups.count == fromFile.summary.groups.count)
        #expect(inMemory.dump.path == "memory" && inMemory.dump.layout == "memory" && inMemory.dump.count == dump.count)
    }

    @Test func aShardOrAMismatchedDictionaryIsRefused() throws {
        let (_, trajectories) = try fixtureTrajectories("linear-padded.h5")
        let batch = try TrajectoryBatch(trajectories: trajectories)
        var settings = AnalysisSettings()
        settings.shard = AnalysisShard(index: 1, count: 2)
        #expect(throws: KoopmanError.self) {
            try Analyzer(dictionary: .identity(.optimal), settings: settings).analyze(batch, source: "memory")
        }
        #expect(throws: KoopmanError.self) {
            try Analyzer(dictionary: .sigmoid(.kaimingUniform(dimension: 5))).analyze(batch, source: "memory")
        }
        let wide = Trajectory(index: 1, states: Matrix(rows: 3, columns: 9, repeating: 0))
        #expect(throws: KoopmanError.self) { try TrajectoryBatch(trajectories: [trajectories[0], wide]) }
    }

    @Test func aFitInMemoryIsTheFitOnTheDump() throws {
        let (dump, trajectories) = try fixtureTrajectories("linear-padded.h5")
        let fitter = DictionaryFitter(options: .init(batch: 3, steps: 6, learningRate: 1e-3, seed: 5, holdout: 0.25))
        let start = KoopmanDictionary.kaimingUniform(dimension: dump.dimension, koopmanDimension: 6, seed: 5)
        let fromFile = try fitter.fit(dump, initial: start)
        let inMemory = try fitter.fit(trajectories.map(\.states), source: "memory", initial: start)
        #expect(inMemory.dictionary.weight == fromFile.dictionary.weight)
        #expect(inMemory.losses == fromFile.losses && inMemory.validationLosses == fromFile.validationLosses)
        #expect(throws: DictionaryError.self) {
            try fitter.fit([Matrix(rows: 4, columns: 3, repeating: 0)], source: "memory", initial: start)
        }
    }

    /// float16 1, −2, +∞ and bfloat16 1.5, NaN by hand; float64 rounds to nearest.
    @Test func elementTypesDecodeAsWorkedByHand() {
        var out = [Float](repeating: 0, count: 3)
        let halves: [UInt16] = [0x3C00, 0xC000, 0x7C00]
        #expect(halves.withUnsafeBytes { StateElementType.float16.decode($0.baseAddress!, count: 3, into: &out) } == 1)
        #expect(out[0] == 1 && out[1] == -2 && out[2] == .infinity)
        let brains: [UInt16] = [0x3FC0, 0x7FC0]
        #expect(brains.withUnsafeBytes { StateElementType.bfloat16.decode($0.baseAddress!, count: 2, into: &out) } == 1)
        #expect(out[0] == 1.5 && out[1].isNaN)
        let doubles: [Double] = [0.1, 1e300]
        #expect(doubles.withUnsafeBytes { StateElementType.float64.decode($0.baseAddress!, count: 2, into: &out) } == 1)
        #expect(out[0] == Float(0.1) && out[1] == .infinity)
    }
}
