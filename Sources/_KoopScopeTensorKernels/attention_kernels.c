// Causal multi-head attention of one sequence, forward and backward, without a BLAS call per
// head: at the update's shapes (tens of positions, head width 32) a BLAS call per (sequence,
// head) product costs more in packing and dispatch than the arithmetic, and a GEMM also works out
// the scores above the diagonal that the causal mask throws away.
//
// Each head's queries, keys, values (and output gradients) are first copied into zero-padded
// blocks of the scratch — positions rounded up to 16, the head width to 16 — so that every product
// is made of whole 4 × 16 tiles: one tile keeps 64 sums in registers while it runs down the
// shared dimension, and no tile straddles an edge. Tiles wholly above the diagonal are skipped.
// Every output element is one sum in a fixed order, whatever the vector width, so results are the
// same on every run. Float and double come from one macro; on x86-64 each is also compiled for
// AVX2 and FMA and chosen at run time.
#include "koopscope_tensor_kernels.h"
#include "fast_math.h"
#include <math.h>

#define KS_TILE_ROWS 4
#define KS_TILE_COLUMNS 16

static size_t ks_round16(size_t n) { return (n + 15) / 16 * 16; }

size_t ks_causal_attention_scratch(size_t t, size_t head_dim) {
    size_t tp = ks_round16(t), ep = ks_round16(head_dim);
    return 5 * tp * ep + 2 * tp * tp;
}

