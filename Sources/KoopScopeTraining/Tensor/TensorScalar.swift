import KoopScope
import _CBLAS
import _KoopScopeTensorKernels

/// A scalar the tensor library computes in: `Float` for training, `Double` for the gradient
/// checks that hold every op to finite differences.
///
/// The underscored requirements are the CPU kernels of one precision; reach them through a
/// ``Backend`` instead.
public protocol TensorScalar: LinearAlgebraScalar, BitwiseCopyable {
    static func _addBias(_ x: UnsafeMutablePointer<Self>, _ bias: UnsafePointer<Self>, _ rows: Int, _ columns: Int)
    static func _columnSums(_ g: UnsafePointer<Self>, _ rows: Int, _ columns: Int, _ out: UnsafeMutablePointer<Self>)
    static func _layerNorm(_ x: UnsafePointer<Self>, _ gamma: UnsafePointer<Self>, _ beta: UnsafePointer<Self>,
                           _ rows: Int, _ columns: Int, _ epsilon: Self, _ y: UnsafeMutablePointer<Self>,
                           _ mean: UnsafeMutablePointer<Self>, _ rstd: UnsafeMutablePointer<Self>)
    static func _layerNormBackward(_ dy: UnsafePointer<Self>, _ x: UnsafePointer<Self>, _ gamma: UnsafePointer<Self>,
                                   _ mean: UnsafePointer<Self>, _ rstd: UnsafePointer<Self>, _ rows: Int, _ columns: Int,
                                   _ dx: UnsafeMutablePointer<Self>, _ dgamma: UnsafeMutablePointer<Self>,
                                   _ dbeta: UnsafeMutablePointer<Self>)
    static func _biasGELU(_ z: UnsafeMutablePointer<Self>, _ bias: UnsafePointer<Self>?, _ rows: Int, _ columns: Int,
                          _ y: UnsafeMutablePointer<Self>)
    static func _biasGELUBackward(_ z: UnsafePointer<Self>, _ dy: UnsafePointer<Self>, _ rows: Int, _ columns: Int,
                                  _ dz: UnsafeMutablePointer<Self>, _ dbias: UnsafeMutablePointer<Self>?)
    /// Causal attention of one sequence; `scratch` holds `ks_causal_attention_scratch(t, headDimension)` elements.
    static func _causalAttention(_ qkv: UnsafePointer<Self>, _ t: Int, _ heads: Int, _ headDimension: Int,
                                 _ out: UnsafeMutablePointer<Self>, _ probabilities: UnsafeMutablePointer<Self>,
                                 _ scratch: UnsafeMutablePointer<Self>)
    static func _causalAttentionBackward(_ dout: UnsafePointer<Self>, _ qkv: UnsafePointer<Self>,
                                         _ probabilities: UnsafePointer<Self>, _ t: Int, _ heads: Int,
                                         _ headDimension: Int, _ dqkv: UnsafeMutablePointer<Self>,
                                         _ scratch: UnsafeMutablePointer<Self>)
    static func _tokenLogProbabilities(_ logits: UnsafePointer<Self>, _ targets: UnsafePointer<Int32>, _ rows: Int,
                                       _ vocabulary: Int, _ inverseTemperature: Self, _ logp: UnsafeMutablePointer<Self>,
                                       _ entropy: UnsafeMutablePointer<Self>, _ probabilities: UnsafeMutablePointer<Self>)
    static func _tokenLogProbabilitiesBackward(_ probabilities: UnsafePointer<Self>, _ targets: UnsafePointer<Int32>,
                                               _ dlogp: UnsafePointer<Self>?, _ dentropy: UnsafePointer<Self>?,
                                               _ rows: Int, _ vocabulary: Int, _ inverseTemperature: Self,
                                               _ dlogits: UnsafeMutablePointer<Self>)
    static func _embed(_ tokenTable: UnsafePointer<Self>, _ positionTable: UnsafePointer<Self>,
                       _ tokens: UnsafePointer<Int32>, _ positions: UnsafePointer<Int32>, _ rows: Int, _ dimension: Int,
                       _ out: UnsafeMutablePointer<Self>)
    static func _embedBackward(_ dout: UnsafePointer<Self>, _ tokens: UnsafePointer<Int32>, _ positions: UnsafePointer<Int32>,
                               _ rows: Int, _ dimension: Int, _ dTokenTable: UnsafeMutablePointer<Self>,
                               _ dPositionTable: UnsafeMutablePointer<Self>)
    static func _adamW(_ parameters: UnsafeMutablePointer<Self>, _ gradient: UnsafePointer<Self>,
                       _ m: UnsafeMutablePointer<Self>, _ v: UnsafeMutablePointer<Self>, _ count: Int,
                       _ learningRate: Self, _ beta1: Self, _ beta2: Self, _ epsilon: Self, _ weightDecay: Self,
                       _ c1: Self, _ c2: Self)
    static func _attendCached(_ q: UnsafePointer<Self>, _ keys: UnsafePointer<Self>, _ values: UnsafePointer<Self>,
                              _ length: Int, _ heads: Int, _ headDimension: Int, _ ld: Int,
                              _ scratch: UnsafeMutablePointer<Self>, _ out: UnsafeMutablePointer<Self>)
    static func _axpy(_ count: Int, _ alpha: Self, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>)
    static func _scale(_ x: UnsafeMutablePointer<Self>, _ count: Int, _ alpha: Self)
    /// C = A·B (+ C when `accumulate`) for a few rows of A without BLAS's packing of B; false
    /// where there is no such kernel (Double, or a CPU without AVX2 and FMA): BLAS then.
    static func _smallGEMM(_ a: UnsafePointer<Self>, _ lda: Int, _ b: UnsafePointer<Self>, _ ldb: Int,
                           _ c: UnsafeMutablePointer<Self>, _ ldc: Int, _ m: Int, _ n: Int, _ k: Int,
                           accumulate: Bool) -> Bool
    /// B (k × n) laid out as strips of 16 columns for ``_smallGEMMStrips``; false where there is no
    /// such kernel.
    static func _packStrips(_ b: UnsafePointer<Self>, _ ldb: Int, _ k: Int, _ n: Int, _ strips: UnsafeMutablePointer<Self>) -> Bool
    /// ``_smallGEMM`` with B as ``_packStrips`` laid it out: the same bits, B streamed.
    static func _smallGEMMStrips(_ a: UnsafePointer<Self>, _ lda: Int, _ strips: UnsafePointer<Self>,
                                 _ c: UnsafeMutablePointer<Self>, _ ldc: Int, _ m: Int, _ n: Int, _ k: Int) -> Bool
    static func _dot(_ count: Int, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>) -> Self
    // The Llama-family blocks (decoder_kernels.c).
    static func _rmsNorm(_ x: UnsafePointer<Self>, _ weight: UnsafePointer<Self>, _ rows: Int, _ columns: Int,
                         _ epsilon: Self, _ y: UnsafeMutablePointer<Self>, _ rstd: UnsafeMutablePointer<Self>)
    static func _rmsNormBackward(_ dy: UnsafePointer<Self>, _ x: UnsafePointer<Self>, _ weight: UnsafePointer<Self>,
                                 _ rstd: UnsafePointer<Self>, _ rows: Int, _ columns: Int,
                                 _ dx: UnsafeMutablePointer<Self>, _ dweight: UnsafeMutablePointer<Self>)
    static func _siluGate(_ gate: UnsafePointer<Self>, _ up: UnsafePointer<Self>, _ count: Int, _ y: UnsafeMutablePointer<Self>)
    static func _siluGateBackward(_ gate: UnsafePointer<Self>, _ up: UnsafePointer<Self>, _ dy: UnsafePointer<Self>,
                                  _ count: Int, _ dgate: UnsafeMutablePointer<Self>, _ dup: UnsafeMutablePointer<Self>)
    static func _rotary(_ x: UnsafePointer<Self>, _ rows: Int, _ heads: Int, _ headDimension: Int,
                        _ positions: UnsafePointer<Int32>, _ frequencies: UnsafePointer<Self>, _ sign: Int32,
                        _ accumulate: Bool, _ y: UnsafeMutablePointer<Self>)
    static func _groupedAttention(_ q: UnsafePointer<Self>, _ k: UnsafePointer<Self>, _ v: UnsafePointer<Self>,
                                  _ batch: Int, _ length: Int, _ heads: Int, _ kvHeads: Int, _ headDimension: Int,
                                  _ out: UnsafeMutablePointer<Self>, _ probabilities: UnsafeMutablePointer<Self>)
    static func _groupedAttentionBackward(_ dout: UnsafePointer<Self>, _ q: UnsafePointer<Self>, _ k: UnsafePointer<Self>,
                                          _ v: UnsafePointer<Self>, _ probabilities: UnsafePointer<Self>, _ batch: Int,
                                          _ length: Int, _ heads: Int, _ kvHeads: Int, _ headDimension: Int,
                                          _ dq: UnsafeMutablePointer<Self>, _ dk: UnsafeMutablePointer<Self>,
                                          _ dv: UnsafeMutablePointer<Self>)
}

