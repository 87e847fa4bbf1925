import _KoopScopeKernels

/// Process-wide settings of the C allocator, for programs (not libraries) to opt into.
public enum MemoryAllocator {
    /// Keeps freed memory in the process for reuse. glibc otherwise returns every freed
    /// block over 128 KiB to the kernel and trims per-thread heaps eagerly; an analysis frees
    /// and re-allocates about 1 MB per trajectory on every core, and each trajectory then paid
    /// for fresh, zeroed pages again (≈ 60 000 page faults, a fifth of the time, for 256
    /// trajectories). Peak memory stays that of a few batches. Returns whether it applied.
    @discardableResult
    public static func keepFreedMemory() -> Bool {
        ks_keep_freed_memory(256 << 20, 512 << 20) == 1
    }
}
