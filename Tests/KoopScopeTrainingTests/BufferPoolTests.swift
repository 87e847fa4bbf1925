import KoopScopeTraining
import Testing

@Suite("Buffer pool")
struct BufferPoolTests {
    @Test func sizeClassesAreEighthsOfTheirPowerOfTwo() {
        #expect(BufferPool.blockSize(for: 1000) == 1000, "small blocks are the C allocator's")
        #expect(BufferPool.blockSize(for: 65536) == 65536)
        #expect(BufferPool.blockSize(for: 65537) == 65536 + 8192)
        #expect(BufferPool.blockSize(for: 100_000) == 13 * 8192)
        #expect(BufferPool.blockSize(for: 3 << 20) == 3 << 20)
        #expect(BufferPool.blockSize(for: (1 << 30) + 1) == (1 << 30) + (1 << 27))
        for bytes in stride(from: 65536, to: 1 << 24, by: 7919) {
            let size = BufferPool.blockSize(for: bytes)
            #expect(size >= bytes && Double(size) <= Double(bytes) * 1.125, "\(bytes) → \(size)")
        }
    }

    @Test func blocksOfAClassAreReusedUpToTheCapacity() {
        let pool = BufferPool(capacity: 300_000)
        let a = pool.take(100_000)
        pool.give(a, 100_000)
        #expect(pool.heldBytes == 106_496)
        #expect(pool.take(99_000) == a, "the same class")
        #expect(pool.heldBytes == 0)
        let b = pool.take(100_000), c = pool.take(100_000), d = pool.take(100_000)
        pool.give(a, 100_000)
        pool.give(b, 100_000)
        #expect(pool.heldBytes == 2 * 106_496)
        pool.give(c, 100_000)   // past the capacity: the pool empties first, then keeps this one
        #expect(pool.heldBytes == 106_496)
        #expect(pool.take(100_000) == c)
        pool.give(d, 100_000)
        let small = pool.take(1000)
        pool.give(small, 1000)
        #expect(pool.heldBytes == 106_496, "small blocks are not kept")
        let huge = pool.take(400_000)
        pool.give(huge, 400_000)
        #expect(pool.heldBytes == 106_496, "a block larger than the capacity is freed")
    }

    @Test func releaseFreesEveryWaitingBlock() {
        let pool = BufferPool(capacity: 1 << 24)
        let a = pool.take(100_000), b = pool.take(200_000)
        pool.give(a, 100_000)
        pool.give(b, 200_000)
        #expect(pool.heldBytes == 106_496 + 212_992)
        pool.release()
        #expect(pool.heldBytes == 0)
        let c = pool.take(100_000)   // a new block: nothing waits
        pool.give(c, 100_000)
        #expect(pool.heldBytes == 106_496)
    }

    @Test func aReusedBufferComesBackZeroed() {
        let backend = CPUBackend(poolCapacity: 1 << 24)
        var address: UnsafeMutableRawPointer?
        do {
            let first = backend.upload([Float](repeating: 7, count: 50_000))
            address = first.address
        }
        #expect(backend.pool.heldBytes > 0)
        let second = backend.allocate(50_000, of: Float.self)
        #expect(second.address == address, "the freed block is reused")
        #expect(backend.download(second).allSatisfy { $0 == 0 })
    }
}
