import Foundation

/// Freed host blocks kept by size class for the next allocation of that class, so that a training
/// step, which allocates much the same shapes as the last, reuses warm memory instead of faulting
/// in fresh, kernel-zeroed pages.
///
/// ```swift
/// let pool = BufferPool(capacity: 1 << 30)
/// let block = pool.take(1 << 20)
/// pool.give(block, 1 << 20)   // the next take(1 << 20) returns it
/// ```
///
/// A block is as large as its class: sizes rounded up to an eighth of their power of two, so that
/// the update's lengths, which change from step to step, share blocks, for at most 12.5 % more
/// memory. Blocks under ``smallest`` bytes are left to the C allocator, which reuses them well.
/// At most `capacity` bytes wait in the pool: a block that would take it past that empties the
/// pool first, so that classes a run no longer uses do not hold memory for ever.
public final class BufferPool: @unchecked Sendable {
    /// The smallest block, in bytes, the pool keeps.
    public static let smallest = 64 << 10
    /// The alignment of every block.
    public static let alignment = 64

    public let capacity: Int
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var held = 0
    private let lock = NSLock()

    public init(capacity: Int) { self.capacity = max(0, capacity) }

    deinit {
        for blocks in free.values { for block in blocks { block.deallocate() } }
    }

    /// Bytes waiting in the pool.
    public var heldBytes: Int { lock.withLock { held } }

    /// The bytes a block for `bytes` has: `bytes` itself under ``smallest``, else its class's size.
    public static func blockSize(for bytes: Int) -> Int {
        guard bytes >= smallest else { return bytes }
        let step = 1 << (Int.bitWidth - bytes.leadingZeroBitCount - 4)   // an eighth of the power of two at or below
        return (bytes + step - 1) / step * step
    }

    /// A block of at least `bytes` (not zeroed): one given back earlier, or a new one.
    public func take(_ bytes: Int) -> UnsafeMutableRawPointer {
        let size = Self.blockSize(for: bytes)
        if size >= Self.smallest {
            let reused: UnsafeMutableRawPointer? = lock.withLock {
                guard let block = free[size]?.popLast() else { return nil }
                held -= size
                return block
            }
            if let reused { return reused }
        }
        return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: Self.alignment)
    }

    /// Frees every waiting block, for work that allocates outside the pool (the sampling
    /// decoder's weights and caches) to reuse that memory rather than add to it.
    public func release() {
        let blocks: [UnsafeMutableRawPointer] = lock.withLock {
            defer { free = [:]; held = 0 }
            return free.values.flatMap { $0 }
        }
        for block in blocks { block.deallocate() }
    }

    /// Returns a block that ``take(_:)`` gave for `bytes`.
    public func give(_ block: UnsafeMutableRawPointer, _ bytes: Int) {
        let size = Self.blockSize(for: bytes)
        guard size >= Self.smallest, size <= capacity else { block.deallocate(); return }
        let emptied: [UnsafeMutableRawPointer] = lock.withLock {
            var out: [UnsafeMutableRawPointer] = []
            if held + size > capacity {
                out = free.values.flatMap { $0 }
                free = [:]
                held = 0
            }
            free[size, default: []].append(block)
            held += size
            return out
        }
        for old in emptied { old.deallocate() }
    }
}
