#define _GNU_SOURCE
#include "koopscope_kernels.h"

#include <execinfo.h>
#if defined(__linux__)
#include <link.h>
#endif
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <string.h>

// Exact binary16 -> binary32 by bit manipulation: the fallback on CPUs without F16C.
static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1F;
    uint32_t mantissa = h & 0x3FF;
    uint32_t bits;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {
        // Subnormal: normalise the mantissa.
        int shift = 0;
        while ((mantissa & 0x400) == 0) { mantissa <<= 1; shift++; }
        mantissa &= 0x3FF;
        bits = sign | ((uint32_t)(113 - shift) << 23) | (mantissa << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static size_t decode_scalar(const uint16_t *source, size_t count, float *destination) {
    size_t non_finite = 0;
    for (size_t i = 0; i < count; i++) {
        destination[i] = half_to_float(source[i]);
        non_finite += (source[i] & 0x7C00) == 0x7C00;
    }
    return non_finite;
}

int ks_keep_freed_memory(size_t mmap_threshold, size_t trim_threshold) {
#if defined(__GLIBC__)
    return mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold) == 1 && mallopt(M_TRIM_THRESHOLD, (int)trim_threshold) == 1;
#else
    (void)mmap_threshold; (void)trim_threshold;
    return 0;
#endif
}

// Crash guard: fixed buffers, filled outside the handler. The handler blames HDF5 only when
// HDF5's code is on the faulting thread's stack; anything else is koopscope's own bug, reported
// with a backtrace. backtrace() is not async-signal-safe in general; it is warmed up at
// installation (so that it loads nothing inside the handler) and the process ends right after.
static char crash_reading[4096];
// Temporary outputs to remove on a crash, one slot each, so that writers on many threads each
// keep their own: 0 free, 1 being filled, 2 holds a path.
#define KS_TEMPORARY_SLOTS 64
static char crash_temporaries[KS_TEMPORARY_SLOTS][4096];
static _Atomic int temporary_state[KS_TEMPORARY_SLOTS];
static char crash_last[4096];   // the last file named, kept when the reading ends
static uintptr_t hdf5_begin[8], hdf5_end[8];
static int hdf5_segments;

static void copy_path(char *to, const char *from) {
    if (!from) { to[0] = 0; return; }
    size_t n = strlen(from);
    if (n >= 4095) n = 4095;
    memcpy(to, from, n);
    to[n] = 0;
}

void ks_crash_guard_reading(const char *path) {
    copy_path(crash_reading, path);
    if (path) copy_path(crash_last, path);
}
int ks_crash_guard_temporary_add(const char *path) {
    for (int k = 0; k < KS_TEMPORARY_SLOTS; k++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&temporary_state[k], &expected, 1)) {
            copy_path(crash_temporaries[k], path);
            atomic_store(&temporary_state[k], 2);
            return 1;
        }
    }
    return 0;
}
void ks_crash_guard_temporary_remove(const char *path) {
    for (int k = 0; k < KS_TEMPORARY_SLOTS; k++) {
        if (atomic_load(&temporary_state[k]) == 2 && strcmp(crash_temporaries[k], path) == 0) {
            int expected = 2;
            if (atomic_compare_exchange_strong(&temporary_state[k], &expected, 1)) {
                crash_temporaries[k][0] = 0;
                atomic_store(&temporary_state[k], 0);
                return;
            }
        }
    }
}
void ks_crash_guard_remove_temporaries(void) {
    for (int k = 0; k < KS_TEMPORARY_SLOTS; k++) {
        if (atomic_load(&temporary_state[k]) == 2) unlink(crash_temporaries[k]);
    }
}
int ks_crash_guard_installed = 0;

static void say(const char *text) { (void)!write(2, text, strlen(text)); }

#if defined(__linux__)
/// Records the executable segments of the loaded HDF5 library.
static int find_hdf5(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size; (void)data;
    if (!info->dlpi_name || !strstr(info->dlpi_name, "libhdf5")) return 0;
    for (int i = 0; i < info->dlpi_phnum && hdf5_segments < 8; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        hdf5_begin[hdf5_segments] = info->dlpi_addr + ph->p_vaddr;
        hdf5_end[hdf5_segments] = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
        hdf5_segments++;
    }
    return 0;
}
#endif

static int in_hdf5(void *const *frames, int count) {
    for (int k = 0; k < count; k++)
        for (int s = 0; s < hdf5_segments; s++)
            if ((uintptr_t)frames[k] >= hdf5_begin[s] && (uintptr_t)frames[k] < hdf5_end[s]) return 1;
    return 0;
}

static const char *signal_name(int signal_number) {
    return signal_number == SIGSEGV ? " (segmentation fault)" : signal_number == SIGBUS ? " (bus error)"
        : signal_number == SIGFPE ? " (arithmetic fault)" : signal_number == SIGABRT ? " (aborted)"
        : " (illegal instruction)";
}

static void crash_handler(int signal_number) {
    void *frames[64];
    int count = backtrace(frames, 64);
    const char *file = crash_reading[0] ? crash_reading : crash_last;
    if (in_hdf5(frames, count) && file[0]) {
        say("Error: ");
        say(file);
        // HDF5 defers freeing a file's caches until its last object closes.
        say(crash_reading[0] ? ": the HDF5 library crashed reading this file: it is corrupt in a way HDF5 does not detect"
                             : ": the HDF5 library crashed after reading this file: it is corrupt in a way HDF5 does not detect");
        say(signal_name(signal_number));
        say("; no partial output was left\n");
        ks_crash_guard_remove_temporaries();
        _exit(1);
    }
    say("Error: internal error in koopscope");
    say(signal_name(signal_number));
    say(": this is a bug in koopscope, not a problem with its input; no partial output was left. "
        "Please report it with this backtrace:\n");
    backtrace_symbols_fd(frames, count, 2);
    ks_crash_guard_remove_temporaries();
    _exit(70);
}