extension Float: TensorScalar {
    public static func _addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ rows: Int, _ columns: Int) {
        ks_add_bias_f(x, bias, rows, columns)
    }
    public static func _columnSums(_ g: UnsafePointer<Float>, _ rows: Int, _ columns: Int, _ out: UnsafeMutablePointer<Float>) {
        ks_column_sums_f(g, rows, columns, out)
    }
    public static func _layerNorm(_ x: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>,
                                  _ rows: Int, _ columns: Int, _ epsilon: Float, _ y: UnsafeMutablePointer<Float>,
                                  _ mean: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>) {
        ks_layer_norm_f(x, gamma, beta, rows, columns, epsilon, y, mean, rstd)
    }
    public static func _layerNormBackward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>,
                                          _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, _ rows: Int, _ columns: Int,
                                          _ dx: UnsafeMutablePointer<Float>, _ dgamma: UnsafeMutablePointer<Float>,
                                          _ dbeta: UnsafeMutablePointer<Float>) {
        ks_layer_norm_backward_f(dy, x, gamma, mean, rstd, rows, columns, dx, dgamma, dbeta)
    }
    public static func _biasGELU(_ z: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>?, _ rows: Int, _ columns: Int,
                                 _ y: UnsafeMutablePointer<Float>) { ks_bias_gelu_f(z, bias, rows, columns, y) }
    public static func _biasGELUBackward(_ z: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ rows: Int, _ columns: Int,
                                         _ dz: UnsafeMutablePointer<Float>, _ dbias: UnsafeMutablePointer<Float>?) {
        ks_bias_gelu_backward_f(z, dy, rows, columns, dz, dbias)
    }
    public static func _causalAttention(_ qkv: UnsafePointer<Float>, _ t: Int, _ heads: Int, _ headDimension: Int,
                                        _ out: UnsafeMutablePointer<Float>, _ probabilities: UnsafeMutablePointer<Float>,
                                        _ scratch: UnsafeMutablePointer<Float>) {
        ks_causal_attention_f(qkv, t, heads, headDimension, out, probabilities, scratch)
    }
    public static func _causalAttentionBackward(_ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>,
                                                _ probabilities: UnsafePointer<Float>, _ t: Int, _ heads: Int,
                                                _ headDimension: Int, _ dqkv: UnsafeMutablePointer<Float>,
                                                _ scratch: UnsafeMutablePointer<Float>) {
        ks_causal_attention_backward_f(dout, qkv, probabilities, t, heads, headDimension, dqkv, scratch)
    }
    public static func _tokenLogProbabilities(_ logits: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>, _ rows: Int,
                                              _ vocabulary: Int, _ inverseTemperature: Float, _ logp: UnsafeMutablePointer<Float>,
                                              _ entropy: UnsafeMutablePointer<Float>, _ probabilities: UnsafeMutablePointer<Float>) {
        ks_token_log_probs_f(logits, targets, rows, vocabulary, inverseTemperature, logp, entropy, probabilities)
    }
    public static func _tokenLogProbabilitiesBackward(_ probabilities: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>,
                                                      _ dlogp: UnsafePointer<Float>?, _ dentropy: UnsafePointer<Float>?,
                                                      _ rows: Int, _ vocabulary: Int, _ inverseTemperature: Float,
                                                      _ dlogits: UnsafeMutablePointer<Float>) {
        ks_token_log_probs_backward_f(probabilities, targets, dlogp, dentropy, rows, vocabulary, inverseTemperature, dlogits)
    }
    public static func _embed(_ tokenTable: UnsafePointer<Float>, _ positionTable: UnsafePointer<Float>,
                              _ tokens: UnsafePointer<Int32>, _ positions: UnsafePointer<Int32>, _ rows: Int, _ dimension: Int,
                              _ out: UnsafeMutablePointer<Float>) {
        ks_embed_f(tokenTable, positionTable, tokens, positions, rows, dimension, out)
    }
    public static func _embedBackward(_ dout: UnsafePointer<Float>, _ tokens: UnsafePointer<Int32>, _ positions: UnsafePointer<Int32>,
                                      _ rows: Int, _ dimension: Int, _ dTokenTable: UnsafeMutablePointer<Float>,
                                      _ dPositionTable: UnsafeMutablePointer<Float>) {
        ks_embed_backward_f(dout, tokens, positions, rows, dimension, dTokenTable, dPositionTable)
    }
    public static func _adamW(_ parameters: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>,
                              _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ count: Int,
                              _ learningRate: Float, _ beta1: Float, _ beta2: Float, _ epsilon: Float, _ weightDecay: Float,
                              _ c1: Float, _ c2: Float) {
        ks_adamw_f(parameters, gradient, m, v, count, learningRate, beta1, beta2, epsilon, weightDecay, c1, c2)
    }
    public static func _attendCached(_ q: UnsafePointer<Float>, _ keys: UnsafePointer<Float>, _ values: UnsafePointer<Float>,
                                     _ length: Int, _ heads: Int, _ headDimension: Int, _ ld: Int,
                                     _ scratch: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        ks_attend_cached_f(q, keys, values, length, heads, headDimension, ld, scratch, out)
    }
    public static func _scale(_ x: UnsafeMutablePointer<Float>, _ count: Int, _ alpha: Float) {
        ks_scale_f(x, count, alpha)
    }
    public static func _axpy(_ count: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
    }
    public static func _smallGEMM(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                                  _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ m: Int, _ n: Int, _ k: Int,
                                  accumulate: Bool) -> Bool {
        ks_small_gemm_f(a, lda, b, ldb, c, ldc, m, n, k, accumulate ? 1 : 0) != 0
    }
    public static func _packStrips(_ b: UnsafePointer<Float>, _ ldb: Int, _ k: Int, _ n: Int,
                                   _ strips: UnsafeMutablePointer<Float>) -> Bool {
        ks_pack_strips_f(b, ldb, k, n, strips)
        return true
    }
    public static func _smallGEMMStrips(_ a: UnsafePointer<Float>, _ lda: Int, _ strips: UnsafePointer<Float>,
                                        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ m: Int, _ n: Int, _ k: Int) -> Bool {
        ks_small_gemm_strips_f(a, lda, strips, c, ldc, m, n, k, 0) != 0
    }
    public static func _dot(_ count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        Float(cblas_dsdot(Int32(count), x, 1, y, 1))
    }
}

