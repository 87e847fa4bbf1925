import _CBLAS

/// OpenBLAS's own thread pool, which must be kept out of the way when koopscope runs
/// many small BLAS calls on its own threads.
public enum BLASThreads {
    /// Runs `body` with OpenBLAS limited to one thread (so that work split across cores by
    /// the caller does not also fan out inside each BLAS call), then restores the count.
    public static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}
