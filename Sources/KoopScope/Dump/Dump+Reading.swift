import Dispatch
import FoundationEssentials
import Glibc

extension Dump {
    /// Splits the dump (or its trajectories `range`) into consecutive ranges of at most
    /// `maxTrajectories` trajectories and, beyond the first `minTrajectories` of a range, at
    /// most `maxElements` state entries, so that a batch's memory is bounded whatever the
    /// file's size. (A caller that spreads a
    /// batch's trajectories over the cores asks for at least one per core.)
    ///
    /// When chunks of a chunked dump hold several trajectories, no range crosses a boundary
    /// between chunks, so that each chunk is inflated once.
    public func batchRanges(in range: Range<Int>? = nil, maxTrajectories: Int = AnalysisConfiguration.defaults.batchSize, maxElements: Int = AnalysisSettings.defaultElementsPerBatch,
                            minTrajectories: Int = 1) -> [Range<Int>]
    {
        let range = (range ?? 0..<count).clamped(to: 0..<count)
        let maxTrajectories = max(1, maxTrajectories), maxElements = max(1, maxElements)
        let minTrajectories = max(1, minTrajectories)
        let alignment = slabAlignment
        var ranges: [Range<Int>] = []
        var start = range.lowerBound, elements = 0
        for i in range {
            let size = lengths[i] * dimension
            let boundary = alignment > 1 && i > start && i % alignment == 0
            if boundary || i - start >= minTrajectories && (i - start >= maxTrajectories || elements + size > maxElements) {
                ranges.append(start..<i)
                start = i
                elements = 0
            }
            elements += size
        }
        if start < range.upperBound { ranges.append(start..<range.upperBound) }
        return ranges
    }

    /// Reads one trajectory, or only its first `maxRows` states.
    public func read(trajectory index: Int, maxRows: Int? = nil) throws -> Trajectory {
        var scratch = ReadScratch()
        return try read(index..<(index + 1), maxRows: maxRows, scratch: &scratch).trajectory(0)
    }

    /// Reads the dump (or the trajectories `range`) batch by batch (see
    /// ``batchRanges(in:maxTrajectories:maxElements:minTrajectories:)``) and calls `body` with
    /// each. Memory is reused from one batch to the next, so neither the allocation nor the
    /// page faults of a fresh batch are paid again — unless `body` keeps the batch, which then
    /// keeps its own copy.
    ///
    /// ```swift
    /// try dump.forEachBatch { batch in
    ///     for trajectory in batch.trajectories { print(trajectory.states.rows) }
    /// }
    /// ```
    public func forEachBatch(in range: Range<Int>? = nil, maxTrajectories: Int = AnalysisConfiguration.defaults.batchSize, maxElements: Int = AnalysisSettings.defaultElementsPerBatch,
                             minTrajectories: Int = 1, _ body: (TrajectoryBatch) throws -> Void) throws {
        var scratch = ReadScratch()
        let ranges = batchRanges(in: range, maxTrajectories: maxTrajectories, maxElements: maxElements,
                                 minTrajectories: minTrajectories)
        for (k, range) in ranges.enumerated() {
            if k == 0 { prefetch(range) }
            if k + 1 < ranges.count { prefetch(ranges[k + 1]) }
            try body(try read(range, scratch: &scratch))
        }
    }

    /// Reads the trajectories `range`, decoded to Float32, padding rows never read.
    public func read(_ range: Range<Int>) throws -> TrajectoryBatch {
        var scratch = ReadScratch()
        return try read(range, scratch: &scratch)
    }

