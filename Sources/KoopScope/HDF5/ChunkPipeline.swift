import _CDeflate

/// Undoes the filters of a chunked dataset on one stored chunk, without HDF5: inflating
/// (HDF5's deflate filter stores a zlib stream) and unshuffling, so that many chunks can be
/// decoded at once on as many threads. Datasets with any other filter are read by HDF5.
///
/// ```swift
/// let pipeline = ChunkPipeline(filters: try dataset.filterPipeline(), chunkBytes: 1 << 20)
/// ```
struct ChunkPipeline: Sendable {
    enum Stage: Sendable, Equatable {
        case deflate
        case shuffle(elementSize: Int)
    }

    /// The stages in the order they were applied on writing.
    let stages: [Stage]
    /// Bytes of one chunk once every stage is undone: the product of the chunk shape and
    /// the element size.
    let chunkBytes: Int

    /// The pipeline for `filters`, or nil when one of them is not deflate or shuffle.
    init?(filters: [HDF5Filter], chunkBytes: Int) {
        var stages: [Stage] = []
        for filter in filters {
            switch filter.id {
            case HDF5Filter.deflate: stages.append(.deflate)
            case HDF5Filter.shuffle:
                guard let size = filter.values.first, size > 0 else { return nil }
                stages.append(.shuffle(elementSize: Int(size)))
            default: return nil
            }
        }
        self.stages = stages
        self.chunkBytes = chunkBytes
    }

    /// Why a stored chunk could not be decoded.
    enum Failure: Error, CustomStringConvertible {
        case corrupt(String)
        case wrongSize(got: Int, expected: Int)

        var description: String {
            switch self {
            case .corrupt(let detail): detail
            case .wrongSize(let got, let expected):
                "decodes to \(got) bytes, but the chunk shape holds \(expected)"
            }
        }
    }

    /// Per-thread memory: the decompressor and three growable buffers (the stored bytes, and
    /// two a stage writes into in turn).
    final class Workspace: @unchecked Sendable {
        let decompressor: OpaquePointer?
        private var buffers: [(pointer: UnsafeMutableRawPointer, capacity: Int)] = []

        init() { decompressor = libdeflate_alloc_decompressor() }

        deinit {
            if let decompressor { libdeflate_free_decompressor(decompressor) }
            for buffer in buffers { buffer.pointer.deallocate() }
        }

        /// Buffer `k` (0 holds the stored chunk), grown to at least `bytes`.
        func buffer(_ k: Int, bytes: Int) -> UnsafeMutableRawPointer {
            while buffers.count <= k { buffers.append((UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64), 1)) }
            if buffers[k].capacity < bytes {
                buffers[k].pointer.deallocate()
                buffers[k] = (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), bytes)
            }
            return buffers[k].pointer
        }
    }

    /// Undoes, on the `storedCount` bytes in `workspace.buffer(0)`, the stages that `mask` does
    /// not mark as skipped (bit i set: stage i was not applied to this chunk), and returns the
    /// chunk's `chunkBytes` plain bytes, valid until the workspace is used again.
    func decode(storedCount: Int, mask: UInt32, in workspace: Workspace) throws -> UnsafeRawPointer {
        var current = 0, count = storedCount
        for (i, stage) in stages.enumerated().reversed() where mask & (1 << UInt32(i)) == 0 {
            let target = current == 1 ? 2 : 1
            let input = workspace.buffer(current, bytes: count), output = workspace.buffer(target, bytes: chunkBytes)
            switch stage {
            case .deflate:
                guard let decompressor = workspace.decompressor else { throw Failure.corrupt("out of memory") }
                var produced = 0
                let status = libdeflate_zlib_decompress(decompressor, input, count, output, chunkBytes, &produced)
                switch status {
                case LIBDEFLATE_SUCCESS: break
                case LIBDEFLATE_INSUFFICIENT_SPACE:
                    throw Failure.corrupt("its deflate stream inflates to more than the chunk's \(chunkBytes) bytes")
                default:
                    throw Failure.corrupt("its deflate stream is corrupt (\(count) stored bytes)")
                }
                count = produced
            case .shuffle(let size):
                guard count <= chunkBytes else { throw Failure.wrongSize(got: count, expected: chunkBytes) }
                Self.unshuffle(input, count: count, elementSize: size, into: output)
            }
            current = target
        }
        guard count == chunkBytes else { throw Failure.wrongSize(got: count, expected: chunkBytes) }
        return UnsafeRawPointer(workspace.buffer(current, bytes: count))
    }

    /// The inverse of HDF5's shuffle: byte b of element e was stored at `b · n + e`; the
    /// `count mod elementSize` trailing bytes were left in place.
    static func unshuffle(_ source: UnsafeMutableRawPointer, count: Int, elementSize: Int,
                          into destination: UnsafeMutableRawPointer) {
        let n = count / elementSize
        let src = source.assumingMemoryBound(to: UInt8.self), dst = destination.assumingMemoryBound(to: UInt8.self)
        if elementSize == 2 {
            for e in 0..<n {
                dst[2 * e] = src[e]
                dst[2 * e + 1] = src[n + e]
            }
        } else {
            for b in 0..<elementSize {
                let plane = src + b * n
                for e in 0..<n { dst[e * elementSize + b] = plane[e] }
            }
        }
        let tail = n * elementSize
        if tail < count { (dst + tail).update(from: src + tail, count: count - tail) }
    }
}
