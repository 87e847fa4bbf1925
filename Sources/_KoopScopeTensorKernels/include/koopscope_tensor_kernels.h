// The CPU backend's element-wise and row-wise kernels, each in float (suffix f) and double
// (suffix d) so that every tensor op can be gradient-checked in double. Row-major throughout.
// Kernels named *_backward add into their gradient outputs (a tape accumulates).
#ifndef KOOPSCOPE_TENSOR_KERNELS_H
#define KOOPSCOPE_TENSOR_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define KS_DECLARE_TENSOR_KERNELS(T, S)                                                            \
    /* x[i][j] += bias[j] */                                                                       \
    void ks_add_bias_##S(T *x, const T *bias, size_t rows, size_t columns);                        \
    /* out[j] += sum_i g[i][j] */                                                                  \
    void ks_column_sums_##S(const T *g, size_t rows, size_t columns, T *out);                      \
    /* y = (x - mean) * rstd * gamma + beta per row; mean and rstd saved per row */                \
    void ks_layer_norm_##S(const T *x, const T *gamma, const T *beta, size_t rows, size_t columns,  \
                           T epsilon, T *y, T *mean, T *rstd);                                     \
    void ks_layer_norm_backward_##S(const T *dy, const T *x, const T *gamma, const T *mean,        \
                                    const T *rstd, size_t rows, size_t columns, T *dx, T *dgamma,  \
                                    T *dbeta);                                                     \
    /* GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), of z + bias per row: */   \
    /* z (rows x columns) gets the bias added in place, y = gelu(z); bias may be NULL */           \
    void ks_bias_gelu_##S(T *z, const T *bias, size_t rows, size_t columns, T *y);                 \
    /* adds g = dy gelu'(z) into dz and, unless dbias is NULL, g's column sums into dbias */      \
    void ks_bias_gelu_backward_##S(const T *z, const T *dy, size_t rows, size_t columns, T *dz,    \
                                   T *dbias);                                                      \
    /* Causal attention of one sequence of t positions, every head: qkv is t x 3d (queries, */    \
    /* keys, values side by side, d = heads * head_dim), out t x d; probabilities[h][i][j] = */     \
    /* softmax_j<=i(q_i.k_j / sqrt(head_dim)), zero for j > i (heads x t x t); scratch holds */     \
    /* ks_causal_attention_scratch(t, head_dim) elements */                                        \
    void ks_causal_attention_##S(const T *qkv, size_t t, size_t heads, size_t head_dim, T *out,    \
                                 T *probabilities, T *scratch);                                    \
    /* adds the gradient of that attention with respect to qkv into dqkv, given dout (t x d) */    \
    void ks_causal_attention_backward_##S(const T *dout, const T *qkv, const T *probabilities,     \
                                          size_t t, size_t heads, size_t head_dim, T *dqkv,        \
                                          T *scratch);                                             \
    /* z = logits / temperature; logp[i] = log softmax(z)[target[i]], entropy[i] = H(softmax z); */ \
    /* probabilities saved (rows x vocab) */                                                       \
    void ks_token_log_probs_##S(const T *logits, const int32_t *targets, size_t rows, size_t vocab, \
                                T inverse_temperature, T *logp, T *entropy, T *probabilities);     \
    void ks_token_log_probs_backward_##S(const T *probabilities, const int32_t *targets,           \
                                         const T *dlogp, const T *dentropy, size_t rows,           \
                                         size_t vocab, T inverse_temperature, T *dlogits);         \
    /* out[i] = tokens_table[token[i]] + positions_table[position[i]] */                           \
    void ks_embed_##S(const T *token_table, const T *position_table, const int32_t *tokens,        \
                      const int32_t *positions, size_t rows, size_t dim, T *out);                  \
    void ks_embed_backward_##S(const T *dout, const int32_t *tokens, const int32_t *positions,      \
                               size_t rows, size_t dim, T *dtoken_table, T *dposition_table);      \
    /* x[i] *= alpha */                                                                            \
    void ks_scale_##S(T *x, size_t count, T alpha);                                                \
    /* One AdamW step (decoupled weight decay), bias corrections c1 = 1-b1^t, c2 = 1-b2^t */       \
    void ks_adamw_##S(T *parameters, const T *gradient, T *m, T *v, size_t count, T learning_rate, \
                      T beta1, T beta2, T epsilon, T weight_decay, T c1, T c2);                    \
    /* Attention of one new query (all heads) over `length` cached keys and values:          */    \
    /* q, out: heads*head_dim; caches: length rows of leading dimension ld; scratch: heads*length */ \
    void ks_attend_cached_##S(const T *q, const T *keys, const T *values, size_t length,           \
                              size_t heads, size_t head_dim, size_t ld, T *scratch, T *out);

