import KoopScopeCUDA

extension CUDAKernelSource {
    /// The CUDA backend's kernels: each a template instantiated for float (`_f`) and double
    /// (`_d`), mirroring the CPU kernels of `_KoopScopeTensorKernels` one for one; integers are
    /// `long long`. ``CUDABackend`` loads them on its device.
    public static let training = CUDAKernelSource(name: "training", body: #"""

template <typename T> __device__ void add_bias(T *x, const T *bias, i64 rows, i64 cols) {
    LOOP(i, rows * cols) x[i] += bias[i % cols];
}
template <typename T> __device__ void column_sums(const T *g, i64 rows, i64 cols, T *out) {
    LOOP(j, cols) { T s = 0; for (i64 i = 0; i < rows; i++) s += g[i * cols + j]; out[j] += s; }
}
template <typename T> __device__ void axpy(T alpha, const T *x, T *y, i64 n) { LOOP(i, n) y[i] += alpha * x[i]; }
template <typename T> __device__ void scale(T *x, T alpha, i64 n) { LOOP(i, n) x[i] *= alpha; }
template <typename T> __device__ void sum_squares(const T *x, i64 n, double *partial) {
    __shared__ double cache[256];
    double s = 0;
    LOOP(i, n) s += (double)x[i] * (double)x[i];
    cache[threadIdx.x] = s;
    __syncthreads();
    for (int w = 128; w > 0; w >>= 1) { if (threadIdx.x < w) cache[threadIdx.x] += cache[threadIdx.x + w]; __syncthreads(); }
    if (threadIdx.x == 0) partial[blockIdx.x] = cache[0];
}
template <typename T> __device__ void layer_norm(const T *x, const T *gamma, const T *beta, i64 rows, i64 cols, T eps,
                                                 T *y, T *mean, T *rstd) {
    LOOP(i, rows) {
        const T *r = x + i * cols;
        double s = 0, q = 0;
        for (i64 j = 0; j < cols; j++) s += r[j];
        double mu = s / cols;
        for (i64 j = 0; j < cols; j++) { double c = r[j] - mu; q += c * c; }
        T rs = (T)(1.0 / sqrt(q / cols + (double)eps));
        mean[i] = (T)mu; rstd[i] = rs;
        for (i64 j = 0; j < cols; j++) y[i * cols + j] = (r[j] - (T)mu) * rs * gamma[j] + beta[j];
    }
}
template <typename T> __device__ void layer_norm_backward_rows(const T *dy, const T *x, const T *gamma, const T *mean,
                                                               const T *rstd, i64 rows, i64 cols, T *dx) {
    LOOP(i, rows) {
        const T *g = dy + i * cols, *r = x + i * cols;
        T mu = mean[i], rs = rstd[i];
        double a = 0, b = 0;
        for (i64 j = 0; j < cols; j++) { T xh = (r[j] - mu) * rs, d = g[j] * gamma[j]; a += d; b += d * xh; }
        T ma = (T)(a / cols), mb = (T)(b / cols);
        for (i64 j = 0; j < cols; j++) { T xh = (r[j] - mu) * rs; dx[i * cols + j] += rs * (g[j] * gamma[j] - ma - xh * mb); }
    }
}
template <typename T> __device__ void layer_norm_backward_columns(const T *dy, const T *x, const T *mean, const T *rstd,
                                                                  i64 rows, i64 cols, T *dgamma, T *dbeta) {
    LOOP(j, cols) {
        T sg = 0, sb = 0;
        for (i64 i = 0; i < rows; i++) { T g = dy[i * cols + j]; sg += g * (x[i * cols + j] - mean[i]) * rstd[i]; sb += g; }
        dgamma[j] += sg; dbeta[j] += sb;
    }
}
template <typename T> __device__ void gelu(const T *x, i64 n, T *y) {
    const T c = (T)0.7978845608028654, k = (T)0.044715;
    LOOP(i, n) { T v = x[i]; y[i] = (T)0.5 * v * ((T)1 + k_tanh(c * (v + k * v * v * v))); }
}
template <typename T> __device__ void gelu_backward(const T *x, const T *dy, i64 n, T *dx) {
    const T c = (T)0.7978845608028654, k = (T)0.044715;
    LOOP(i, n) {
        T v = x[i], th = k_tanh(c * (v + k * v * v * v));
        dx[i] += dy[i] * ((T)0.5 * ((T)1 + th) + (T)0.5 * v * ((T)1 - th * th) * c * ((T)1 + (T)3 * k * v * v));
    }
}
// Rows of `blocks` t×t blocks: causal softmax of scale·s in place (zero above the diagonal).
template <typename T> __device__ void causal_softmax(T *s, i64 blocks, i64 t, T scale) {
    LOOP(r, blocks * t) {
        i64 i = r % t;
        T *row = s + r * t;
        T top = row[0] * scale;
        for (i64 j = 1; j <= i; j++) top = max(top, row[j] * scale);
        T sum = 0;
        for (i64 j = 0; j <= i; j++) { row[j] = k_exp(row[j] * scale - top); sum += row[j]; }
        for (i64 j = 0; j <= i; j++) row[j] /= sum;
        for (i64 j = i + 1; j < t; j++) row[j] = 0;
    }
}
template <typename T> __device__ void softmax_backward(const T *p, T *dp, i64 blocks, i64 t, T scale) {
    LOOP(r, blocks * t) {
        i64 i = r % t;
        const T *pr = p + r * t; T *dr = dp + r * t;
        T dot = 0;
        for (i64 j = 0; j <= i; j++) dot += pr[j] * dr[j];
        for (i64 j = 0; j <= i; j++) dr[j] = scale * pr[j] * (dr[j] - dot);
        for (i64 j = i + 1; j < t; j++) dr[j] = 0;
    }
}
template <typename T> __device__ void token_log_probs(const T *logits, const int *targets, i64 rows, i64 vocab, T inv,
                                                      T *logp, T *entropy, T *probs) {
    LOOP(i, rows) {
        const T *z = logits + i * vocab; T *p = probs + i * vocab;
        T top = z[0] * inv;
        for (i64 v = 1; v < vocab; v++) top = max(top, z[v] * inv);
        T sum = 0;
        for (i64 v = 0; v < vocab; v++) { p[v] = k_exp(z[v] * inv - top); sum += p[v]; }
        T lse = top + k_log(sum), h = 0;
        for (i64 v = 0; v < vocab; v++) { p[v] /= sum; h -= p[v] * (z[v] * inv - lse); }
        logp[i] = z[targets[i]] * inv - lse;
        entropy[i] = h;
    }
}
template <typename T> __device__ void token_log_probs_backward(const T *probs, const int *targets, const T *dlogp,
                                                               const T *dentropy, i64 rows, i64 vocab, T inv, T *dlogits) {
    LOOP(i, rows) {
        const T *p = probs + i * vocab; T *out = dlogits + i * vocab;
        T gl = dlogp ? dlogp[i] : (T)0, ge = dentropy ? dentropy[i] : (T)0;
        if (gl == 0 && ge == 0) continue;
        T h = 0;
        if (ge != 0) for (i64 v = 0; v < vocab; v++) if (p[v] > 0) h -= p[v] * k_log(p[v]);
        for (i64 v = 0; v < vocab; v++) {
            T d = -gl * p[v];
            if (ge != 0 && p[v] > 0) d -= ge * p[v] * (k_log(p[v]) + h);
            out[v] += inv * d;
        }
        out[targets[i]] += inv * gl;
    }
}
template <typename T> __device__ void embed(const T *tok, const T *pos, const int *tokens, const int *positions, i64 rows,
                                            i64 dim, T *out) {
    LOOP(e, rows * dim) { i64 i = e / dim, j = e % dim; out[e] = tok[(i64)tokens[i] * dim + j] + pos[(i64)positions[i] * dim + j]; }
}
template <typename T> __device__ void embed_backward(const T *dout, const int *tokens, const int *positions, i64 rows,
                                                     i64 dim, T *dtok, T *dpos) {
    LOOP(e, rows * dim) {
        i64 i = e / dim, j = e % dim;
        atomicAdd(dtok + (i64)tokens[i] * dim + j, dout[e]);
        atomicAdd(dpos + (i64)positions[i] * dim + j, dout[e]);
    }
}
template <typename T> __device__ void adamw(T *param, const T *grad, T *m, T *v, i64 n, T lr, T b1, T b2, T eps, T wd,
                                            T c1, T c2) {
    LOOP(i, n) {
        T g = grad[i];
        m[i] = b1 * m[i] + ((T)1 - b1) * g;
        v[i] = b2 * v[i] + ((T)1 - b2) * g * g;
        param[i] -= lr * ((m[i] / c1) / (k_sqrt(v[i] / c2) + eps) + wd * param[i]);
    }
}
template <typename T> __device__ void append_to_cache(const T *qkv, i64 batch, i64 d, i64 position, i64 capacity,
                                                      T *keys, T *values) {
    LOOP(e, batch * d) {
        i64 b = e / d, j = e % d, row = (b * capacity + position) * d + j;
        keys[row] = qkv[b * 3 * d + d + j];
        values[row] = qkv[b * 3 * d + 2 * d + j];
    }
}
// One thread per (sequence, head): the new query against `length` cached rows.
template <typename T> __device__ void attend_cached(const T *qkv, const T *keys, const T *values, i64 batch, i64 length,
                                                    i64 capacity, i64 heads, i64 d, T *out) {
    i64 e = d / heads;
    T scale = (T)1 / k_sqrt((T)e);
    LOOP(w, batch * heads) {
        i64 b = w / heads, h = w % heads;
        const T *q = qkv + b * 3 * d + h * e;
        const T *kc = keys + b * capacity * d + h * e, *vc = values + b * capacity * d + h * e;
        T top = 0;
        for (i64 j = 0; j < length; j++) {
            T s = 0; for (i64 c = 0; c < e; c++) s += q[c] * kc[j * d + c];
            top = max(top, s * scale);
        }
        T sum = 0;
        T *o = out + b * d + h * e;
        for (i64 c = 0; c < e; c++) o[c] = 0;
        for (i64 j = 0; j < length; j++) {
            T s = 0; for (i64 c = 0; c < e; c++) s += q[c] * kc[j * d + c];
            T wgt = k_exp(s * scale - top);
            sum += wgt;
            for (i64 c = 0; c < e; c++) o[c] += wgt * vc[j * d + c];
        }
        for (i64 c = 0; c < e; c++) o[c] /= sum;
    }
}
template <typename T> __device__ void rms_norm(const T *x, const T *w, i64 rows, i64 cols, T eps, T *y, T *rstd) {
    LOOP(i, rows) {
        const T *r = x + i * cols;
        double q = 0;
        for (i64 j = 0; j < cols; j++) q += (double)r[j] * (double)r[j];
        T rs = (T)(1.0 / sqrt(q / cols + (double)eps));
        rstd[i] = rs;
        for (i64 j = 0; j < cols; j++) y[i * cols + j] = w[j] * (r[j] * rs);
    }
}
template <typename T> __device__ void rms_norm_backward_rows(const T *dy, const T *x, const T *w, const T *rstd,
                                                             i64 rows, i64 cols, T *dx) {
    LOOP(i, rows) {
        const T *g = dy + i * cols, *r = x + i * cols;
        T rs = rstd[i];
        double dot = 0;
        for (i64 j = 0; j < cols; j++) dot += (double)g[j] * (double)w[j] * (double)r[j];
        T c = (T)(dot / cols) * rs * rs * rs;
        for (i64 j = 0; j < cols; j++) dx[i * cols + j] += rs * g[j] * w[j] - c * r[j];
    }
}
template <typename T> __device__ void rms_norm_backward_columns(const T *dy, const T *x, const T *rstd, i64 rows, i64 cols,
                                                                T *dw) {
    LOOP(j, cols) { T s = 0; for (i64 i = 0; i < rows; i++) s += dy[i * cols + j] * x[i * cols + j] * rstd[i]; dw[j] += s; }
}
template <typename T> __device__ void silu_gate(const T *gate, const T *up, i64 n, T *y) {
    LOOP(i, n) y[i] = gate[i] / ((T)1 + k_exp(-gate[i])) * up[i];
}
template <typename T> __device__ void silu_gate_backward(const T *gate, const T *up, const T *dy, i64 n, T *dgate, T *dup) {
    LOOP(i, n) {
        T g = gate[i], s = (T)1 / ((T)1 + k_exp(-g));
        dup[i] += dy[i] * g * s;
        dgate[i] += dy[i] * up[i] * s * ((T)1 + g * ((T)1 - s));
    }
}
template <typename T> __device__ void rotary(const T *x, i64 rows, i64 heads, i64 hd, const int *pos, const T *freq,
                                             i64 sign, i64 accumulate, T *y) {
    i64 half = hd / 2;
    LOOP(e, rows * heads * half) {
        i64 i = e % half, h = (e / half) % heads, r = e / (half * heads);
        double angle = (double)pos[r] * (double)freq[i];
        T c = (T)cos(angle), s = (T)(sign * sin(angle));
        i64 at = r * heads * hd + h * hd + i;
        T a = x[at], b = x[at + half];
        T first = a * c - b * s, second = b * c + a * s;
        if (accumulate) { y[at] += first; y[at + half] += second; } else { y[at] = first; y[at + half] = second; }
    }
}
template <typename T> __device__ void grouped_attention(const T *q, const T *k, const T *v, i64 batch, i64 t, i64 heads,
                                                        i64 kvh, i64 hd, T *out, T *prob) {
    i64 group = heads / kvh, qw = heads * hd, kw = kvh * hd;
    T scale = (T)(1.0 / sqrt((double)hd));
    LOOP(e, batch * heads * t) {
        i64 i = e % t, h = (e / t) % heads, b = e / (t * heads), g = h / group;
        const T *qi = q + (b * t + i) * qw + h * hd;
        T *p = prob + ((b * heads + h) * t + i) * t;
        T top = 0;
        for (i64 j = 0; j <= i; j++) {
            const T *kj = k + (b * t + j) * kw + g * hd;
            T s = 0;
            for (i64 c = 0; c < hd; c++) s += qi[c] * kj[c];
            p[j] = s * scale;
            if (j == 0 || p[j] > top) top = p[j];
        }
        T sum = 0;
        for (i64 j = 0; j <= i; j++) { p[j] = k_exp(p[j] - top); sum += p[j]; }
        for (i64 j = 0; j <= i; j++) p[j] /= sum;
        for (i64 j = i + 1; j < t; j++) p[j] = 0;
        T *o = out + (b * t + i) * qw + h * hd;
        for (i64 c = 0; c < hd; c++) o[c] = 0;
        for (i64 j = 0; j <= i; j++) { const T *vj = v + (b * t + j) * kw + g * hd; for (i64 c = 0; c < hd; c++) o[c] += p[j] * vj[c]; }
    }
}
// Σ_j p_ij (dout_i · v_j): the softmax backward's row term.
template <typename T> __device__ T grouped_row_term(const T *gi, const T *p, const T *v, i64 b, i64 t, i64 i, i64 kw, i64 g,
                                                    i64 hd) {
    T w = 0;
    for (i64 j = 0; j <= i; j++) {
        const T *vj = v + (b * t + j) * kw + g * hd;
        T dp = 0;
        for (i64 c = 0; c < hd; c++) dp += gi[c] * vj[c];
        w += p[j] * dp;
    }
    return w;
}
template <typename T> __device__ void grouped_attention_backward_query(const T *dout, const T *k, const T *v, const T *prob,
                                                                       i64 batch, i64 t, i64 heads, i64 kvh, i64 hd, T *dq) {
    i64 group = heads / kvh, qw = heads * hd, kw = kvh * hd;
    T scale = (T)(1.0 / sqrt((double)hd));
    LOOP(e, batch * heads * t) {
        i64 i = e % t, h = (e / t) % heads, b = e / (t * heads), g = h / group;
        const T *gi = dout + (b * t + i) * qw + h * hd, *p = prob + ((b * heads + h) * t + i) * t;
        T w = grouped_row_term(gi, p, v, b, t, i, kw, g, hd);
        T *dqi = dq + (b * t + i) * qw + h * hd;
        for (i64 j = 0; j <= i; j++) {
            const T *vj = v + (b * t + j) * kw + g * hd, *kj = k + (b * t + j) * kw + g * hd;
            T dp = 0;
            for (i64 c = 0; c < hd; c++) dp += gi[c] * vj[c];
            T d = p[j] * (dp - w) * scale;
            for (i64 c = 0; c < hd; c++) dqi[c] += d * kj[c];
        }
    }
}
template <typename T> __device__ void grouped_attention_backward_key_value(const T *dout, const T *q, const T *v,
                                                                           const T *prob, i64 batch, i64 t, i64 heads,
                                                                           i64 kvh, i64 hd, T *dk, T *dv) {
    i64 group = heads / kvh, qw = heads * hd, kw = kvh * hd;
    T scale = (T)(1.0 / sqrt((double)hd));
    LOOP(e, batch * kvh * t) {
        i64 j = e % t, g = (e / t) % kvh, b = e / (t * kvh);
        const T *vj = v + (b * t + j) * kw + g * hd;
        T *dkj = dk + (b * t + j) * kw + g * hd, *dvj = dv + (b * t + j) * kw + g * hd;
        for (i64 h = g * group; h < (g + 1) * group; h++) {
            for (i64 i = j; i < t; i++) {
                const T *gi = dout + (b * t + i) * qw + h * hd, *p = prob + ((b * heads + h) * t + i) * t;
                const T *qi = q + (b * t + i) * qw + h * hd;
                T dp = 0;
                for (i64 c = 0; c < hd; c++) dp += gi[c] * vj[c];
                T d = p[j] * (dp - grouped_row_term(gi, p, v, b, t, i, kw, g, hd)) * scale;
                for (i64 c = 0; c < hd; c++) { dvj[c] += p[j] * gi[c]; dkj[c] += d * qi[c]; }
            }
        }
    }
}
#define BOTH(NAME, PARAMS_F, PARAMS_D, ARGS) \
    extern "C" __global__ void ks_##NAME##_f PARAMS_F { NAME<float> ARGS; } \
    extern "C" __global__ void ks_##NAME##_d PARAMS_D { NAME<double> ARGS; }

BOTH(add_bias, (float *x, const float *b, i64 r, i64 c), (double *x, const double *b, i64 r, i64 c), (x, b, r, c))
BOTH(column_sums, (const float *g, i64 r, i64 c, float *o), (const double *g, i64 r, i64 c, double *o), (g, r, c, o))
BOTH(axpy, (float a, const float *x, float *y, i64 n), (double a, const double *x, double *y, i64 n), (a, x, y, n))
BOTH(scale, (float *x, float a, i64 n), (double *x, double a, i64 n), (x, a, n))
BOTH(sum_squares, (const float *x, i64 n, double *p), (const double *x, i64 n, double *p), (x, n, p))
BOTH(layer_norm, (const float *x, const float *g, const float *b, i64 r, i64 c, float e, float *y, float *m, float *s),
     (const double *x, const double *g, const double *b, i64 r, i64 c, double e, double *y, double *m, double *s),
     (x, g, b, r, c, e, y, m, s))
BOTH(layer_norm_backward_rows,
     (const float *dy, const float *x, const float *g, const float *m, const float *s, i64 r, i64 c, float *dx),
     (const double *dy, const double *x, const double *g, const double *m, const double *s, i64 r, i64 c, double *dx),
     (dy, x, g, m, s, r, c, dx))
BOTH(layer_norm_backward_columns,
     (const float *dy, const float *x, const float *m, const float *s, i64 r, i64 c, float *dg, float *db),
     (const double *dy, const double *x, const double *m, const double *s, i64 r, i64 c, double *dg, double *db),
     (dy, x, m, s, r, c, dg, db))
BOTH(gelu, (const float *x, i64 n, float *y), (const double *x, i64 n, double *y), (x, n, y))
BOTH(gelu_backward, (const float *x, const float *dy, i64 n, float *dx), (const double *x, const double *dy, i64 n, double *dx),
     (x, dy, n, dx))
BOTH(causal_softmax, (float *s, i64 b, i64 t, float c), (double *s, i64 b, i64 t, double c), (s, b, t, c))
BOTH(softmax_backward, (const float *p, float *d, i64 b, i64 t, float c), (const double *p, double *d, i64 b, i64 t, double c),
     (p, d, b, t, c))
BOTH(token_log_probs,
     (const float *z, const int *t, i64 r, i64 v, float inv, float *lp, float *h, float *p),
     (const double *z, const int *t, i64 r, i64 v, double inv, double *lp, double *h, double *p), (z, t, r, v, inv, lp, h, p))
BOTH(token_log_probs_backward,
     (const float *p, const int *t, const float *dl, const float *dh, i64 r, i64 v, float inv, float *dz),
     (const double *p, const int *t, const double *dl, const double *dh, i64 r, i64 v, double inv, double *dz),
     (p, t, dl, dh, r, v, inv, dz))
BOTH(embed, (const float *a, const float *b, const int *t, const int *p, i64 r, i64 d, float *o),
     (const double *a, const double *b, const int *t, const int *p, i64 r, i64 d, double *o), (a, b, t, p, r, d, o))
BOTH(embed_backward, (const float *g, const int *t, const int *p, i64 r, i64 d, float *da, float *db),
     (const double *g, const int *t, const int *p, i64 r, i64 d, double *da, double *db), (g, t, p, r, d, da, db))
BOTH(adamw, (float *p, const float *g, float *m, float *v, i64 n, float lr, float b1, float b2, float e, float wd, float c1, float c2),
     (double *p, const double *g, double *m, double *v, i64 n, double lr, double b1, double b2, double e, double wd, double c1,
      double c2), (p, g, m, v, n, lr, b1, b2, e, wd, c1, c2))
BOTH(append_to_cache, (const float *q, i64 b, i64 d, i64 pos, i64 cap, float *k, float *v),
     (const double *q, i64 b, i64 d, i64 pos, i64 cap, double *k, double *v), (q, b, d, pos, cap, k, v))
BOTH(attend_cached, (const float *q, const float *k, const float *v, i64 b, i64 l, i64 cap, i64 h, i64 d, float *o),
     (const double *q, const double *k, const double *v, i64 b, i64 l, i64 cap, i64 h, i64 d, double *o),
     (q, k, v, b, l, cap, h, d, o))
BOTH(rms_norm, (const float *x, const float *w, i64 r, i64 c, float e, float *y, float *s),
     (const double *x, const double *w, i64 r, i64 c, double e, double *y, double *s), (x, w, r, c, e, y, s))
BOTH(rms_norm_backward_rows, (const float *dy, const float *x, const float *w, const float *s, i64 r, i64 c, float *dx),
     (const double *dy, const double *x, const double *w, const double *s, i64 r, i64 c, double *dx), (dy, x, w, s, r, c, dx))
BOTH(rms_norm_backward_columns, (const float *dy, const float *x, const float *s, i64 r, i64 c, float *dw),
     (const double *dy, const double *x, const double *s, i64 r, i64 c, double *dw), (dy, x, s, r, c, dw))
BOTH(silu_gate, (const float *g, const float *u, i64 n, float *y), (const double *g, const double *u, i64 n, double *y),
     (g, u, n, y))
BOTH(silu_gate_backward, (const float *g, const float *u, const float *dy, i64 n, float *dg, float *du),
     (const double *g, const double *u, const double *dy, i64 n, double *dg, double *du), (g, u, dy, n, dg, du))
BOTH(rotary, (const float *x, i64 r, i64 h, i64 d, const int *p, const float *f, i64 s, i64 a, float *y),
     (const double *x, i64 r, i64 h, i64 d, const int *p, const double *f, i64 s, i64 a, double *y), (x, r, h, d, p, f, s, a, y))
BOTH(grouped_attention,
     (const float *q, const float *k, const float *v, i64 b, i64 t, i64 h, i64 kv, i64 d, float *o, float *p),
     (const double *q, const double *k, const double *v, i64 b, i64 t, i64 h, i64 kv, i64 d, double *o, double *p),
     (q, k, v, b, t, h, kv, d, o, p))
BOTH(grouped_attention_backward_query,
     (const float *g, const float *k, const float *v, const float *p, i64 b, i64 t, i64 h, i64 kv, i64 d, float *dq),
     (const double *g, const double *k, const double *v, const double *p, i64 b, i64 t, i64 h, i64 kv, i64 d, double *dq),
     (g, k, v, p, b, t, h, kv, d, dq))
BOTH(grouped_attention_backward_key_value,
     (const float *g, const float *q, const float *v, const float *p, i64 b, i64 t, i64 h, i64 kv, i64 d, float *dk, float *dv),
     (const double *g, const double *q, const double *v, const double *p, i64 b, i64 t, i64 h, i64 kv, i64 d, double *dk,
      double *dv), (g, q, v, p, b, t, h, kv, d, dk, dv))
"""#)
}
