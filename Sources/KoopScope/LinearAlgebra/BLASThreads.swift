import Foundation
import _CBLAS

/// OpenBLAS's own thread pool, which must be kept out of the way when koopscope runs
/// many small BLAS calls on its own threads.
///
/// OpenBLAS has one thread count for the whole process, so the regions that need it at one
/// share it: the first caller to enter saves the count and sets it to 1, later callers
/// (concurrent or nested) only count themselves in, and the last one out restores the saved
/// count. Without that, two overlapping callers could restore each other's 1 and leave the
/// process single-threaded for good.
///
/// ```swift
/// BLASThreads.singleThreaded {
///     DispatchQueue.concurrentPerform(iterations: count) { k in /* one small GEMM each */ }
/// }
/// ```
public enum BLASThreads {
    private static let state = State()

    /// Runs `body` with OpenBLAS limited to one thread (so that work split across cores by
    /// the caller does not also fan out inside each BLAS call), then restores the count once
    /// no other caller still needs one thread.
    public static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        state.enter()
        defer { state.leave() }
        return try body()
    }

    /// The regions now inside ``singleThreaded(_:)`` and OpenBLAS's thread count, read together.
    public static var snapshot: (regions: Int, threads: Int) { state.snapshot }

    private final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var depth = 0
        private var saved: Int32 = 1

        var snapshot: (regions: Int, threads: Int) {
            lock.withLock { (depth, Int(openblas_get_num_threads())) }
        }

        func enter() {
            lock.withLock {
                if depth == 0 {
                    saved = openblas_get_num_threads()
                    openblas_set_num_threads(1)
                }
                depth += 1
            }
        }

        func leave() {
            lock.withLock {
                depth -= 1
                if depth == 0 { openblas_set_num_threads(saved) }
            }
        }
    }
}
