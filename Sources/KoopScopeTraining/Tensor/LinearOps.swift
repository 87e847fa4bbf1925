/// Products and sums: `x W`, `x W + b`, `a + b`.
extension Tape {
    /// x (n×k) times w (k×m).
    public func matmul(_ x: Tensor<S>, _ w: Tensor<S>) -> Tensor<S> {
        precondition(x.columns == w.rows, "matmul of \(x.rows)×\(x.columns) by \(w.rows)×\(w.columns)")
        let y = unwritten(rows: x.rows, columns: w.columns)   // β = 0 writes every element
        backend.gemm(GEMMShape(m: x.rows, n: w.columns, k: x.columns), alpha: 1, x.buffer, w.buffer, beta: 0, y.buffer)
        record(y) { [unowned self] dy in
            // dx += dy wᵀ, dw += xᵀ dy
            backend.gemm(GEMMShape(m: x.rows, n: x.columns, k: w.columns, transposeB: true), alpha: 1,
                         dy, w.buffer, beta: 1, gradientBuffer(for: x))
            backend.gemm(GEMMShape(m: w.rows, n: w.columns, k: x.rows, transposeA: true), alpha: 1,
                         x.buffer, dy, beta: 1, gradientBuffer(for: w))
        }
        return y
    }

    /// x w + b, with b a 1×m row added to every row.
    public func linear(_ x: Tensor<S>, _ w: Tensor<S>, _ b: Tensor<S>) -> Tensor<S> {
        precondition(b.count == w.columns, "bias of \(b.count) for \(w.columns) outputs")
        let y = matmul(x, w)
        backend.addBias(y.buffer, b.buffer, rows: y.rows, columns: y.columns)
        // y keeps its id: the bias's backward is registered after the product's, so it runs first
        // and sees the same gradient.
        record(y) { [unowned self] dy in
            backend.columnSums(dy, rows: y.rows, columns: y.columns, into: gradientBuffer(for: b))
        }
        return y
    }

    /// a + b, element-wise (same shapes).
    public func add(_ a: Tensor<S>, _ b: Tensor<S>) -> Tensor<S> {
        precondition(a.rows == b.rows && a.columns == b.columns, "adding \(a.rows)×\(a.columns) to \(b.rows)×\(b.columns)")
        let y = unwritten(rows: a.rows, columns: a.columns)
        backend.copy(a.buffer, to: y.buffer)
        backend.axpy(1, b.buffer, y.buffer)
        record(y) { [unowned self] dy in
            accumulate(dy, intoGradientOf: a)
            accumulate(dy, intoGradientOf: b)
        }
        return y
    }
}