extension Double: TensorScalar {
    public static func _addBias(_ x: UnsafeMutablePointer<Double>, _ bias: UnsafePointer<Double>, _ rows: Int, _ columns: Int) {
        ks_add_bias_d(x, bias, rows, columns)
    }
    public static func _columnSums(_ g: UnsafePointer<Double>, _ rows: Int, _ columns: Int, _ out: UnsafeMutablePointer<Double>) {
        ks_column_sums_d(g, rows, columns, out)
    }
    public static func _layerNorm(_ x: UnsafePointer<Double>, _ gamma: UnsafePointer<Double>, _ beta: UnsafePointer<Double>,
                                  _ rows: Int, _ columns: Int, _ epsilon: Double, _ y: UnsafeMutablePointer<Double>,
                                  _ mean: UnsafeMutablePointer<Double>, _ rstd: UnsafeMutablePointer<Double>) {
        ks_layer_norm_d(x, gamma, beta, rows, columns, epsilon, y, mean, rstd)
    }
    public static func _layerNormBackward(_ dy: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ gamma: UnsafePointer<Double>,
                                          _ mean: UnsafePointer<Double>, _ rstd: UnsafePointer<Double>, _ rows: Int, _ columns: Int,
                                          _ dx: UnsafeMutablePointer<Double>, _ dgamma: UnsafeMutablePointer<Double>,
                                          _ dbeta: UnsafeMutablePointer<Double>) {
        ks_layer_norm_backward_d(dy, x, gamma, mean, rstd, rows, columns, dx, dgamma, dbeta)
    }
    public static func _biasGELU(_ z: UnsafeMutablePointer<Double>, _ bias: UnsafePointer<Double>?, _ rows: Int, _ columns: Int,
                                 _ y: UnsafeMutablePointer<Double>) { ks_bias_gelu_d(z, bias, rows, columns, y) }
    public static func _biasGELUBackward(_ z: UnsafePointer<Double>, _ dy: UnsafePointer<Double>, _ rows: Int, _ columns: Int,
                                         _ dz: UnsafeMutablePointer<Double>, _ dbias: UnsafeMutablePointer<Double>?) {
        ks_bias_gelu_backward_d(z, dy, rows, columns, dz, dbias)
    }
    public static func _causalAttention(_ qkv: UnsafePointer<Double>, _ t: Int, _ heads: Int, _ headDimension: Int,
                                        _ out: UnsafeMutablePointer<Double>, _ probabilities: UnsafeMutablePointer<Double>,
                                        _ scratch: UnsafeMutablePointer<Double>) {
        ks_causal_attention_d(qkv, t, heads, headDimension, out, probabilities, scratch)
    }
    public static func _causalAttentionBackward(_ dout: UnsafePointer<Double>, _ qkv: UnsafePointer<Double>,
                                                _ probabilities: UnsafePointer<Double>, _ t: Int, _ heads: Int,
                                                _ headDimension: Int, _ dqkv: UnsafeMutablePointer<Double>,
                                                _ scratch: UnsafeMutablePointer<Double>) {
        ks_causal_attention_backward_d(dout, qkv, probabilities, t, heads, headDimension, dqkv, scratch)
    }
    public static func _tokenLogProbabilities(_ logits: UnsafePointer<Double>, _ targets: UnsafePointer<Int32>, _ rows: Int,
                                              _ vocabulary: Int, _ inverseTemperature: Double, _ logp: UnsafeMutablePointer<Double>,
                                              _ entropy: UnsafeMutablePointer<Double>, _ probabilities: UnsafeMutablePointer<Double>) {
        ks_token_log_probs_d(logits, targets, rows, vocabulary, inverseTemperature, logp, entropy, probabilities)
    }
    public static func _tokenLogProbabilitiesBackward(_ probabilities: UnsafePointer<Double>, _ targets: UnsafePointer<Int32>,
                                                      _ dlogp: UnsafePointer<Double>?, _ dentropy: UnsafePointer<Double>?,
                                                      _ rows: Int, _ vocabulary: Int, _ inverseTemperature: Double,
                                                      _ dlogits: UnsafeMutablePointer<Double>) {
        ks_token_log_probs_backward_d(probabilities, targets, dlogp, dentropy, rows, vocabulary, inverseTemperature, dlogits)
    }
    public static func _embed(_ tokenTable: UnsafePointer<Double>, _ positionTable: UnsafePointer<Double>,
                              _ tokens: UnsafePointer<Int32>, _ positions: UnsafePointer<Int32>, _ rows: Int, _ dimension: Int,
                              _ out: UnsafeMutablePointer<Double>) {
        ks_embed_d(tokenTable, positionTable, tokens, positions, rows, dimension, out)
    }
    public static func _embedBackward(_ dout: UnsafePointer<Double>, _ tokens: UnsafePointer<Int32>, _ positions: UnsafePointer<Int32>,
                                      _ rows: Int, _ dimension: Int, _ dTokenTable: UnsafeMutablePointer<Double>,
                                      _ dPositionTable: UnsafeMutablePointer<Double>) {
        ks_embed_backward_d(dout, tokens, positions, rows, dimension, dTokenTable, dPositionTable)
    }
    public static func _adamW(_ parameters: UnsafeMutablePointer<Double>, _ gradient: UnsafePointer<Double>,
                              _ m: UnsafeMutablePointer<Double>, _ v: UnsafeMutablePointer<Double>, _ count: Int,
                              _ learningRate: Double, _ beta1: Double, _ beta2: Double, _ epsilon: Double, _ weightDecay: Double,
                              _ c1: Double, _ c2: Double) {
        ks_adamw_d(parameters, gradient, m, v, count, learningRate, beta1, beta2, epsilon, weightDecay, c1, c2)
    }
    public static func _attendCached(_ q: UnsafePointer<Double>, _ keys: UnsafePointer<Double>, _ values: UnsafePointer<Double>,
                                     _ length: Int, _ heads: Int, _ headDimension: Int, _ ld: Int,
                                     _ scratch: UnsafeMutablePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
        ks_attend_cached_d(q, keys, values, length, heads, headDimension, ld, scratch, out)
    }
    public static func _scale(_ x: UnsafeMutablePointer<Double>, _ count: Int, _ alpha: Double) {
        ks_scale_d(x, count, alpha)
    }
    public static func _axpy(_ count: Int, _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        cblas_daxpy(Int32(count), alpha, x, 1, y, 1)
    }
    public static func _smallGEMM(_ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int,
                                  _ c: UnsafeMutablePointer<Double>, _ ldc: Int, _ m: Int, _ n: Int, _ k: Int,
                                  accumulate: Bool) -> Bool { false }
    public static func _packStrips(_ b: UnsafePointer<Double>, _ ldb: Int, _ k: Int, _ n: Int,
                                   _ strips: UnsafeMutablePointer<Double>) -> Bool { false }
    public static func _smallGEMMStrips(_ a: UnsafePointer<Double>, _ lda: Int, _ strips: UnsafePointer<Double>,
                                        _ c: UnsafeMutablePointer<Double>, _ ldc: Int, _ m: Int, _ n: Int, _ k: Int) -> Bool { false }
    public static func _dot(_ count: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        cblas_ddot(Int32(count), x, 1, y, 1)
    }
}

