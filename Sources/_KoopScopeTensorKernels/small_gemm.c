// C = A·B (+ C) for a few rows of A — the sampler's one-token-per-sequence products — without
// packing B. BLAS packs the whole of B (the weights) into panels on every call, which costs as
// much memory traffic as the product itself when A has only tens of rows. Here a 16-column strip
// of B (K × 64 bytes, in L1 for the model widths used) is read straight from the weights and
// reused by every block of up to six rows of A. Each C element is one fixed-order FMA chain over
// k, so the result does not depend on threads or on the rest of the batch.
//
// Read in place, a strip's K rows lie a whole row of B apart — for the wide layers of a large
// policy, a page apart — so the hardware prefetcher cannot stream them and every line is a
// cache miss paid in full. The sampler reads the same weights for every token it draws, so it
// can lay them out once as strips (K × 16, one after another) and stream them: the same FMA
// chains, the same bits, without the misses. Both layouts go through one kernel: strip s starts
// at b + s·strip_step and its rows are row_step apart.
#include "koopscope_tensor_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

// One block of R ≤ 6 rows of A against one strip: 2R accumulators, each a chain over k. A block
// of fewer than four rows leaves the FMA units waiting on those chains (four cycles of latency
// each), so the rows are cut into blocks as even as they go (32 rows: 6, 6, 5, 5, 5, 5) instead
// of sixes and a tail of single rows.
__attribute__((target("avx2,fma"), always_inline))
static inline void small_block_avx2(const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc,
                                    size_t k, int accumulate, const int R) {
    __m256 c0[6], c1[6];
    for (int r = 0; r < R; r++) {
        c0[r] = accumulate ? _mm256_loadu_ps(c + r * ldc) : _mm256_setzero_ps();
        c1[r] = accumulate ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_setzero_ps();
    }
    for (size_t p = 0; p < k; p++) {
        __m256 b0 = _mm256_loadu_ps(b + p * ldb), b1 = _mm256_loadu_ps(b + p * ldb + 8);
        for (int r = 0; r < R; r++) {
            __m256 x = _mm256_broadcast_ss(a + r * lda + p);
            c0[r] = _mm256_fmadd_ps(x, b0, c0[r]);
            c1[r] = _mm256_fmadd_ps(x, b1, c1[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_storeu_ps(c + r * ldc, c0[r]);
        _mm256_storeu_ps(c + r * ldc + 8, c1[r]);
    }
}

__attribute__((target("avx2,fma")))
static void small_gemm_avx2(const float *a, size_t lda, const float *strips_b, size_t row_step, size_t strip_step,
                            float *c, size_t ldc, size_t m, size_t n, size_t k, int accumulate) {
    size_t strips = n / 16 * 16, blocks = (m + 5) / 6;
    for (size_t j = 0; j < strips; j += 16) {
        const float *b = strips_b + j / 16 * strip_step;
        for (size_t q = 0, i = 0; q < blocks; q++) {
            size_t rows = (q + 1) * m / blocks - i;
            const float *ai = a + i * lda;
            float *ci = c + i * ldc + j;
            switch (rows) {
            case 6: small_block_avx2(ai, lda, b, row_step, ci, ldc, k, accumulate, 6); break;
            case 5: small_block_avx2(ai, lda, b, row_step, ci, ldc, k, accumulate, 5); break;
            case 4: small_block_avx2(ai, lda, b, row_step, ci, ldc, k, accumulate, 4); break;
            case 3: small_block_avx2(ai, lda, b, row_step, ci, ldc, k, accumulate, 3); break;
            case 2: small_block_avx2(ai, lda, b, row_step, ci, ldc, k, accumulate, 2); break;
            default: small_block_avx2(ai, lda, b, row_step, ci, ldc, k, accumulate, 1); break;
            }
            i += rows;
        }
    }
    // The last n mod 16 columns, one at a time, in the same k order.
    const float *tail = strips_b + strips / 16 * strip_step;
    for (size_t i = 0; i < m; i++) {
        for (size_t j = strips; j < n; j++) {
            float sum = accumulate ? c[i * ldc + j] : 0.0f;
            for (size_t p = 0; p < k; p++) sum = __builtin_fmaf(a[i * lda + p], tail[p * row_step + (j - strips)], sum);
            c[i * ldc + j] = sum;
        }
    }
}

static int has_avx2_fma(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

int ks_small_gemm_f(const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc,
                    size_t m, size_t n, size_t k, int accumulate) {
    if (!has_avx2_fma()) return 0;
    small_gemm_avx2(a, lda, b, ldb, 16, c, ldc, m, n, k, accumulate);
    return 1;
}

int ks_small_gemm_strips_f(const float *a, size_t lda, const float *strips, float *c, size_t ldc,
                           size_t m, size_t n, size_t k, int accumulate) {
    if (!has_avx2_fma()) return 0;
    small_gemm_avx2(a, lda, strips, 16, 16 * k, c, ldc, m, n, k, accumulate);
    return 1;
}

#else
int ks_small_gemm_f(const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc,
                    size_t m, size_t n, size_t k, int accumulate) {
    (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc; (void)m; (void)n; (void)k; (void)accumulate;
    return 0;
}

int ks_small_gemm_strips_f(const float *a, size_t lda, const float *strips, float *c, size_t ldc,
                           size_t m, size_t n, size_t k, int accumulate) {
    (void)a; (void)lda; (void)strips; (void)c; (void)ldc; (void)m; (void)n; (void)k; (void)accumulate;
    return 0;
}
#endif

void ks_pack_strips_f(const float *b, size_t ldb, size_t k, size_t n, float *strips) {
    for (size_t j = 0; j < n; j += 16) {
        float *strip = strips + j / 16 * 16 * k;
        size_t width = n - j < 16 ? n - j : 16;
        for (size_t p = 0; p < k; p++) {
            for (size_t c = 0; c < 16; c++) strip[p * 16 + c] = c < width ? b[p * ldb + j + c] : 0.0f;
        }
    }
}
