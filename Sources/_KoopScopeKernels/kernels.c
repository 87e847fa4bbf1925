#include "koopscope_kernels.h"

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

size_t ks_decode_float16(const uint16_t *source, size_t count, float *destination) {
    return decode_scalar(source, count, destination);
}
#endif