extension Float {
    public static func _rmsNorm(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ rows: Int, _ columns: Int,
                                _ epsilon: Float, _ y: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>) {
        ks_rms_norm_f(x, weight, rows, columns, epsilon, y, rstd)
    }
    public static func _rmsNormBackward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                        _ rstd: UnsafePointer<Float>, _ rows: Int, _ columns: Int,
                                        _ dx: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>) {
        ks_rms_norm_backward_f(dy, x, weight, rstd, rows, columns, dx, dweight)
    }
    public static func _siluGate(_ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, _ count: Int, _ y: UnsafeMutablePointer<Float>) {
        ks_silu_gate_f(gate, up, count, y)
    }
    public static func _siluGateBackward(_ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                         _ count: Int, _ dgate: UnsafeMutablePointer<Float>, _ dup: UnsafeMutablePointer<Float>) {
        ks_silu_gate_backward_f(gate, up, dy, count, dgate, dup)
    }
    public static func _rotary(_ x: UnsafePointer<Float>, _ rows: Int, _ heads: Int, _ headDimension: Int,
                               _ positions: UnsafePointer<Int32>, _ frequencies: UnsafePointer<Float>, _ sign: Int32,
                               _ accumulate: Bool, _ y: UnsafeMutablePointer<Float>) {
        ks_rotary_f(x, rows, heads, headDimension, positions, frequencies, sign, accumulate ? 1 : 0, y)
    }
    public static func _groupedAttention(_ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                                         _ batch: Int, _ length: Int, _ heads: Int, _ kvHeads: Int, _ headDimension: Int,
                                         _ out: UnsafeMutablePointer<Float>, _ probabilities: UnsafeMutablePointer<Float>) {
        ks_grouped_attention_f(q, k, v, batch, length, heads, kvHeads, headDimension, out, probabilities)
    }
    public static func _groupedAttentionBackward(_ dout: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>,
                                                 _ v: UnsafePointer<Float>, _ probabilities: UnsafePointer<Float>, _ batch: Int,
                                                 _ length: Int, _ heads: Int, _ kvHeads: Int, _ headDimension: Int,
                                                 _ dq: UnsafeMutablePointer<Float>, _ dk: UnsafeMutablePointer<Float>,
                                                 _ dv: UnsafeMutablePointer<Float>) {
        ks_grouped_attention_backward_f(dout, q, k, v, probabilities, batch, length, heads, kvHeads, headDimension, dq, dk, dv)
    }
}

