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

    /// Names `path` as a temporary file to delete on a crash (nil when it has been committed).
    public static func temporary(_ path: String?) {
        if let path { path.withCString { ks_crash_guard_temporary($0) } } else { ks_crash_guard_temporary(nil) }
    }
}