    /// Reads `range` into the memory of `scratch`, which the returned batch shares; with
    /// `maxRows`, only the first `maxRows` states of each trajectory are read.
    func read(_ range: Range<Int>, maxRows: Int? = nil, scratch: inout ReadScratch) throws -> TrajectoryBatch {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw DumpError.outOfRange(file: path, detail: "trajectories \(range) requested, the dump holds \(count)")
        }
        let lengths = self.lengths[range].map { min($0, maxRows ?? Int.max) }
        var offsets: [Int] = []
        var rows = 0
        for length in lengths {
            offsets.append(rows)
            rows += length
        }
        let d = dimension
        var nonFinite = [Int](repeating: 0, count: lengths.count)
        ReadScratch.resize(&scratch.states, to: rows * d)
        do {
            try scratch.states.withUnsafeMutableBufferPointer { out in
                switch layout {
                case .padded:
                    let (dataset, decoding) = paddedStates!
                    let blocks = zip(range, lengths).map { i, t in (start: [i, 0, 0], count: [1, t, d]) }
                    let slab = scratch.slab
                    try Self.readDecoded(decoding, rows: rows, d: d, offsets: offsets, lengths: lengths,
                                         into: out.baseAddress, nonFinite: &nonFinite, raw: &scratch.raw) {
                        memType, buffer in
                        if let chunked = chunkedStates,
                           try readChunks(chunked, range, lengths: lengths, slab: maxRows == nil ? slab : nil,
                                          into: buffer) {
                            return
                        }
                        try dataset.readBlocks(blocks, as: memType, into: buffer)
                    }
                case .ragged:
                    let group = try root.openGroup("trajectories")
                    let groupDtype = try group.attribute("dtype")
                    for (k, i) in range.enumerated() where lengths[k] > 0 {
                        let dataset = try group.openDataset(String(i))
                        guard case .success(let decoding) = try StateDecoding.resolve(
                            dataset, dtypeAttribute: try dataset.location.attribute("dtype") ?? groupDtype)
                        else { continue }   // validated when the dump was opened
                        var count = [0]
                        let name = "/trajectories/\(i)"
                        let chunked = try ChunkedStates(file: path, datasetName: name, dataset: dataset,
                                                        descriptor: fileAdvisor?.descriptor)
                        try Self.readDecoded(decoding, rows: lengths[k], d: d, offsets: [0], lengths: [lengths[k]],
                                             into: out.baseAddress! + offsets[k] * d, nonFinite: &count,
                                             raw: &scratch.raw) {
                            memType, buffer in
                            if let chunked, try chunked.read(first: 0, lengths: [lengths[k]], into: buffer) { return }
                            try dataset.readBlocks([(start: [0, 0], count: [lengths[k], d])], as: memType, into: buffer)
                        }
                        nonFinite[k] = count[0]
                    }
                }
            }
        } catch let failure as HDF5Failure {
            throw DumpError.hdf5(file: path, dataset: layout == .padded ? "/hidden_states" : "/trajectories",
                                 detail: failure.description)
        }
        return TrajectoryBatch(indices: range, lengths: lengths, offsets: offsets,
                               states: Matrix(rows: rows, columns: d, elements: scratch.states),
                               nonFiniteCounts: nonFinite)
    }

    /// Trajectories per chunk row when several share chunks and such a row fits the slab
    /// budget (batches are then cut at row boundaries); 1 otherwise.
    var slabAlignment: Int {
        guard let chunked = chunkedStates, chunked.trajectoriesPerChunk > 1 else { return 1 }
        let bytes = chunked.trajectoriesPerChunk * maxLength * dimension * chunked.elementSize
        return bytes <= ChunkSlab.budget ? chunked.trajectoriesPerChunk : 1
    }

    /// Puts the stored elements of `range` (the first `lengths[k]` rows of each) into `buffer`
    /// through the chunk reader. When several trajectories share chunks, their whole chunk row
    /// is inflated once into `slab` and later batches of that row are copied from there.
    /// False when a chunk was never written (HDF5 then reads, with the fill value).
    private func readChunks(_ chunked: ChunkedStates, _ range: Range<Int>, lengths: [Int], slab: ChunkSlab?,
                            into buffer: UnsafeMutableRawPointer) throws -> Bool {
        let c0 = chunked.trajectoriesPerChunk
        let rowBytes = dimension * chunked.elementSize
        if let slab, c0 > 1 {
            let low = (range.lowerBound / c0) * c0, high = min(count, ((range.upperBound + c0 - 1) / c0) * c0)
            let slabLengths = Array(self.lengths[low..<high])
            let bytes = slabLengths.reduce(0, +) * rowBytes
            if bytes <= ChunkSlab.budget {
                if slab.range != low..<high {
                    slab.range = nil
                    guard try chunked.read(first: low, lengths: slabLengths, into: slab.reserve(bytes)) else {
                        return false
                    }
                    slab.range = low..<high
                }
                let skip = self.lengths[low..<range.lowerBound].reduce(0, +) * rowBytes
                buffer.copyMemory(from: slab.bytes! + skip, byteCount: lengths.reduce(0, +) * rowBytes)
                return true
            }
        }
        return try chunked.read(first: range.lowerBound, lengths: lengths, into: buffer)
    }

    /// Reads `rows × d` elements with `read(memType, buffer)` and decodes them into `out`,
    /// counting non-finite values per trajectory; 16-bit decoding runs on every core.
    private static func readDecoded(
        _ decoding: StateDecoding, rows: Int, d: Int, offsets: [Int], lengths: [Int],
        into out: UnsafeMutablePointer<Float>?, nonFinite: inout [Int], raw rawBytes: inout [UInt64],
        read: (HDF5Object, UnsafeMutableRawPointer) throws -> Void
    ) throws {
        let total = rows * d
        guard total > 0, let out else { return }
        switch decoding.elementType {
        case .float32:
            try read(decoding.memType, UnsafeMutableRawPointer(out))
            for k in lengths.indices {
                nonFinite[k] = HalfPrecision.countNonFinite(out + offsets[k] * d, count: lengths[k] * d)
            }
        case .float64:
            ReadScratch.resize(&rawBytes, to: total)
            try rawBytes.withUnsafeMutableBytes { bytes in
                try read(decoding.memType, bytes.baseAddress!)
                let raw = bytes.bindMemory(to: Double.self)
                for i in 0..<total { out[i] = Float(raw[i]) }
                for k in lengths.indices {
                    var n = 0
                    for i in (offsets[k] * d)..<((offsets[k] + lengths[k]) * d) where !raw[i].isFinite { n += 1 }
                    nonFinite[k] = n
                }
            }
        case .float16, .bfloat16:
            ReadScratch.resize(&rawBytes, to: (total + 3) / 4)
            try rawBytes.withUnsafeMutableBytes { try read(decoding.memType, $0.baseAddress!) }
            let isHalf = decoding.elementType == .float16
            // A few pieces per core, never spanning two trajectories.
            let pieceSize = max(1 << 16, total / (4 * ProcessInfo.processInfo.activeProcessorCount) + 1)
            var pieces: [(trajectory: Int, start: Int, end: Int)] = []
            for k in lengths.indices {
                var start = offsets[k] * d
                let end = (offsets[k] + lengths[k]) * d
                while start < end {
                    let stop = min(end, start + pieceSize)
                    pieces.append((k, start, stop))
                    start = stop
                }
            }
            let jobs = pieces
            var counts = [Int](repeating: 0, count: jobs.count)
            rawBytes.withUnsafeBytes { bytes in
                counts.withUnsafeMutableBufferPointer { countsOut in
                    let source = bytes.bindMemory(to: UInt16.self)
                    let src = UnsafeSendable(source.baseAddress!), dst = UnsafeSendable(out)
                    let counted = UnsafeSendable(countsOut.baseAddress!)
                    DispatchQueue.concurrentPerform(iterations: jobs.count) { p in
                        let piece = jobs[p]
                        let n = piece.end - piece.start
                        counted.pointer[p] = isHalf
                            ? HalfPrecision.decodeFloat16(src.pointer + piece.start, count: n,
                                                          into: dst.pointer + piece.start)
                            : HalfPrecision.decodeBFloat16(src.pointer + piece.start, count: n,
                                                           into: dst.pointer + piece.start)
                    }
                }
            }
            for (p, piece) in pieces.enumerated() { nonFinite[piece.trajectory] += counts[p] }
        }
    }
}