extension Double {
    public static func _rmsNorm(_ x: UnsafePointer<Double>, _ weight: UnsafePointer<Double>, _ rows: Int, _ columns: Int,
                                _ epsilon: Double, _ y: UnsafeMutablePointer<Double>, _ rstd: UnsafeMutablePointer<Double>) {
        ks_rms_norm_d(x, weight, rows, columns, epsilon, y, rstd)
    }
    public static func _rmsNormBackward(_ dy: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ weight: UnsafePointer<Double>,
                                        _ rstd: UnsafePointer<Double>, _ rows: Int, _ columns: Int,
                                        _ dx: UnsafeMutablePointer<Double>, _ dweight: UnsafeMutablePointer<Double>) {
        ks_rms_norm_backward_d(dy, x, weight, rstd, rows, columns, dx, dweight)
    }
    public static func _siluGate(_ gate: UnsafePointer<Double>, _ up: UnsafePointer<Double>, _ count: Int, _ y: UnsafeMutablePointer<Double>) {
        ks_silu_gate_d(gate, up, count, y)
    }
    public static func _siluGateBackward(_ gate: UnsafePointer<Double>, _ up: UnsafePointer<Double>, _ dy: UnsafePointer<Double>,
                                         _ count: Int, _ dgate: UnsafeMutablePointer<Double>, _ dup: UnsafeMutablePointer<Double>) {
        ks_silu_gate_backward_d(gate, up, dy, count, dgate, dup)
    }
    public static func _rotary(_ x: UnsafePointer<Double>, _ rows: Int, _ heads: Int, _ headDimension: Int,
                               _ positions: UnsafePointer<Int32>, _ frequencies: UnsafePointer<Double>, _ sign: Int32,
                               _ accumulate: Bool, _ y: UnsafeMutablePointer<Double>) {
        ks_rotary_d(x, rows, heads, headDimension, positions, frequencies, sign, accumulate ? 1 : 0, y)
    }
    public static func _groupedAttention(_ q: UnsafePointer<Double>, _ k: UnsafePointer<Double>, _ v: UnsafePointer<Double>,
                                         _ batch: Int, _ length: Int, _ heads: Int, _ kvHeads: Int, _ headDimension: Int,
                                         _ out: UnsafeMutablePointer<Double>, _ probabilities: UnsafeMutablePointer<Double>) {
        ks_grouped_attention_d(q, k, v, batch, length, heads, kvHeads, headDimension, out, probabilities)
    }
    public static func _groupedAttentionBackward(_ dout: UnsafePointer<Double>, _ q: UnsafePointer<Double>, _ k: UnsafePointer<Double>,
                                                 _ v: UnsafePointer<Double>, _ probabilities: UnsafePointer<Double>, _ batch: Int,
                                                 _ length: Int, _ heads: Int, _ kvHeads: Int, _ headDimension: Int,
                                                 _ dq: UnsafeMutablePointer<Double>, _ dk: UnsafeMutablePointer<Double>,
                                                 _ dv: UnsafeMutablePointer<Double>) {
        ks_grouped_attention_backward_d(dout, q, k, v, probabilities, batch, length, heads, kvHeads, headDimension, dq, dk, dv)
    }
}

extension TensorScalar {
    /// `values` as Float32 (a copy-free hand-over when they are already Float): a checkpoint's
    /// weights move between the policy and the decoder or a file without a generic conversion
    /// per element.
    ///
    /// ```swift
    /// let weights: [Float] = Double.floats([0.5, 1.25])
    /// ```
    public static func floats(_ values: [Self]) -> [Float] {
        // `values as? [Float]` would cast element by element in a generic context.
        if Self.self == Float.self { return unsafeBitCast(values, to: [Float].self) }
        return values.map { Float(Double($0)) }
    }

    /// Float32 `values` as this scalar (a hand-over when it is Float).
    public static func converted(_ values: [Float]) -> [Self] {
        if Self.self == Float.self { return unsafeBitCast(values, to: [Self].self) }
        return values.map { Self(Double($0)) }
    }
}
