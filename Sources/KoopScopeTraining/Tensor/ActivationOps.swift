/// Element-wise non-linearities.
extension Tape {
    /// GELU in its tanh form (GPT-2's).
    public func gelu(_ x: Tensor<S>) -> Tensor<S> {
        let y = unwritten(rows: x.rows, columns: x.columns)
        backend.biasGELU(x.buffer, bias: nil, rows: x.rows, columns: x.columns, y: y.buffer)
        record(y) { [unowned self] dy in
            backend.biasGELUBackward(x.buffer, dy: dy, rows: x.rows, columns: x.columns,
                                     dz: gradientBuffer(for: x), dbias: nil)
        }
        return y
    }

    /// gelu(x w + b), b a 1×m row added to every row: ``linear(_:_:_:)`` then ``gelu(_:)`` with
    /// the bias and the activation in one pass over the product each way.
    ///
    /// ```swift
    /// let hidden = tape.linearGELU(normed, tape.watch(w1), tape.watch(b1))
    /// ```
    public func linearGELU(_ x: Tensor<S>, _ w: Tensor<S>, _ b: Tensor<S>) -> Tensor<S> {
        precondition(b.count == w.columns, "bias of \(b.count) for \(w.columns) outputs")
        let z = matmul(x, w)
        let y = unwritten(rows: z.rows, columns: z.columns)
        backend.biasGELU(z.buffer, bias: b.buffer, rows: z.rows, columns: z.columns, y: y.buffer)
        record(y) { [unowned self] dy in
            backend.biasGELUBackward(z.buffer, dy: dy, rows: z.rows, columns: z.columns,
                                     dz: gradientBuffer(for: z), dbias: gradientBuffer(for: b))
        }
        return y
    }
}
