import Dispatch
import FoundationEssentials
import Glibc
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
    private static let state = State(get: { openblas_get_num_threads() }, set: { openblas_set_num_threads($0) })

    /// Runs `body` with OpenBLAS limited to one thread (so that work split across cores by
    /// the caller does not also fan out inside each BLAS call), then restores the count once
    /// no other caller still needs one thread.
    public static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        try state.singleThreaded(body)
    }

    /// The regions now inside ``singleThreaded(_:)`` and OpenBLAS's thread count, read together.
    public static var snapshot: (regions: Int, threads: Int) { state.snapshot }

    /// The shared count of open regions over a thread count read and set by `get` and `set`
    /// (OpenBLAS's for the process; a test's own for the tests).
    final class State: @unchecked Sendable {
        private let lock = PlainLock()
        private var depth = 0
        private var saved: Int32 = 1
        private let get: @Sendable () -> Int32
        private let set: @Sendable (Int32) -> Void

        init(get: @escaping @Sendable () -> Int32, set: @escaping @Sendable (Int32) -> Void) {
            self.get = get
            self.set = set
        }

        var snapshot: (regions: Int, threads: Int) {
            lock.withLock { (depth, Int(get())) }
        }

        func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
            enter()
            defer { leave() }
            return try body()
        }

        private func enter() {
            lock.withLock {
                if depth == 0 {
                    saved = get()
                    set(1)
                }
                depth += 1
            }
        }

        private func leave() {
            lock.withLock {
                depth -= 1
                if depth == 0 { set(saved) }
            }
        }
    }
}