/// Memory reused across batch reads: the decoded states and the raw elements as stored.
struct ReadScratch {
    var states: [Float] = []
    /// Raw file elements (16- or 64-bit), in 8-byte words so either fits aligned.
    var raw: [UInt64] = []
    /// The chunk row last inflated, when chunks hold several trajectories.
    let slab = ChunkSlab()

    /// Sets `array.count` to `count`, keeping its capacity (and its pages) when shrinking.
    static func resize<T: Numeric>(_ array: inout [T], to count: Int) {
        if array.count > count {
            array.removeLast(array.count - count)
        } else if array.count < count {
            array.append(contentsOf: repeatElement(0, count: count - array.count))
        }
    }
}

/// A pointer handed to worker threads that each touch a disjoint part of its memory.
struct UnsafeSendable<Pointee>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Pointee>
    init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
    init(_ pointer: UnsafePointer<Pointee>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
}

/// The stored elements of one row of chunks (all the trajectories that share them), kept
/// while the batches of that row are read.
final class ChunkSlab {
    /// The most a slab may hold; a row of chunks larger than this is inflated per batch.
    static let budget = 48 << 20

    /// The trajectories held (nil: nothing valid).
    var range: Range<Int>?
    private(set) var bytes: UnsafeMutableRawPointer?
    private var capacity = 0

    /// Memory for `count` bytes, keeping the current allocation when it is large enough.
    func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        if capacity < count || bytes == nil {
            bytes?.deallocate()
            bytes = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
            capacity = count
        }
        return bytes!
    }

    deinit { bytes?.deallocate() }
}
