/// Causal multi-head self-attention.
extension Tape {
    /// Attention of a right-padded batch: `qkv` is (batch·length)×(3·dimension), queries, keys and
    /// values side by side; the result is (batch·length)×dimension. Position i of a sequence sees
    /// positions 0…i of the same sequence only, so padding after a sequence never reaches it.
    public func causalAttention(_ qkv: Tensor<S>, batch: Int, length: Int, heads: Int) -> Tensor<S> {
        let d = qkv.columns / 3
        precondition(qkv.columns == 3 * d && d % heads == 0 && qkv.rows == batch * length,
                     "attention over \(qkv.rows)×\(qkv.columns) as \(batch)×\(length) with \(heads) heads")
        let y = empty(rows: qkv.rows, columns: d)
        let probabilities = backend.allocateUninitialized(batch * heads * length * length, of: S.self)   // written whole
        backend.attention(qkv.buffer, batch: batch, length: length, heads: heads, dimension: d,
                          out: y.buffer, probabilities: probabilities)
        record(y) { [unowned self] dy in
            backend.attentionBackward(dy, qkv: qkv.buffer, probabilities: probabilities, batch: batch, length: length,
                                      heads: heads, dimension: d, dqkv: gradientBuffer(for: qkv))
        }
        return y
    }
}
