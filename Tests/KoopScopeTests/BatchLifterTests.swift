import Foundation
import Testing
@testable import KoopScope

/// A lifter that computes σ(x Wᵀ + b) with plain Float64 loops, standing in for the GPU's.
struct LoopLifter: BatchLifter {
    let name = "loops"
    func lift(_ states: UnsafeBufferPointer<Float>, rows: Int, dictionary g: KoopmanDictionary) throws -> [Double] {
        let m = g.koopmanDimension, d = g.dimension
        var out = [Double](repeating: 0, count: rows * m)
        for i in 0..<rows {
            for j in 0..<m {
                var z = Double(g.bias?[j] ?? 0)
                for k in 0..<d { z += Double(states[i * d + k]) * Double(g.weight[j, k]) }
                out[i * m + j] = 1 / (1 + exp(-z))
            }
        }
        return out
    }
}

@Suite("Batch lifters")
struct BatchLifterTests {
    /// A whole dump analysed with the batch lifted elsewhere gives the per-trajectory lift's
    /// numbers (batches of several trajectories of different lengths, so offsets matter).
    @Test func aBatchLifterGivesTheSameAnalysis() throws {
        let dump = try Dump(path: fixturePath("linear-padded.h5"))
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: dump.dimension, koopmanDimension: 6)
        var settings = AnalysisSettings()
        settings.maxTrajectoriesPerBatch = 3
        let plain = try Analyzer(dictionary: .sigmoid(dictionary), settings: settings).analyze(dump)
        settings.lifter = LoopLifter()
        let lifted = try Analyzer(dictionary: .sigmoid(dictionary), settings: settings).analyze(dump)
        #expect(plain.trajectories.count == lifted.trajectories.count && plain.trajectories.count > 3)
        for (a, b) in zip(plain.trajectories, lifted.trajectories) {
            #expect(a.skipped == b.skipped)
            let x = a.dsd, y = b.dsd
            if x.isNaN { #expect(y.isNaN); continue }
            #expect(abs(x - y) <= 1e-5 * max(abs(x), 1e-6), "trajectory \(a.index): \(x) vs \(y)")
        }
    }
}
