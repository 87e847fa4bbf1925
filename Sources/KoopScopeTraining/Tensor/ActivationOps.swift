/// Element-wise non-linearities.
extension Tape {
    /// GELU in its tanh form (GPT-2's).
    public func gelu(_ x: Tensor<S>) -> Tensor<S> { gelu(x, bias: nil) }

    /// gelu(x w + b), b a 1×m row added to every row: ``linear(_:_:_:)`` then ``gelu(_:)`` with
    /// the bias and the activation in one pass over the product each way.
    ///
    /// ```swift
    /// let hidden = tape.linearGELU(normed, tape.watch(w1), tape.watch(b1))
    /// ```
    public func linearGELU(_ x: Tensor<S>, _ w: Tensor<S>, _ b: Tensor<S>) -> Tensor<S> {
        precondition(b.count == w.columns, "bias of \(b.count) for \(w.columns) outputs")
        return gelu(matmul(x, w), bias: b)
    }

    /// gelu(z + bias); with a bias, z is the op's own product and takes the bias in place.
    private func gelu(_ z: Tensor<S>, bias b: Tensor<S>?) -> Tensor<S> {
        let y = unwritten(rows: z.rows, columns: z.columns)
        backend.biasGELU(z.buffer, bias: b?.buffer, rows: z.rows, columns: z.columns, y: y.buffer)
        record(y) { [unowned self] dy in
            backend.biasGELUBackward(z.buffer, dy: dy, rows: z.rows, columns: z.columns,
                                     dz: gradientBuffer(for: z), dbias: b.map { gradientBuffer(for: $0) })
        }
        return y
    }
}
