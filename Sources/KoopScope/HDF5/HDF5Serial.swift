import Foundation

/// The one lock every call into HDF5 holds, so that the library can be used from many threads.
///
/// HDF5 built without its thread-safe option (as many source and wheel builds are) must not be
/// entered by two threads at once, and the crash guard names one file being read at a time.
/// Each entry into this module's HDF5 code (opening and reading a dump, writing one, reading
/// and writing a dictionary, closing an identifier) holds the lock for as long as it is inside
/// HDF5, and other callers wait. The lock is recursive: an entry may reach another (a dump's
/// validation closes the identifiers it opened).
enum HDF5Serial {
    private static let lock = NSRecursiveLock()

    /// Takes the lock; pair it with ``leave()`` in a `defer` (an initializer that sets its
    /// properties as it goes cannot run inside a closure).
    static func enter() { lock.lock() }

    /// Gives back what ``enter()`` took.
    static func leave() { lock.unlock() }
}
