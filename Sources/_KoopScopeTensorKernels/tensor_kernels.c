// Float and double instances of the CPU backend's kernels, stamped out by one macro so the two
// precisions cannot drift apart. Built with -O2 in every configuration (Package.swift): these
// loops are the training module's hot path, and tests run them in debug builds too.
#include "koopscope_tensor_kernels.h"
#include <math.h>
#include <string.h>
#include "fast_math.h"

static inline double ks_sech2(double u) { double t = tanh(u); return 1.0 - t * t; }

// GELU's value and slope, outside the cloned region so that each clone inlines them.
#define KS_DEFINE_GELU(T, S, TANH, SECH2)                                                          \
static inline T ks_gelu_value_##S(T v) {                                                           \
    const T c = (T)0.7978845608028654, k = (T)0.044715;                                            \
    return (T)0.5 * v * ((T)1 + TANH(c * (v + k * v * v * v)));                                   \
}                                                                                                  \
static inline T ks_gelu_slope_##S(T v) {                                                           \
    const T c = (T)0.7978845608028654, k = (T)0.044715;                                            \
    T u = c * (v + k * v * v * v), th = TANH(u);                                                   \
    return (T)0.5 * ((T)1 + th) + (T)0.5 * v * SECH2(u) * c * ((T)1 + (T)3 * k * v * v);           \
}

KS_DEFINE_GELU(float, f, ks_fast_tanhf, ks_fast_sech2f)
KS_DEFINE_GELU(double, d, tanh, ks_sech2)

// Every kernel below also exists as an AVX2 clone, chosen once at load time by the CPU it runs on:
// the element-wise loops (GELU, AdamW, bias) go eight floats wide instead of four. The clone does
// not enable FMA, so its rounding is the portable build's and training results keep their bits.
#if defined(__x86_64__) && defined(__ELF__) && defined(__clang__)
#pragma clang attribute push (__attribute__((target_clones("avx2", "default"))), apply_to = function)
#define KS_CLONES_PUSHED 1
#endif

