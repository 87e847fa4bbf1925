import FoundationEssentials
import Glibc
import _KoopScopeKernels

/// What a process says if a C library crashes under it. HDF5 1.10 faults on some corrupted
/// files instead of returning an error; with the guard installed, such a crash becomes a
/// one-line error naming the file being read, the temporary output file is removed, and the
/// exit status is 1. Programs (not libraries) opt in with ``install()``.
public enum CrashGuard {
    /// Installs the handlers (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) for the whole process.
    public static func install() { ks_install_crash_guard() }

    /// Runs `body` with `path` named as the file being read.
    static func reading<R>(_ path: String, _ body: () throws -> R) rethrows -> R {
        reading(path)
        defer { reading(nil) }
        return try body()
    }

    /// Names `path` as the file being read until the next call.
    public static func reading(_ path: String?) {
        if let path { path.withCString { ks_crash_guard_reading($0) } } else { ks_crash_guard_reading(nil) }
    }

    /// Runs `body`, a library call that can loop forever on a damaged file, under the watchdog:
    /// if it has not returned after ``watchdogSeconds``, the process ends with status 1 and an
    /// error naming `file` and `what` (the temporary output removed). Only where the guard is
    /// installed; a library caller's process is never ended.
    public static func watching<R>(_ file: String, _ what: String, _ body: () throws -> R) rethrows -> R {
        let message = "Error: \(file): HDF5 did not return from reading \(what) within \(watchdogSeconds) s: the file is "
            + "damaged (a corrupt string heap makes HDF5 loop forever); no partial output was left\n"
        ks_watchdog_arm(watchdogSeconds, message)
        defer { ks_watchdog_disarm() }
        return try body()
    }

    /// How long a watched call may take: `KOOPSCOPE_HDF5_TIMEOUT` seconds, or 120.
    static let watchdogSeconds: Double = {
        if let text = getenv("KOOPSCOPE_HDF5_TIMEOUT"), let value = Double(String(cString: text)), value > 0 { return value }
        return 120
    }()

    /// Adds `path` to the temporary files deleted on a crash, beside those of other writers.
    public static func addTemporary(_ path: String) {
        _ = path.withCString { ks_crash_guard_temporary_add($0) }
    }

    /// Takes `path` off the temporary files (it was committed or discarded).
    public static func removeTemporary(_ path: String) {
        path.withCString { ks_crash_guard_temporary_remove($0) }
    }
}
