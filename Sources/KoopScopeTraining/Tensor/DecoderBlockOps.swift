/// The blocks of Llama-family decoders on the tape: RMSNorm, the SiLU-gated product and rotary
/// embeddings, each with its hand-written backward.
extension Tape {
    /// x / rms(x) · weight per row, weight 1×columns.
    ///
    /// ```swift
    /// let normed = tape.rmsNorm(x, weight: tape.watch(norm), epsilon: 1e-6)
    /// ```
    public func rmsNorm(_ x: Tensor<S>, weight: Tensor<S>, epsilon: S) -> Tensor<S> {
        precondition(weight.count == x.columns, "RMSNorm weight of \(weight.count) for \(x.columns) columns")
        let y = unwritten(rows: x.rows, columns: x.columns)
        let rstd = backend.allocateUninitialized(x.rows, of: S.self)
        backend.rmsNorm(x.buffer, weight: weight.buffer, rows: x.rows, columns: x.columns, epsilon: epsilon, y: y.buffer, rstd: rstd)
        record(y) { [unowned self] dy in
            backend.rmsNormBackward(dy, x: x.buffer, weight: weight.buffer, rstd: rstd, rows: x.rows, columns: x.columns,
                                    dx: gradientBuffer(for: x), dweight: gradientBuffer(for: weight))
        }
        return y
    }

    /// silu(gate) · up, element-wise (the MLP of Llama-family blocks between its projections).
    public func siluGate(_ gate: Tensor<S>, _ up: Tensor<S>) -> Tensor<S> {
        precondition(gate.rows == up.rows && gate.columns == up.columns, "gate \(gate.rows)×\(gate.columns), up \(up.rows)×\(up.columns)")
        let y = unwritten(rows: gate.rows, columns: gate.columns)
        backend.siluGate(gate.buffer, up: up.buffer, count: gate.count, y: y.buffer)
        record(y) { [unowned self] dy in
            backend.siluGateBackward(gate.buffer, up: up.buffer, dy: dy, count: gate.count,
                                     dgate: gradientBuffer(for: gate), dup: gradientBuffer(for: up))
        }
        return y
    }

    /// Rotary embedding of each row's `heads` head vectors at its position (`positions`, one per
    /// row, on the backend), with `frequencies` (headDimension/2 of them, ``RotaryEmbedding``'s).
    public func rotary(_ x: Tensor<S>, heads: Int, positions: Buffer<Int32>, frequencies: Buffer<S>) -> Tensor<S> {
        let headDimension = x.columns / heads
        precondition(heads * headDimension == x.columns && headDimension % 2 == 0 && frequencies.count == headDimension / 2
                     && positions.count == x.rows, "rotary of \(x.rows)×\(x.columns) in \(heads) heads")
        let y = unwritten(rows: x.rows, columns: x.columns)
        backend.rotary(x.buffer, rows: x.rows, heads: heads, headDimension: headDimension, positions: positions,
                       frequencies: frequencies, sign: 1, accumulate: false, y: y.buffer)
        record(y) { [unowned self] dy in
            // A rotation's transpose is the rotation back.
            backend.rotary(dy, rows: x.rows, heads: heads, headDimension: headDimension, positions: positions,
                           frequencies: frequencies, sign: -1, accumulate: true, y: gradientBuffer(for: x))
        }
        return y
    }
}

extension Tape {
    /// Causal grouped-query attention of `batch` right-padded sequences of `length` rows each:
    /// q holds `heads` query heads per row, k and v `kvHeads` key/value heads (a divisor of
    /// `heads`); query head h attends with key/value head h / (heads/kvHeads), scaled by
    /// 1/√headDimension.
    public func groupedAttention(q: Tensor<S>, k: Tensor<S>, v: Tensor<S>, batch: Int, length: Int,
                                 heads: Int, kvHeads: Int) -> Tensor<S> {
        let headDimension = q.columns / heads
        precondition(q.rows == batch * length && k.rows == q.rows && v.rows == q.rows && heads % kvHeads == 0
                     && heads * headDimension == q.columns && k.columns == kvHeads * headDimension && v.columns == k.columns,
                     "grouped attention of q \(q.rows)×\(q.columns), k \(k.rows)×\(k.columns) in \(heads)/\(kvHeads) heads")
        let out = unwritten(rows: q.rows, columns: q.columns)
        let probabilities = backend.allocateUninitialized(batch * heads * length * length, of: S.self)
        backend.groupedAttention(q: q.buffer, k: k.buffer, v: v.buffer, batch: batch, length: length, heads: heads,
                                 kvHeads: kvHeads, headDimension: headDimension, out: out.buffer, probabilities: probabilities)
        record(out) { [unowned self] dout in
            backend.groupedAttentionBackward(dout, q: q.buffer, k: k.buffer, v: v.buffer, probabilities: probabilities,
                                             batch: batch, length: length, heads: heads, kvHeads: kvHeads,
                                             headDimension: headDimension, dq: gradientBuffer(for: q),
                                             dk: gradientBuffer(for: k), dv: gradientBuffer(for: v))
        }
        return out
    }
}