void ks_install_crash_guard(void) {
    static char alternate_stack[1 << 16];
    ks_crash_guard_installed = 1;
    void *warm[4];
    (void)backtrace(warm, 4);
    hdf5_segments = 0;
#if defined(__linux__)
    dl_iterate_phdr(find_hdf5, NULL);
#endif
    stack_t ss;
    ss.ss_sp = alternate_stack;
    ss.ss_size = sizeof alternate_stack;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = crash_handler;
    action.sa_flags = SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    int signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaction(signals[i], &action, NULL);
}

static inline float sigmoid_scalar(float z) {
    if (z >= 0) return 1.0f / (1.0f + expf(-z));
    float e = expf(z);
    return e / (1.0f + e);
}

void ks_sigmoid_rows_portable(const float *z, const float *bias, size_t rows, size_t m, double *out) {
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < m; j++)
            out[i * m + j] = (double)sigmoid_scalar(z[i * m + j] + (bias ? bias[j] : 0.0f));
}

size_t ks_decode_float16_portable(const uint16_t *source, size_t count, float *destination) {
    return decode_scalar(source, count, destination);
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("avx,f16c,sse4.2,popcnt")))
static size_t decode_f16c(const uint16_t *source, size_t count, float *destination) {
    const __m128i mask = _mm_set1_epi16(0x7C00);
    size_t non_finite = 0, i = 0;
    for (; i + 8 <= count; i += 8) {
        __m128i h = _mm_loadu_si128((const __m128i *)(source + i));
        _mm256_storeu_ps(destination + i, _mm256_cvtph_ps(h));
        __m128i special = _mm_cmpeq_epi16(_mm_and_si128(h, mask), mask);
        non_finite += (size_t)__builtin_popcount((unsigned)_mm_movemask_epi8(special)) / 2;
    }
    return non_finite + decode_scalar(source + i, count - i, destination + i);
}

// exp(x) for x in [-87.3, 88.7] to about 1 ulp: x = n·ln2 + r, |r| ≤ ln2/2, a degree-6
// polynomial for e^r (Cephes' coefficients), and 2^n put into the exponent bits.
__attribute__((target("avx2,fma")))
static inline __m256 exp_avx2(__m256 x) {
    const __m256 ln2_hi = _mm256_set1_ps(0.693359375f), ln2_lo = _mm256_set1_ps(-2.12194440e-4f);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, ln2_hi, x);
    r = _mm256_fnmadd_ps(n, ln2_lo, r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

// σ(z) = 1/(1 + e^{−z}) for z ≥ 0 and e^{z}/(1 + e^{z}) for z < 0, so the exponential never
// overflows; |z| is clamped at 87, beyond which σ is 0 or 1 to float precision.
__attribute__((target("avx2,fma")))
static void sigmoid_rows_avx2(const float *z, const float *bias, size_t rows, size_t m, double *out) {
    const __m256 limit = _mm256_set1_ps(87.0f), one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (size_t i = 0; i < rows; i++) {
        size_t j = 0;
        for (; j + 8 <= m; j += 8) {
            __m256 v = _mm256_loadu_ps(z + i * m + j);
            if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
            __m256 a = _mm256_min_ps(_mm256_andnot_ps(sign, v), limit);       // |z|, clamped
            __m256 e = exp_avx2(_mm256_xor_ps(a, sign));                       // e^{−|z|} ≤ 1
            __m256 d = _mm256_div_ps(one, _mm256_add_ps(one, e));              // σ(|z|)
            __m256 negative = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
            __m256 s = _mm256_blendv_ps(d, _mm256_mul_ps(e, d), negative);     // σ(z) = 1 − σ(|z|) = e·σ(|z|)
            _mm256_storeu_pd(out + i * m + j, _mm256_cvtps_pd(_mm256_castps256_ps128(s)));
            _mm256_storeu_pd(out + i * m + j + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(s, 1)));
        }
        for (; j < m; j++) out[i * m + j] = (double)sigmoid_scalar(z[i * m + j] + (bias ? bias[j] : 0.0f));
    }
}

void ks_sigmoid_rows(const float *z, const float *bias, size_t rows, size_t m, double *out) {
    static int avx2 = -1;
    if (avx2 < 0) {
        __builtin_cpu_init();
        avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    if (avx2) sigmoid_rows_avx2(z, bias, rows, m, out);
    else ks_sigmoid_rows_portable(z, bias, rows, m, out);
}

int ks_float16_hardware(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx");
}

size_t ks_decode_float16(const uint16_t *source, size_t count, float *destination) {
    static int hardware = -1;
    if (hardware < 0) hardware = ks_float16_hardware();
    return hardware ? decode_f16c(source, count, destination) : decode_scalar(source, count, destination);
}
#else
int ks_float16_hardware(void) { return 0; }

void ks_sigmoid_rows(const float *z, const float *bias, size_t rows, size_t m, double *out) {
    ks_sigmoid_rows_portable(z, bias, rows, m, out);
}

size_t ks_decode_float16(const uint16_t *source, size_t count, float *destination) {
    return decode_scalar(source, count, destination);
}
#endif
