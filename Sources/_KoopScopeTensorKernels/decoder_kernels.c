// The Llama-family blocks on the CPU: RMSNorm, the SiLU-gated product and rotary embeddings,
// forward and backward, in float and double from one macro (the double instances are what the
// gradient checks differentiate).
#include "koopscope_tensor_kernels.h"
#include <math.h>
#include <stdlib.h>

#define KS_DEFINE_DECODER_KERNELS(T, S, EXP)                                                       \
void ks_rms_norm_##S(const T *x, const T *weight, size_t rows, size_t columns, T epsilon,           \
                     T *y, T *rstd) {                                                              \
    for (size_t i = 0; i < rows; i++) {                                                            \
        const T *row = x + i * columns;                                                            \
        double squares = 0;                                                                        \
        for (size_t j = 0; j < columns; j++) squares += (double)row[j] * (double)row[j];          \
        T r = (T)(1.0 / sqrt(squares / (double)columns + (double)epsilon));                        \
        rstd[i] = r;                                                                               \
        T *out = y + i * columns;                                                                  \
        for (size_t j = 0; j < columns; j++) out[j] = weight[j] * (row[j] * r);                    \
    }                                                                                              \
}                                                                                                  \
void ks_rms_norm_backward_##S(const T *dy, const T *x, const T *weight, const T *rstd,              \
                              size_t rows, size_t columns, T *dx, T *dweight) {                    \
    for (size_t i = 0; i < rows; i++) {                                                            \
        const T *g = dy + i * columns, *row = x + i * columns;                                     \
        T r = rstd[i];                                                                             \
        double dot = 0; /* sum_k g_k w_k x_k */                                                    \
        for (size_t j = 0; j < columns; j++) {                                                     \
            dweight[j] += g[j] * row[j] * r;                                                       \
            dot += (double)g[j] * (double)weight[j] * (double)row[j];                              \
        }                                                                                          \
        T c = (T)(dot / (double)columns) * r * r * r;                                              \
        T *out = dx + i * columns;                                                                 \
        for (size_t j = 0; j < columns; j++) out[j] += r * g[j] * weight[j] - c * row[j];          \
    }                                                                                              \
}                                                                                                  \
void ks_silu_gate_##S(const T *gate, const T *up, size_t count, T *y) {                            \
    for (size_t i = 0; i < count; i++) y[i] = gate[i] / ((T)1 + EXP(-gate[i])) * up[i];            \
}                                                                                                  \
void ks_silu_gate_backward_##S(const T *gate, const T *up, const T *dy, size_t count,              \
                               T *dgate, T *dup) {                                                 \
    for (size_t i = 0; i < count; i++) {                                                           \
        T g = gate[i], s = (T)1 / ((T)1 + EXP(-g));                                                \
        dup[i] += dy[i] * g * s;                                                                   \
        dgate[i] += dy[i] * up[i] * s * ((T)1 + g * ((T)1 - s));                                   \
    }                                                                                              \
}                                                                                                  \
void ks_rotary_##S(const T *x, size_t rows, size_t heads, size_t head_dim,                         \
                   const int32_t *positions, const T *frequencies, int sign, int accumulate,       \
                   T *y) {                                                                         \
    size_t half = head_dim / 2, width = heads * head_dim;                                          \
    for (size_t r = 0; r < rows; r++) {                                                            \
        for (size_t i = 0; i < half; i++) {                                                        \
            double angle = (double)positions[r] * (double)frequencies[i];                          \
            T c = (T)cos(angle), s = (T)(sign * sin(angle));                                       \
            for (size_t h = 0; h < heads; h++) {                                                   \
                size_t at = r * width + h * head_dim + i;                                          \
                T a = x[at], b = x[at + half];                                                     \
                T first = a * c - b * s, second = b * c + a * s;                                   \
                if (accumulate) { y[at] += first; y[at + half] += second; }                        \
                else { y[at] = first; y[at + half] = second; }                                     \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
}                                                                                                  \
void ks_grouped_attention_##S(const T *q, const T *k, const T *v, size_t batch, size_t t,          \
                              size_t heads, size_t kv_heads, size_t head_dim, T *out,              \
                              T *probabilities) {                                                  \
    size_t group = heads / kv_heads, qw = heads * head_dim, kw = kv_heads * head_dim;              \
    T scale = (T)(1.0 / sqrt((double)head_dim));                                                   \
    for (size_t b = 0; b < batch; b++)                                                             \
    for (size_t h = 0; h < heads; h++) {                                                           \
        size_t g = h / group;                                                                      \
        for (size_t i = 0; i < t; i++) {                                                           \
            const T *qi = q + (b * t + i) * qw + h * head_dim;                                     \
            T *p = probabilities + ((b * heads + h) * t + i) * t;                                  \
            T top = 0;                                                                     \
            for (size_t j = 0; j <= i; j++) {                                                      \
                const T *kj = k + (b * t + j) * kw + g * head_dim;                                 \
                T s = 0;                                                                           \
                for (size_t c = 0; c < head_dim; c++) s += qi[c] * kj[c];                          \
                p[j] = s * scale;                                                                  \
                if (j == 0 || p[j] > top) top = p[j];                                                        \
            }                                                                                      \
            T sum = 0;                                                                             \
            for (size_t j = 0; j <= i; j++) { p[j] = EXP(p[j] - top); sum += p[j]; }               \
            for (size_t j = 0; j <= i; j++) p[j] /= sum;                                           \
            for (size_t j = i + 1; j < t; j++) p[j] = 0;                                           \
            T *o = out + (b * t + i) * qw + h * head_dim;                                          \
            for (size_t c = 0; c < head_dim; c++) o[c] = 0;                                        \
            for (size_t j = 0; j <= i; j++) {                                                      \
                const T *vj = v + (b * t + j) * kw + g * head_dim;                                 \
                for (size_t c = 0; c < head_dim; c++) o[c] += p[j] * vj[c];                        \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
}                                                                                                  \
void ks_grouped_attention_backward_##S(const T *dout, const T *q, const T *k, const T *v,          \
                                       const T *probabilities, size_t batch, size_t t,             \
                                       size_t heads, size_t kv_heads, size_t head_dim,             \
                                       T *dq, T *dk, T *dv) {                                      \
    size_t group = heads / kv_heads, qw = heads * head_dim, kw = kv_heads * head_dim;              \
    T scale = (T)(1.0 / sqrt((double)head_dim));                                                   \
    T *ds = (T *)malloc((t ? t : 1) * sizeof(T));                                                  \
    if (!ds) return;                                                                               \
    for (size_t b = 0; b < batch; b++)                                                             \
    for (size_t h = 0; h < heads; h++) {                                                           \
        size_t g = h / group;                                                                      \
        for (size_t i = 0; i < t; i++) {                                                          \
            const T *gi = dout + (b * t + i) * qw + h * head_dim;                                  \
            const T *p = probabilities + ((b * heads + h) * t + i) * t;                            \
            /* dp_ij = dout_i . v_j; ds_ij = p_ij (dp_ij - sum_j p_ij dp_ij) */                    \
            T weighted = 0;                                                                        \
            for (size_t j = 0; j <= i; j++) {                                                      \
                const T *vj = v + (b * t + j) * kw + g * head_dim;                                 \
                T dp = 0;                                                                          \
                for (size_t c = 0; c < head_dim; c++) dp += gi[c] * vj[c];                         \
                ds[j] = dp;                                                                        \
                weighted += p[j] * dp;                                                             \
                T *dvj = dv + (b * t + j) * kw + g * head_dim;                                     \
                for (size_t c = 0; c < head_dim; c++) dvj[c] += p[j] * gi[c];                      \
            }                                                                                      \
            const T *qi = q + (b * t + i) * qw + h * head_dim;                                     \
            T *dqi = dq + (b * t + i) * qw + h * head_dim;                                         \
            for (size_t j = 0; j <= i; j++) {                                                      \
                T d = p[j] * (ds[j] - weighted) * scale;                                           \
                const T *kj = k + (b * t + j) * kw + g * head_dim;                                 \
                T *dkj = dk + (b * t + j) * kw + g * head_dim;                                     \
                for (size_t c = 0; c < head_dim; c++) { dqi[c] += d * kj[c]; dkj[c] += d * qi[c]; } \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    free(ds);                                                                                      \
}

KS_DEFINE_DECODER_KERNELS(float, f, expf)
KS_DEFINE_DECODER_KERNELS(double, d, exp)