#define KS_ATTENTION_BODIES(T, S, EXP, ATTR, SUFFIX)                                               \
/* c[r][u] = Σ_{p<k} a[r·ars + p·acs] b[p·ldb + u] for a 4 × 16 tile, p ascending */             \
ATTR static inline void tile_##S##SUFFIX(const T *restrict a, size_t ars, size_t acs,              \
                                         const T *restrict b, size_t ldb, size_t k,                \
                                         T *restrict c, size_t ldc) {                              \
    T acc[KS_TILE_ROWS][KS_TILE_COLUMNS] = {{0}};                                                  \
    for (size_t p = 0; p < k; p++) {                                                               \
        const T *restrict bp = b + p * ldb;                                                        \
        for (int r = 0; r < KS_TILE_ROWS; r++) {                                                   \
            const T x = a[r * ars + p * acs];                                                      \
            for (int u = 0; u < KS_TILE_COLUMNS; u++) acc[r][u] += x * bp[u];                      \
        }                                                                                          \
    }                                                                                              \
    for (int r = 0; r < KS_TILE_ROWS; r++)                                                         \
        for (int u = 0; u < KS_TILE_COLUMNS; u++) c[r * ldc + u] = acc[r][u];                      \
}                                                                                                  \
/* Σ x[j] y[j] (or Σ x[j] with y null), eight interleaved partial sums added in a fixed order */  \
ATTR static inline T dot_##S##SUFFIX(const T *restrict x, const T *restrict y, size_t n) {         \
    T part[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                                          \
    size_t j = 0;                                                                                  \
    if (y) { for (; j + 8 <= n; j += 8) for (int u = 0; u < 8; u++) part[u] += x[j + u] * y[j + u]; \
             for (; j < n; j++) part[j % 8] += x[j] * y[j]; }                                      \
    else { for (; j + 8 <= n; j += 8) for (int u = 0; u < 8; u++) part[u] += x[j + u];            \
           for (; j < n; j++) part[j % 8] += x[j]; }                                               \
    return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7])); \
}                                                                                                  \
/* rows × columns of src (leading dimension ld) into a zero-padded block, as is or transposed */   \
ATTR static void pad_##S##SUFFIX(const T *restrict src, size_t ld, size_t rows, size_t columns,    \
                                 T *restrict block, size_t padded_rows, size_t padded_columns,     \
                                 int transpose) {                                                  \
    for (size_t i = 0; i < padded_rows; i++)                                                       \
        for (size_t c = 0; c < padded_columns; c++) {                                              \
            T value = i < rows && c < columns ? src[i * ld + c] : (T)0;                            \
            if (transpose) block[c * padded_rows + i] = value; else block[i * padded_columns + c] = value; \
        }                                                                                          \
}                                                                                                  \
ATTR static void causal_attention_##S##SUFFIX(const T *qkv, size_t t, size_t heads, size_t e,      \
                                              T scale, T *out, T *probabilities, T *scratch) {     \
    const size_t d = heads * e, ld = 3 * d, tp = ks_round16(t), ep = ks_round16(e);                \
    T *qh = scratch, *kt = qh + tp * ep, *vh = kt + tp * ep, *oh = vh + tp * ep, *p = oh + tp * ep; \
    for (size_t h = 0; h < heads; h++) {                                                           \
        pad_##S##SUFFIX(qkv + h * e, ld, t, e, qh, tp, ep, 0);                                     \
        pad_##S##SUFFIX(qkv + d + h * e, ld, t, e, kt, tp, ep, 1);                                 \
        pad_##S##SUFFIX(qkv + 2 * d + h * e, ld, t, e, vh, tp, ep, 0);                             \
        /* scores Q Kᵀ, tiles touching the diagonal or below */                                    \
        for (size_t i0 = 0; i0 < tp; i0 += KS_TILE_ROWS)                                           \
            for (size_t j0 = 0; j0 < i0 + KS_TILE_ROWS; j0 += KS_TILE_COLUMNS)                     \
                tile_##S##SUFFIX(qh + i0 * ep, ep, 1, kt + j0, tp, ep, p + i0 * tp + j0, tp);      \
        T *ph = probabilities + h * t * t;                                                         \
        for (size_t i = 0; i < tp; i++) {                                                          \
            T *restrict row = p + i * tp;                                                          \
            size_t n = i < t ? i + 1 : 0;                                                          \
            if (n) {                                                                               \
                T top = row[0];                                                                    \
                for (size_t j = 1; j < n; j++) top = row[j] > top ? row[j] : top;                  \
                for (size_t j = 0; j < n; j++) row[j] = EXP(scale * (row[j] - top));               \
                const T inverse = (T)1 / dot_##S##SUFFIX(row, 0, n);                               \
                for (size_t j = 0; j < n; j++) row[j] *= inverse;                                  \
            }                                                                                      \
            for (size_t j = n; j < tp; j++) row[j] = 0;                                            \
            if (i < t) for (size_t j = 0; j < t; j++) ph[i * t + j] = row[j];                      \
        }                                                                                          \
        /* O = P V, row block i0 summing over the positions it sees */                             \
        for (size_t i0 = 0; i0 < tp; i0 += KS_TILE_ROWS) {                                         \
            size_t k = i0 + KS_TILE_ROWS < t ? i0 + KS_TILE_ROWS : t;                              \
            for (size_t c0 = 0; c0 < ep; c0 += KS_TILE_COLUMNS)                                    \
                tile_##S##SUFFIX(p + i0 * tp, tp, 1, vh + c0, ep, k, oh + i0 * ep + c0, ep);       \
        }                                                                                          \
        for (size_t i = 0; i < t; i++)                                                             \
            for (size_t c = 0; c < e; c++) out[i * d + h * e + c] = oh[i * ep + c];                \
    }                                                                                              \
}                                                                                                  \
ATTR static void causal_attention_backward_##S##SUFFIX(const T *dout, const T *qkv,                \
                                                       const T *probabilities, size_t t,           \
                                                       size_t heads, size_t e, T scale, T *dqkv,   \
                                                       T *scratch) {                               \
    const size_t d = heads * e, ld = 3 * d, tp = ks_round16(t), ep = ks_round16(e);                \
    T *qh = scratch, *kh = qh + tp * ep, *vt = kh + tp * ep, *doh = vt + tp * ep, *g = doh + tp * ep; \
    T *p = g + tp * ep, *ds = p + tp * tp;                                                         \
    for (size_t h = 0; h < heads; h++) {                                                           \
        pad_##S##SUFFIX(qkv + h * e, ld, t, e, qh, tp, ep, 0);                                     \
        pad_##S##SUFFIX(qkv + d + h * e, ld, t, e, kh, tp, ep, 0);                                 \
        pad_##S##SUFFIX(qkv + 2 * d + h * e, ld, t, e, vt, tp, ep, 1);                             \
        pad_##S##SUFFIX(dout + h * e, d, t, e, doh, tp, ep, 0);                                    \
        pad_##S##SUFFIX(probabilities + h * t * t, t, t, t, p, tp, tp, 0);                         \
        /* dP = dO Vᵀ, then dS = scale P (dP − Σ_j P dP) row by row, zero above the diagonal */    \
        for (size_t i0 = 0; i0 < tp; i0 += KS_TILE_ROWS)                                           \
            for (size_t j0 = 0; j0 < i0 + KS_TILE_ROWS; j0 += KS_TILE_COLUMNS)                     \
                tile_##S##SUFFIX(doh + i0 * ep, ep, 1, vt + j0, tp, ep, ds + i0 * tp + j0, tp);    \
        for (size_t i = 0; i < tp; i++) {                                                          \
            T *restrict row = ds + i * tp;                                                         \
            const T *restrict pr = p + i * tp;                                                     \
            size_t n = i < t ? i + 1 : 0;                                                          \
            const T dot = dot_##S##SUFFIX(pr, row, n);                                             \
            for (size_t j = 0; j < n; j++) row[j] = scale * pr[j] * (row[j] - dot);                \
            for (size_t j = n; j < tp; j++) row[j] = 0;                                            \
        }                                                                                          \
        /* dQ = dS K */                                                                            \
        for (size_t i0 = 0; i0 < tp; i0 += KS_TILE_ROWS) {                                         \
            size_t k = i0 + KS_TILE_ROWS < t ? i0 + KS_TILE_ROWS : t;                              \
            for (size_t c0 = 0; c0 < ep; c0 += KS_TILE_COLUMNS)                                    \
                tile_##S##SUFFIX(ds + i0 * tp, tp, 1, kh + c0, ep, k, g + i0 * ep + c0, ep);       \
        }                                                                                          \
        for (size_t i = 0; i < t; i++)                                                             \
            for (size_t c = 0; c < e; c++) dqkv[i * ld + h * e + c] += g[i * ep + c];              \
        /* dK = dSᵀ Q and dV = Pᵀ dO: row block j0 sums over the positions i ≥ j0 that see it */  \
        for (int which = 0; which < 2; which++) {                                                  \
            const T *weights = which ? p : ds, *rows = which ? doh : qh;                           \
            for (size_t j0 = 0; j0 < t; j0 += KS_TILE_ROWS)                                        \
                for (size_t c0 = 0; c0 < ep; c0 += KS_TILE_COLUMNS)                                \
                    tile_##S##SUFFIX(weights + j0 * tp + j0, 1, tp, rows + j0 * ep + c0, ep, t - j0, \
                                     g + j0 * ep + c0, ep);                                        \
            T *target = dqkv + (which ? 2 : 1) * d + h * e;                                        \
            for (size_t j = 0; j < t; j++)                                                         \
                for (size_t c = 0; c < e; c++) target[j * ld + c] += g[j * ep + c];                \
        }                                                                                          \
    }                                                                                              \
}

