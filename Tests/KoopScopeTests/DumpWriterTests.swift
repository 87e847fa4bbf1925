import Foundation
import Testing
@testable import KoopScope

@Suite("Writing dumps")
struct DumpWriterTests {
    func randomTrajectories(_ lengths: [Int], d: Int, seed: UInt64) -> [Matrix<Float>] {
        var rng = SeededGenerator(seed: seed)
        return lengths.map { t in Matrix(rows: t, columns: d) { _, _ in Float(rng.nextGaussian() * 3) } }
    }

    @Test(arguments: [Dump.Layout.padded, .ragged], StateElementType.allCases)
    func roundTrip(layout: Dump.Layout, type: StateElementType) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("dump.h5").path
        let lengths = [5, 0, 9, 7]
        let trajectories = randomTrajectories(lengths, d: 6, seed: 11)
        let writer = try DumpWriter(path: path, count: 4, maxLength: 9, dimension: 6,
                                    options: .init(layout: layout, elementType: type, chunkRows: 4,
                                                   gzipLevel: type == .float16 ? 5 : nil))
        for (i, x) in trajectories.enumerated() { try writer.write(x, at: i) }
        writer.rewards = [1, 0, 0.5, 1]
        writer.groupIDs = [0, 0, 1, 1]
        writer.advantages = [0.1, -0.1, 0, 2]
        writer.prompts = ["a", "b", "c", "ünïcode"]
        writer.responses = ["", "x", "y", "z"]
        writer.attributes = [("format_version", .integer(1)), ("model", .string("toy")),
                             ("step", .real(12.5)), ("layers", .integers([1, 2])), ("tags", .strings(["p", "q"]))]
        #expect(!FileManager.default.fileExists(atPath: path), "nothing at the destination before finish()")
        try writer.finish()
        let dump = try Dump(path: path)
        #expect(dump.layout == layout && dump.elementType == type)
        #expect(dump.lengths == lengths && dump.dimension == 6)
        #expect(dump.rewards == [1, 0, 0.5, 1] && dump.groupIDs == [0, 0, 1, 1])
        #expect(dump.advantages == [0.1, -0.1, 0, 2])
        #expect(dump.prompts == ["a", "b", "c", "ünïcode"] && dump.responses == ["", "x", "y", "z"])
        let attributes = Dictionary(uniqueKeysWithValues: dump.attributes.map { ($0.name, $0.value) })
        #expect(attributes["model"] == .string("toy") && attributes["step"] == .real(12.5))
        #expect(attributes["layers"] == .integers([1, 2]) && attributes["tags"] == .strings(["p", "q"]))
        let batch = try dump.read(0..<4)
        // Relative rounding error of each format: half an ulp at 11, 8, 24 and 53 bits.
        let bound: Float = switch type {
        case .float16: 0x1p-11
        case .bfloat16: 0x1p-8
        case .float32, .float64: 0
        }
        for (k, x) in trajectories.enumerated() {
            let y = batch.trajectory(k).states
            #expect(y.rows == x.rows)
            for (a, b) in zip(x.elements, y.elements) { #expect(abs(a - b) <= bound * abs(a) + 1e-7) }
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(leftovers == ["dump.h5"], "no temporary file is left behind")
    }

    /// Token ids are stored padded with −1 (N × P_max, N × T_max) and come back without it.
    @Test(arguments: [Dump.Layout.padded, .ragged])
    func tokenIDsRoundTrip(layout: Dump.Layout) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ids.h5").path
        let trajectories = randomTrajectories([3, 1, 0], d: 2, seed: 3)
        let writer = try DumpWriter(path: path, count: 3, maxLength: 3, dimension: 2, options: .init(layout: layout))
        for (i, x) in trajectories.enumerated() { try writer.write(x, at: i) }
        writer.promptIDs = [[5, 6], [7], [8, 9, 10, 11]]
        writer.responseIDs = [[1, 2, 0], [4], []]
        try writer.finish()
        let dump = try Dump(path: path)
        #expect(dump.promptIDs == [[5, 6], [7], [8, 9, 10, 11]])
        #expect(dump.responseIDs == [[1, 2, 0], [4], []])

        let bad = dir.appendingPathComponent("bad-ids.h5").path
        let badWriter = try DumpWriter(path: bad, count: 1, maxLength: 2, dimension: 2)
        try badWriter.write(trajectories[0].rows(0..<2), at: 0)
        badWriter.promptIDs = [[3, -4]]
        try badWriter.finish()
        #expect(throws: DumpError.invalidTokenIDs(file: bad, dataset: "/prompt_ids",
                                                  detail: "row 0 has an id below 0, or ids after its −1 padding")) {
            try Dump(path: bad)
        }
        let tooLong = try DumpWriter(path: dir.appendingPathComponent("long.h5").path, count: 1, maxLength: 2, dimension: 2)
        tooLong.responseIDs = [[1, 2, 3]]
        #expect(throws: DumpError.self) { try tooLong.finish() }
    }

    @Test func anEmptyDumpWithEmptyTextAndArrayAttributes() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("empty.h5").path
        let writer = try DumpWriter(path: path, count: 0, maxLength: 0, dimension: 3, options: .init(layout: .ragged))
        writer.prompts = []
        writer.rewards = []
        writer.attributes = [("tags", .strings([])), ("values", .reals([]))]
        try writer.finish()
        let dump = try Dump(path: path)
        #expect(dump.count == 0 && dump.prompts == [] && dump.rewards == [])
        #expect(dump.attributes.first { $0.name == "tags" }?.value == .strings([]))
    }

    @Test func abandonedOrFailedWritesLeaveNothing() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("dump.h5").path
        do {
            let writer = try DumpWriter(path: path, count: 2, maxLength: 3, dimension: 2)
            try writer.write(Matrix(rows: 3, columns: 2, repeating: 1), at: 0)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        let writer = try DumpWriter(path: path, count: 2, maxLength: 3, dimension: 2)
        #expect(throws: DumpError.self) { try writer.write(Matrix(rows: 4, columns: 2, repeating: 1), at: 0) }
        #expect(throws: DumpError.self) { try writer.write(Matrix(rows: 1, columns: 3, repeating: 1), at: 0) }
        #expect(throws: DumpError.self) { try writer.write(Matrix(rows: 1, columns: 2, repeating: 1), at: 2) }
        writer.rewards = [1]
        #expect(throws: DumpError.wrongCount(file: path, dataset: "/rewards", count: 1, expected: 2)) {
            try writer.finish()
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(throws: DumpError.self) {
            try DumpWriter(path: "/nonexistent-dir/dump.h5", count: 1, maxLength: 1, dimension: 1)
        }
    }

    @Test func halfPrecisionRoundingAndSpecialValues() {
        // Ties go to even; values past the largest finite float16 become infinity.
        #expect(HalfPrecision.float16Bits(1 + 0x1p-11) == 0x3C00)
        #expect(HalfPrecision.float16Bits(1 + 3 * 0x1p-11) == 0x3C02)
        #expect(HalfPrecision.float16Bits(70000) == 0x7C00)
        #expect(HalfPrecision.bfloat16Bits(1 + 0x1p-8) == 0x3F80)
        #expect(HalfPrecision.bfloat16Bits(1 + 3 * 0x1p-8) == 0x3F82)
        #expect(HalfPrecision.bfloat16Bits(.nan) & 0x7FC0 == 0x7FC0)
        let bits: [UInt16] = [0x3C00, 0xC000, 0x0001, 0x7C00, 0xFE00]
        var out = [Float](repeating: 0, count: 5)
        let nonFinite = HalfPrecision.decodeFloat16(bits, count: 5, into: &out)
        #expect(out[0] == 1 && out[1] == -2 && out[2] == 0x1p-24 && out[3] == .infinity && out[4].isNaN)
        #expect(nonFinite == 2)
        let bf: [UInt16] = [0x3F80, 0xC040, 0x7F80]
        #expect(HalfPrecision.decodeBFloat16(bf, count: 3, into: &out) == 1)
        #expect(out[0] == 1 && out[1] == -3 && out[2] == .infinity)
    }
}