KS_DECLARE_TENSOR_KERNELS(float, f)
/* The elements of scratch the causal attention kernels need for t positions and heads of width head_dim. */
size_t ks_causal_attention_scratch(size_t t, size_t head_dim);
KS_DECLARE_TENSOR_KERNELS(double, d)

/* C (m x n, leading dimension ldc) = A (m x k) B (k x n), plus C when accumulate, for small m:
 * no packing of B, one fixed-order FMA chain per element. Returns 0 (and does nothing) where the
 * CPU lacks AVX2 and FMA, for the caller to use BLAS instead. */
int ks_small_gemm_f(const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc,
                    size_t m, size_t n, size_t k, int accumulate);

/* B (k x n, leading dimension ldb) laid out as strips of 16 columns, each k x 16 and contiguous,
 * the last one padded with zeros: ceil(n/16) * 16 * k floats at `strips`. */
void ks_pack_strips_f(const float *b, size_t ldb, size_t k, size_t n, float *strips);

/* ks_small_gemm_f with B as ks_pack_strips_f laid it out: the same result, bit for bit. */
int ks_small_gemm_strips_f(const float *a, size_t lda, const float *strips, float *c, size_t ldc,
                           size_t m, size_t n, size_t k, int accumulate);


/* The Llama-family blocks (decoder_kernels.c), float and double like the rest. */
#define KS_DECLARE_DECODER_KERNELS(T, S)                                                           \
    /* y = x * rstd * weight per row, rstd = 1 / sqrt(mean(x^2) + epsilon), saved per row */       \
    void ks_rms_norm_##S(const T *x, const T *weight, size_t rows, size_t columns, T epsilon,       \
                         T *y, T *rstd);                                                           \
    void ks_rms_norm_backward_##S(const T *dy, const T *x, const T *weight, const T *rstd,          \
                                  size_t rows, size_t columns, T *dx, T *dweight);                 \
    /* y = silu(gate) * up, silu(g) = g / (1 + exp(-g)) */                                         \
    void ks_silu_gate_##S(const T *gate, const T *up, size_t count, T *y);                         \
    void ks_silu_gate_backward_##S(const T *gate, const T *up, const T *dy, size_t count,          \
                                   T *dgate, T *dup);                                              \
    /* Rotary embedding of rows x (heads * head_dim): in each head, elements i and i + head_dim/2 */ \
    /* are rotated by sign * positions[row] * frequencies[i]; written into y, or added into it */  \
    /* when accumulate (the backward pass rotates the gradient back with sign -1) */               \
    void ks_rotary_##S(const T *x, size_t rows, size_t heads, size_t head_dim,                     \
                       const int32_t *positions, const T *frequencies, int sign, int accumulate,   \
                       T *y);                                                                      \
    /* Causal grouped-query attention of batch right-padded sequences of length t: q is */         \
    /* (batch*t) x (heads*head_dim), k and v (batch*t) x (kv_heads*head_dim); query head h reads */ \
    /* key/value head h / (heads / kv_heads). out as q; probabilities batch x heads x t x t, */     \
    /* zero above the diagonal */                                                                  \
    void ks_grouped_attention_##S(const T *q, const T *k, const T *v, size_t batch, size_t t,      \
                                  size_t heads, size_t kv_heads, size_t head_dim, T *out,          \
                                  T *probabilities);                                               \
    /* adds the gradients with respect to q, k and v into dq, dk, dv */                            \
    void ks_grouped_attention_backward_##S(const T *dout, const T *q, const T *k, const T *v,      \
                                           const T *probabilities, size_t batch, size_t t,         \
                                           size_t heads, size_t kv_heads, size_t head_dim,         \
                                           T *dq, T *dk, T *dv);

KS_DECLARE_DECODER_KERNELS(float, f)
KS_DECLARE_DECODER_KERNELS(double, d)

#endif