#if defined(__x86_64__)
static int ks_has_avx2_fma(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
#define KS_ATTENTION_WIDE(T, S, EXP) KS_ATTENTION_BODIES(T, S, EXP, __attribute__((target("avx2,fma"))), _avx2)
#define KS_WIDE(name) (ks_has_avx2_fma() ? name##_avx2 : name##_portable)
#else
#define KS_ATTENTION_WIDE(T, S, EXP)
#define KS_WIDE(name) name##_portable
#endif

#define KS_DEFINE_ATTENTION_KERNELS(T, S, EXP)                                                     \
KS_ATTENTION_BODIES(T, S, EXP, , _portable)                                                        \
KS_ATTENTION_WIDE(T, S, EXP)                                                                       \
void ks_causal_attention_##S(const T *qkv, size_t t, size_t heads, size_t head_dim, T *out,        \
                             T *probabilities, T *scratch) {                                       \
    T scale = (T)(1.0 / sqrt((double)head_dim));                                                   \
    KS_WIDE(causal_attention_##S)(qkv, t, heads, head_dim, scale, out, probabilities, scratch);    \
}                                                                                                  \
void ks_causal_attention_backward_##S(const T *dout, const T *qkv, const T *probabilities,         \
                                      size_t t, size_t heads, size_t head_dim, T *dqkv,            \
                                      T *scratch) {                                                \
    T scale = (T)(1.0 / sqrt((double)head_dim));                                                   \
    KS_WIDE(causal_attention_backward_##S)(dout, qkv, probabilities, t, heads, head_dim, scale,    \
                                           dqkv, scratch);                                         \
}

KS_DEFINE_ATTENTION_KERNELS(float, f, ks_fast_expf)
KS_DEFINE_ATTENTION_KERNELS(double, d, exp)
