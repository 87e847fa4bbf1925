import KoopScopeCUDA

/// The Llama-family blocks on the device: each op launches the kernels of
/// ``CUDAKernelSource/training`` that mirror the CPU's `decoder_kernels.c`.
extension CUDABackend {
    public func rmsNorm<S: TensorScalar>(_ x: Buffer<S>, weight: Buffer<S>, rows: Int, columns: Int, epsilon: S,
                                         y: Buffer<S>, rstd: Buffer<S>) {
        launch("rms_norm", S.self, threads: rows, [pointer(x), pointer(weight), .int(rows), .int(columns), scalar(epsilon),
                                                   pointer(y), pointer(rstd)])
    }

    public func rmsNormBackward<S: TensorScalar>(_ dy: Buffer<S>, x: Buffer<S>, weight: Buffer<S>, rstd: Buffer<S>,
                                                 rows: Int, columns: Int, dx: Buffer<S>, dweight: Buffer<S>) {
        launch("rms_norm_backward_rows", S.self, threads: rows,
               [pointer(dy), pointer(x), pointer(weight), pointer(rstd), .int(rows), .int(columns), pointer(dx)])
        launch("rms_norm_backward_columns", S.self, threads: columns,
               [pointer(dy), pointer(x), pointer(rstd), .int(rows), .int(columns), pointer(dweight)])
    }

    public func siluGate<S: TensorScalar>(_ gate: Buffer<S>, up: Buffer<S>, count: Int, y: Buffer<S>) {
        launch("silu_gate", S.self, threads: count, [pointer(gate), pointer(up), .int(count), pointer(y)])
    }

    public func siluGateBackward<S: TensorScalar>(_ gate: Buffer<S>, up: Buffer<S>, dy: Buffer<S>, count: Int,
                                                  dgate: Buffer<S>, dup: Buffer<S>) {
        launch("silu_gate_backward", S.self, threads: count,
               [pointer(gate), pointer(up), pointer(dy), .int(count), pointer(dgate), pointer(dup)])
    }

    public func rotary<S: TensorScalar>(_ x: Buffer<S>, rows: Int, heads: Int, headDimension: Int, positions: Buffer<Int32>,
                                        frequencies: Buffer<S>, sign: Int32, accumulate: Bool, y: Buffer<S>) {
        launch("rotary", S.self, threads: rows * heads * (headDimension / 2),
               [pointer(x), .int(rows), .int(heads), .int(headDimension), pointer(positions), pointer(frequencies),
                .int(Int(sign)), .int(accumulate ? 1 : 0), pointer(y)])
    }

    public func groupedAttention<S: TensorScalar>(q: Buffer<S>, k: Buffer<S>, v: Buffer<S>, batch: Int, length: Int,
                                                  heads: Int, kvHeads: Int, headDimension: Int, out: Buffer<S>,
                                                  probabilities: Buffer<S>) {
        launch("grouped_attention", S.self, threads: batch * heads * length,
               [pointer(q), pointer(k), pointer(v), .int(batch), .int(length), .int(heads), .int(kvHeads), .int(headDimension),
                pointer(out), pointer(probabilities)])
    }

    public func groupedAttentionBackward<S: TensorScalar>(_ dout: Buffer<S>, q: Buffer<S>, k: Buffer<S>, v: Buffer<S>,
                                                          probabilities: Buffer<S>, batch: Int, length: Int, heads: Int,
                                                          kvHeads: Int, headDimension: Int, dq: Buffer<S>, dk: Buffer<S>,
                                                          dv: Buffer<S>) {
        let shape: [CUDADevice.Argument] = [.int(batch), .int(length), .int(heads), .int(kvHeads), .int(headDimension)]
        // Queries row by row; keys and values row by row of each key/value head (no two threads
        // add into one element).
        launch("grouped_attention_backward_query", S.self, threads: batch * heads * length,
               [pointer(dout), pointer(k), pointer(v), pointer(probabilities)] + shape + [pointer(dq)])
        launch("grouped_attention_backward_key_value", S.self, threads: batch * kvHeads * length,
               [pointer(dout), pointer(q), pointer(v), pointer(probabilities)] + shape + [pointer(dk), pointer(dv)])
    }
}
