/// Element-wise non-linearities.
extension Tape {
    /// GELU in its tanh form (GPT-2's).
    public func gelu(_ x: Tensor<S>) -> Tensor<S> {
        let y = unwritten(rows: x.rows, columns: x.columns)
        backend.gelu(x.buffer, y: y.buffer)
        record(y) { [unowned self] dy in
            backend.geluBackward(x.buffer, dy: dy, dx: gradientBuffer(for: x))
        }
        return y
    }
}
