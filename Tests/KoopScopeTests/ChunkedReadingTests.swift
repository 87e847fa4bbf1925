import Foundation
import Testing
@testable import KoopScope

/// Chunked dumps read chunk by chunk (stored bytes fetched, inflated and unshuffled on every
/// core): the same values as HDF5's own reading of the contiguous fixture, in every chunk
/// shape, and a clear error for every chunk that cannot be decoded.
@Suite("Reading chunked dumps")
struct ChunkedReadingTests {
    func states(_ name: String, maxTrajectories: Int = 64) throws -> [[Float]] {
        let dump = try Dump(path: fixturePath(name))
        var out: [[Float]] = []
        try dump.forEachBatch(maxTrajectories: maxTrajectories) { batch in
            for t in batch.trajectories { out.append(t.states.elements) }
        }
        return out
    }

    @Test func chunkPerTrajectoryWithShuffleAndGzipEqualsTheContiguousFile() throws {
        let dump = try Dump(path: fixturePath("linear-padded-chunk-per-trajectory.h5"))
        #expect(dump.storage?.chunkShape == [1, 48, 8])
        #expect(dump.storage?.filters == ["shuffle", "gzip 4"])
        #expect(dump.chunkedStates != nil)
        #expect(try states("linear-padded-chunk-per-trajectory.h5") == states("linear-padded.h5"))
    }

    @Test func chunksCuttingEveryAxisEqualTheContiguousFileInFloat16() throws {
        let dump = try Dump(path: fixturePath("linear-padded-cut-chunks.h5"))
        #expect(dump.storage?.chunkShape == [3, 7, 5])
        let reference = try states("linear-padded.h5").map { $0.map { Float(Float16($0)) } }
        // Batches of one trajectory go through the kept chunk row; one batch of all through one read.
        #expect(try states("linear-padded-cut-chunks.h5", maxTrajectories: 1) == reference)
        #expect(try states("linear-padded-cut-chunks.h5", maxTrajectories: 8) == reference)
        // Single trajectories and their first rows, read on their own.
        let first = try dump.read(trajectory: 4, maxRows: 10)
        #expect(first.states.elements == Array(reference[4].prefix(10 * 8)))
    }

    @Test func batchesDoNotCrossRowsOfSharedChunks() throws {
        let dump = try Dump(path: fixturePath("linear-padded-cut-chunks.h5"))
        let ranges = dump.batchRanges(maxTrajectories: 2)
        #expect(ranges == [0..<2, 2..<3, 3..<5, 5..<6, 6..<8])
        #expect(dump.batchRanges(in: 2..<7, maxTrajectories: 8) == [2..<3, 3..<6, 6..<7])
    }

    @Test func bigEndianFloat16ChunksAreSwapped() throws {
        let reference = try states("linear-padded.h5").map { $0.map { Float(Float16($0)) } }
        #expect(try states("linear-padded-f16be-gzip.h5") == reference)
        #expect(try states("linear-ragged-f16.h5") == reference)
    }

    @Test func unshuffleUndoesHDF5sShuffleByHand() {
        // Three 2-byte elements AB CD EF and one trailing byte G, shuffled as A C E B D F G.
        var shuffled: [UInt8] = [0xA, 0xC, 0xE, 0xB, 0xD, 0xF, 0x7]
        var plain = [UInt8](repeating: 0, count: 7)
        shuffled.withUnsafeMutableBytes { s in
            plain.withUnsafeMutableBytes { p in
                ChunkPipeline.unshuffle(s.baseAddress!, count: 7, elementSize: 2, into: p.baseAddress!)
            }
        }
        #expect(plain == [0xA, 0xB, 0xC, 0xD, 0xE, 0xF, 0x7])
        var four: [UInt8] = [1, 5, 2, 6, 3, 7, 4, 8]   // two 4-byte elements 1234 5678
        var out = [UInt8](repeating: 0, count: 8)
        four.withUnsafeMutableBytes { s in
            out.withUnsafeMutableBytes { p in
                ChunkPipeline.unshuffle(s.baseAddress!, count: 8, elementSize: 4, into: p.baseAddress!)
            }
        }
        #expect(out == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func aFilterHDF5CannotDecodeIsRefusedWhenOpening() {
        let path = fixturePath("malformed/lzf-states.h5")
        #expect(throws: DumpError.unsupportedFilter(file: path, dataset: "/hidden_states", filter: "lzf")) {
            _ = try Dump(path: path)
        }
    }

    @Test(arguments: [
        ("chunk-corrupt-deflate.h5", "chunk at 3, 0, 0: its deflate stream is corrupt"),
        ("chunk-truncated-stream.h5", "chunk at 2, 0, 0: its deflate stream is corrupt"),
        ("chunk-wrong-size.h5", "chunk at 5, 0, 0: decodes to 384 bytes, but the chunk shape holds 768"),
    ])
    func undecodableChunksNameTheFileTheDatasetAndTheChunk(name: String, detail: String) throws {
        let path = fixturePath("malformed/" + name)
        let dump = try Dump(path: path)
        do {
            try dump.forEachBatch { _ in }
            Issue.record("\(name) was read")
        } catch let error as DumpError {
            guard case .corruptChunk(let file, let dataset, let text) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(file == path && dataset == "/hidden_states")
            #expect(text.hasPrefix(detail), "\(text)")
        }
        // The trajectories before the bad chunk still read.
        _ = try dump.read(0..<2)
    }
}
