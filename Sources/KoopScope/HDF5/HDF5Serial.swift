import FoundationEssentials
import Glibc

/// The one lock every call into HDF5 holds, taken by this layer's own functions so that no
/// caller has to: the library can be used from many threads.
///
/// HDF5 built without its thread-safe option (as many source and wheel builds are) must not be
/// entered by two threads at once; even a thread-safe build keeps its error stack and its
/// global identifiers in process-wide state. Every function of this layer that calls HDF5 runs
/// its calls inside ``locked(_:_:)``, naming the file they touch, so that the crash guard
/// blames the right file while other threads wait. The lock is recursive: one wrapper may call
/// another (opening a dataset reads its shape).
enum HDF5Serial {
    private static let lock = PlainLock(recursive: true)
    /// The file the innermost locked call named; only read and written with the lock held.
    nonisolated(unsafe) private static var blamed: String?
    /// How deeply the holding thread has taken the lock; only touched with the lock held.
    nonisolated(unsafe) private static var depth = 0

    /// Runs `body`, which calls HDF5 on objects of `file` (nil when it touches no file), with
    /// the lock held and `file` named to the crash guard as the file being read.
    static func locked<R>(_ file: String?, _ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        // HDF5 prints its error stack unless told not to, per thread in a thread-safe build:
        // the outermost entry on each thread tells it.
        if depth == 0 { silenceHDF5() }
        depth += 1
        defer { depth -= 1 }
        // A call that names no file (a datatype's) keeps the blame where it was.
        let previous = blamed, named = file ?? previous
        if named != previous {
            blamed = named
            CrashGuard.reading(named)
        }
        defer {
            if named != previous {
                blamed = previous
                CrashGuard.reading(previous)
            }
        }
        return try body()
    }
}
