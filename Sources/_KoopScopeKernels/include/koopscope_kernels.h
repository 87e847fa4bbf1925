// Hot loops of koopscope that need instructions Swift cannot name (F16C), behind a
// plain C interface. Each function picks the fastest path the CPU supports at run time.
#ifndef KOOPSCOPE_KERNELS_H
#define KOOPSCOPE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Converts `count` IEEE binary16 values to float and returns how many were NaN or infinite.
size_t ks_decode_float16(const uint16_t *source, size_t count, float *destination);

/// The portable path of `ks_decode_float16`, without F16C (for tests).
size_t ks_decode_float16_portable(const uint16_t *source, size_t count, float *destination);

/// The dictionary's non-linearity over a rows×m block of pre-activations z (row-major):
/// out[i][j] = σ(z[i][j] + bias[j]) in float, widened to double. `bias` may be NULL.
/// Uses AVX2/FMA where the CPU has them (σ within 2 ulp of float); exact libm otherwise.
void ks_sigmoid_rows(const float *z, const float *bias, size_t rows, size_t m, double *out);

/// The portable path of `ks_sigmoid_rows` (for tests).
void ks_sigmoid_rows_portable(const float *z, const float *bias, size_t rows, size_t m, double *out);

/// Asks glibc to keep freed memory for reuse instead of returning blocks over 128 KiB to the
/// kernel at once (no-op elsewhere). Returns 1 when applied.
int ks_keep_freed_memory(size_t mmap_threshold, size_t trim_threshold);

/// Turns a crash inside HDF5 (which faults on some corrupted files it fails to validate)
/// into a one-line error naming the file being read and exit status 1; any other crash is
/// reported as an internal error with a backtrace and exit status 70. Either way the
/// temporary output file being written is removed. Installs handlers for SIGSEGV, SIGBUS,
/// SIGFPE, SIGILL, SIGABRT and SIGTRAP on an alternate stack.
void ks_install_crash_guard(void);

/// The file whose reading a crash is blamed on (NULL clears it).
void ks_crash_guard_reading(const char *path);

/// Adds a temporary file to delete if the process crashes; each writer (on any thread) adds its
/// own. Returns 0 when all 64 places are taken (the file is then not removed on a crash).
int ks_crash_guard_temporary_add(const char *path);

/// Removes a temporary file added before (committed or discarded).
void ks_crash_guard_temporary_remove(const char *path);

/// Deletes every temporary file added and not removed (the crash handler and the watchdog).
void ks_crash_guard_remove_temporaries(void);

/// Whether a program installed the crash guard (the watchdog acts only then).
extern int ks_crash_guard_installed;

/// Arms the watchdog: if `ks_watchdog_disarm` is not called within `seconds`, `message` is
/// written to stderr, the temporary output file is removed and the process exits with status 1.
/// For library calls that can loop forever on damaged input (HDF5 on some corrupt string heaps);
/// it does nothing unless the crash guard is installed. One region at a time.
void ks_watchdog_arm(double seconds, const char *message);

/// Disarms the watchdog.
void ks_watchdog_disarm(void);

/// Whether the hardware float16 path (F16C) is in use.
int ks_float16_hardware(void);

#endif
