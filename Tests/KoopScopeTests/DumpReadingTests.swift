import Foundation
import Testing
@testable import KoopScope

/// Reads the dumps that `scripts/make-fixtures.py` wrote with h5py.
@Suite("Reading dumps written by h5py")
struct DumpReadingTests {
    /// The system matrix A of the linear fixtures (x_{t+1} = A x_t), from the file's attributes.
    func systemMatrix(_ dump: Dump) throws -> Matrix<Double> {
        let attribute = dump.attributes.first { $0.name == "system_matrix" }?.value
        guard case .reals(let values) = attribute else { throw DumpError.missingStates(file: "no system_matrix") }
        return Matrix(rows: 8, columns: 8, elements: values)
    }

    /// Largest |x_{t+1} − A x_t| over a trajectory, relative to the largest |x_t|.
    func recurrenceError(_ t: Trajectory, _ a: Matrix<Double>) -> Double {
        let x = t.states.map { Double($0) }
        var worst = 0.0, scale = 0.0
        for s in 0..<(x.rows - 1) {
            let next = a.multiplied(by: x.row(s))
            for j in 0..<8 {
                worst = max(worst, abs(next[j] - x[s + 1, j]))
                scale = max(scale, abs(x[s, j]))
            }
        }
        return worst / scale
    }

    @Test func paddedFloat32WithEveryOptionalDataset() throws {
        let dump = try Dump(path: fixturePath("linear-padded.h5"))
        #expect(dump.layout == .padded)
        #expect(dump.count == 8 && dump.dimension == 8 && dump.maxLength == 48)
        #expect(dump.lengths == [48, 40, 33, 48, 25, 44, 48, 30])
        #expect(dump.elementType == .float32 && dump.hasLengths)
        #expect(dump.storage?.chunkShape == nil)
        #expect(dump.rewards == [1, 0, 0, 1, 0, 0, 1, 0])
        #expect(dump.groupIDs == [0, 0, 1, 1, 2, 2, 3, 3])
        #expect(dump.advantages?.first == -1 && dump.advantages?.last == 1)
        #expect(dump.prompts?[3] == "prompt 1 — été")
        #expect(dump.responses?[7] == "response 7")
        let attributes = Dictionary(uniqueKeysWithValues: dump.attributes.map { ($0.name, $0.value) })
        #expect(attributes["format_version"] == .integer(1))
        #expect(attributes["model"] == .string("linear-toy"))
        #expect(attributes["layer"] == .integer(-1))
        let a = try systemMatrix(dump)
        let batch = try dump.read(0..<dump.count)
        #expect(batch.states.rows == dump.lengths.reduce(0, +))
        // The padding rows hold NaN in the file: none may be read.
        #expect(batch.nonFiniteCounts == Array(repeating: 0, count: 8))
        for t in batch.trajectories { #expect(recurrenceError(t, a) < 1e-6) }
    }

    @Test func halfPrecisionLayoutsDecodeToTheSameStates() throws {
        let reference = try Dump(path: fixturePath("linear-padded.h5")).read(0..<8)
        let cases: [(String, StateElementType, Dump.Layout, Float)] = [
            ("linear-padded-f16be-gzip.h5", .float16, .padded, 1e-3),
            ("linear-ragged-f16.h5", .float16, .ragged, 1e-3),
            ("linear-padded-bf16.h5", .bfloat16, .padded, 8e-3),
        ]
        for (name, type, layout, tolerance) in cases {
            let dump = try Dump(path: fixturePath(name))
            #expect(dump.elementType == type, "\(name)")
            #expect(dump.layout == layout, "\(name)")
            #expect(dump.lengths == reference.lengths, "\(name)")
            let batch = try dump.read(0..<8)
            #expect(batch.nonFiniteCounts.allSatisfy { $0 == 0 }, "\(name)")
            var worst: Float = 0
            for (x, y) in zip(batch.states.elements, reference.states.elements) {
                worst = max(worst, abs(x - y) / max(abs(y), 1e-3))
            }
            #expect(worst < tolerance, "\(name): worst relative error \(worst)")
        }
        let chunked = try Dump(path: fixturePath("linear-padded-f16be-gzip.h5"))
        #expect(chunked.storage?.chunkShape == [2, 16, 8])
        #expect(chunked.storage?.filters.contains { $0.hasPrefix("gzip") } == true)
    }

    @Test func batchesCoverTheDumpWithBoundedSize() throws {
        let dump = try Dump(path: fixturePath("linear-ragged-f16.h5"))
        #expect(dump.batchRanges(maxTrajectories: 3) == [0..<3, 3..<6, 6..<8])
        // 48 rows × 8 = 384 elements: a budget of 400 allows one trajectory per batch.
        let small = dump.batchRanges(maxTrajectories: 64, maxElements: 400)
        #expect(small.count == 8)
        // At least one trajectory per core, whatever the element budget.
        #expect(dump.batchRanges(maxTrajectories: 64, maxElements: 400, minTrajectories: 2)
                == [0..<2, 2..<4, 4..<6, 6..<8])
        #expect(dump.batchRanges(maxTrajectories: 3, maxElements: 400, minTrajectories: 5)
                == [0..<5, 5..<8], "the minimum wins over the maximum")
        let whole = try dump.read(0..<8)
        var stitched: [Float] = []
        for range in dump.batchRanges(maxTrajectories: 3) { stitched += try dump.read(range).states.elements }
        #expect(stitched == whole.states.elements)
        #expect(try dump.read(trajectory: 4).states == whole.trajectory(4).states)
        // Only the first rows, from both layouts.
        for name in ["linear-ragged-f16.h5", "linear-padded-f16be-gzip.h5"] {
            let d = try Dump(path: fixturePath(name))
            let full = try d.read(trajectory: 2)
            let head = try d.read(trajectory: 2, maxRows: 10)
            #expect(head.length == 10 && head.states == full.states.rows(0..<10), "\(name)")
            #expect(try d.read(trajectory: 4, maxRows: 1000).length == d.lengths[4])
        }
        #expect(throws: DumpError.self) { try dump.read(5..<9) }
    }

    @Test func nonFiniteValuesAreCountedPerTrajectory() throws {
        let dump = try Dump(path: fixturePath("nonfinite-f64.h5"))
        #expect(dump.elementType == .float64 && !dump.hasLengths)
        #expect(dump.lengths == [10, 10, 10, 10])
        #expect(try dump.read(0..<4).nonFiniteCounts == [0, 1, 2, 0])
        #expect(dump.rewards == nil && dump.groupIDs == nil && dump.prompts == nil)
    }

    @Test func emptyDumpsAndEmptyTrajectories() throws {
        let empty = try Dump(path: fixturePath("empty.h5"))
        #expect(empty.count == 0 && empty.batchRanges().isEmpty)
        #expect(try empty.read(0..<0).count == 0)
        let ragged = try Dump(path: fixturePath("ragged-with-empty.h5"))
        #expect(ragged.lengths == [3, 0, 2] && ragged.dimension == 2)
        let batch = try ragged.read(0..<3)
        #expect(batch.trajectory(1).length == 0)
        #expect(batch.trajectory(2).states.elements == [0, 1, 2, 3])
    }
}