#define KS_DEFINE_TENSOR_KERNELS(T, S, EXP, LOG, SQRT)                                     \
void ks_add_bias_##S(T *x, const T *bias, size_t rows, size_t columns) {                           \
    for (size_t i = 0; i < rows; i++) {                                                            \
        T *row = x + i * columns;                                                                  \
        for (size_t j = 0; j < columns; j++) row[j] += bias[j];                                    \
    }                                                                                              \
}                                                                                                  \
void ks_column_sums_##S(const T *g, size_t rows, size_t columns, T *out) {                         \
    for (size_t i = 0; i < rows; i++) {                                                            \
        const T *row = g + i * columns;                                                            \
        for (size_t j = 0; j < columns; j++) out[j] += row[j];                                     \
    }                                                                                              \
}                                                                                                  \
void ks_layer_norm_##S(const T *x, const T *gamma, const T *beta, size_t rows, size_t columns,     \
                       T epsilon, T *y, T *mean, T *rstd) {                                        \
    for (size_t i = 0; i < rows; i++) {                                                            \
        const T *row = x + i * columns;                                                            \
        double sum = 0, squares = 0;                                                               \
        for (size_t j = 0; j < columns; j++) sum += row[j];                                        \
        double mu = sum / (double)columns;                                                         \
        for (size_t j = 0; j < columns; j++) { double c = row[j] - mu; squares += c * c; }         \
        T r = (T)(1.0 / sqrt(squares / (double)columns + (double)epsilon));                        \
        mean[i] = (T)mu; rstd[i] = r;                                                              \
        T *out = y + i * columns;                                                                  \
        for (size_t j = 0; j < columns; j++) out[j] = (row[j] - (T)mu) * r * gamma[j] + beta[j];   \
    }                                                                                              \
}                                                                                                  \
void ks_layer_norm_backward_##S(const T *dy, const T *x, const T *gamma, const T *mean,            \
                                const T *rstd, size_t rows, size_t columns, T *dx, T *dgamma,      \
                                T *dbeta) {                                                        \
    for (size_t i = 0; i < rows; i++) {                                                            \
        const T *g = dy + i * columns, *row = x + i * columns;                                     \
        T mu = mean[i], r = rstd[i];                                                               \
        /* The parameter gradients apart from the double sums, so that their loop vectorises. */   \
        for (size_t j = 0; j < columns; j++) {                                                     \
            T xhat = (row[j] - mu) * r;                                                            \
            dgamma[j] += g[j] * xhat; dbeta[j] += g[j];                                            \
        }                                                                                          \
        double a = 0, b = 0; /* mean of dxhat, mean of dxhat * xhat */                             \
        for (size_t j = 0; j < columns; j++) {                                                     \
            T xhat = (row[j] - mu) * r, dxhat = g[j] * gamma[j];                                   \
            a += dxhat; b += dxhat * xhat;                                                         \
        }                                                                                          \
        T ma = (T)(a / (double)columns), mb = (T)(b / (double)columns);                            \
        T *out = dx + i * columns;                                                                 \
        for (size_t j = 0; j < columns; j++) {                                                     \
            T xhat = (row[j] - mu) * r;                                                            \
            out[j] += r * (g[j] * gamma[j] - ma - xhat * mb);                                      \
        }                                                                                          \
    }                                                                                              \
}                                                                                                  \
/* One pass over the row for the bias and the activation instead of one each: the row is read   */ \
/* from memory once.                                                                             */ \
void ks_bias_gelu_##S(T *z, const T *bias, size_t rows, size_t columns, T *y) {                   \
    for (size_t i = 0; i < rows; i++) {                                                            \
        T *zi = z + i * columns, *yi = y + i * columns;                                            \
        if (bias) for (size_t j = 0; j < columns; j++) { T v = zi[j] + bias[j]; zi[j] = v; yi[j] = ks_gelu_value_##S(v); } \
        else for (size_t j = 0; j < columns; j++) yi[j] = ks_gelu_value_##S(zi[j]);               \
    }                                                                                              \
}                                                                                                  \
void ks_bias_gelu_backward_##S(const T *z, const T *dy, size_t rows, size_t columns, T *dz,        \
                               T *dbias) {                                                         \
    for (size_t i = 0; i < rows; i++) {                                                            \
        const T *zi = z + i * columns, *gi = dy + i * columns; T *di = dz + i * columns;           \
        if (dbias) for (size_t j = 0; j < columns; j++) {                                          \
            T g = gi[j] * ks_gelu_slope_##S(zi[j]);                                                \
            di[j] += g; dbias[j] += g;                                                             \
        }                                                                                          \
        else for (size_t j = 0; j < columns; j++) di[j] += gi[j] * ks_gelu_slope_##S(zi[j]);      \
    }                                                                                              \
}                                                                                                  \
void ks_token_log_probs_##S(const T *logits, const int32_t *targets, size_t rows, size_t vocab,    \
                            T inverse_temperature, T *logp, T *entropy, T *probabilities) {        \
    for (size_t i = 0; i < rows; i++) {                                                            \
        const T *z = logits + i * vocab; T *p = probabilities + i * vocab;                         \
        T top = z[0] * inverse_temperature;                                                        \
        for (size_t v = 1; v < vocab; v++) if (z[v] * inverse_temperature > top)                   \
            top = z[v] * inverse_temperature;                                                      \
        T sum = 0;                                                                                 \
        for (size_t v = 0; v < vocab; v++) { p[v] = EXP(z[v] * inverse_temperature - top); sum += p[v]; } \
        T lse = top + LOG(sum), inverse = (T)1 / sum, h = 0;                                       \
        for (size_t v = 0; v < vocab; v++) {                                                       \
            p[v] *= inverse;                                                                       \
            h -= p[v] * (z[v] * inverse_temperature - lse);                                        \
        }                                                                                          \
        logp[i] = z[targets[i]] * inverse_temperature - lse;                                       \
        entropy[i] = h;                                                                            \
    }                                                                                              \
}                                                                                                  \
void ks_token_log_probs_backward_##S(const T *probabilities, const int32_t *targets,               \
                                     const T *dlogp, const T *dentropy, size_t rows, size_t vocab, \
                                     T inverse_temperature, T *dlogits) {                          \
    for (size_t i = 0; i < rows; i++) {                                                            \
        const T *p = probabilities + i * vocab; T *out = dlogits + i * vocab;                      \
        T gl = dlogp ? dlogp[i] : 0, ge = dentropy ? dentropy[i] : 0;                              \
        if (gl == 0 && ge == 0) continue;                                                          \
        T h = 0;                                                                                   \
        if (ge != 0) for (size_t v = 0; v < vocab; v++) if (p[v] > 0) h -= p[v] * LOG(p[v]);       \
        for (size_t v = 0; v < vocab; v++) {                                                       \
            /* d logp_t / dz_v = [v = t] - p_v;  dH / dz_v = -p_v (log p_v + H) */                  \
            T d = -gl * p[v];                                                                      \
            if (ge != 0 && p[v] > 0) d -= ge * p[v] * (LOG(p[v]) + h);                             \
            out[v] += inverse_temperature * d;                                                     \
        }                                                                                          \
        out[targets[i]] += inverse_temperature * gl;                                               \
    }                                                                                              \
}                                                                                                  \
void ks_embed_##S(const T *token_table, const T *position_table, const int32_t *tokens,            \
                  const int32_t *positions, size_t rows, size_t dim, T *out) {                     \
    for (size_t i = 0; i < rows; i++) {                                                            \
        const T *a = token_table + (size_t)tokens[i] * dim;                                        \
        const T *b = position_table + (size_t)positions[i] * dim;                                  \
        T *o = out + i * dim;                                                                      \
        for (size_t j = 0; j < dim; j++) o[j] = a[j] + b[j];                                       \
    }                                                                                              \
}                                                                                                  \
void ks_embed_backward_##S(const T *dout, const int32_t *tokens, const int32_t *positions,         \
                           size_t rows, size_t dim, T *dtoken_table, T *dposition_table) {         \
    for (size_t i = 0; i < rows; i++) {                                                            \
        const T *g = dout + i * dim;                                                               \
        T *a = dtoken_table + (size_t)tokens[i] * dim;                                             \
        T *b = dposition_table + (size_t)positions[i] * dim;                                       \
        for (size_t j = 0; j < dim; j++) { a[j] += g[j]; b[j] += g[j]; }                           \
    }                                                                                              \
}                                                                                                  \
void ks_scale_##S(T *x, size_t count, T alpha) {                                                    \
    for (size_t i = 0; i < count; i++) x[i] *= alpha;                                              \
}                                                                                                  \
void ks_adamw_##S(T *parameters, const T *gradient, T *m, T *v, size_t count, T learning_rate,     \
                  T beta1, T beta2, T epsilon, T weight_decay, T c1, T c2) {                       \
    for (size_t i = 0; i < count; i++) {                                                           \
        T g = gradient[i];                                                                         \
        m[i] = beta1 * m[i] + ((T)1 - beta1) * g;                                                  \
        v[i] = beta2 * v[i] + ((T)1 - beta2) * g * g;                                              \
        T mhat = m[i] / c1, vhat = v[i] / c2;                                                      \
        parameters[i] -= learning_rate * (mhat / (SQRT(vhat) + epsilon)                            \
                                          + weight_decay * parameters[i]);                         \
    }                                                                                              \
}                                                                                                  \
void ks_attend_cached_##S(const T *q, const T *keys, const T *values, size_t length,               \
                          size_t heads, size_t head_dim, size_t ld, T *scratch, T *out) {          \
    /* scratch holds heads x length scores. Keys and values are each swept once, row by row,     */ \
    /* every head at a time: the cache streams in order instead of once per head.                */ \
    T scale = (T)1 / SQRT((T)head_dim);                                                            \
    for (size_t j = 0; j < length; j++) {                                                          \
        const T *krow = keys + j * ld;                                                             \
        for (size_t h = 0; h < heads; h++) {                                                       \
            const T *qh = q + h * head_dim, *k = krow + h * head_dim;                              \
            /* Eight interleaved partial sums, added in a fixed order: a vector's worth of FMAs   */ \
            /* per step instead of one dependent chain (strict IEEE order forbids the compiler    */ \
            /* to split a single sum), and the same result on every run.                          */ \
            T part[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                                  \
            size_t e = 0;                                                                          \
            for (; e + 8 <= head_dim; e += 8)                                                      \
                for (size_t u = 0; u < 8; u++) part[u] += qh[e + u] * k[e + u];                    \
            for (; e < head_dim; e++) part[e % 8] += qh[e] * k[e];                                 \
            T s = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7])); \
            scratch[h * length + j] = s * scale;                                                   \
        }                                                                                          \
    }                                                                                              \
    for (size_t h = 0; h < heads; h++) {                                                           \
        T *p = scratch + h * length, top = -INFINITY, sum = 0;                                     \
        for (size_t j = 0; j < length; j++) if (p[j] > top) top = p[j];                            \
        for (size_t j = 0; j < length; j++) { p[j] = EXP(p[j] - top); sum += p[j]; }               \
        for (size_t j = 0; j < length; j++) p[j] /= sum;                                           \
    }                                                                                              \
    for (size_t i = 0; i < heads * head_dim; i++) out[i] = 0;                                      \
    for (size_t j = 0; j < length; j++) {                                                          \
        const T *vrow = values + j * ld;                                                           \
        for (size_t h = 0; h < heads; h++) {                                                       \
            T w = scratch[h * length + j], *oh = out + h * head_dim;                               \
            const T *v = vrow + h * head_dim;                                                      \
            for (size_t e = 0; e < head_dim; e++) oh[e] += w * v[e];                               \
        }                                                                                          \
    }                                                                                              \
}

KS_DEFINE_TENSOR_KERNELS(float, f, expf, logf, sqrtf)
KS_DEFINE_TENSOR_KERNELS(double, d, exp, log, sqrt)

#ifdef KS_CLONES_PUSHED
#pragma clang attribute pop
#endif
