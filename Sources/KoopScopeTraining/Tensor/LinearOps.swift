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

    /// x (n×k) times wᵀ for w (m×k), the layout PyTorch stores a linear layer's weight in.
    public func matmul(_ x: Tensor<S>, transposed w: Tensor<S>) -> Tensor<S> {
        precondition(x.columns == w.columns, "matmul of \(x.rows)×\(x.columns) by (\(w.rows)×\(w.columns))ᵀ")
        let y = unwritten(rows: x.rows, columns: w.rows)
        backend.gemm(GEMMShape(m: x.rows, n: w.rows, k: x.columns, transposeB: true), alpha: 1, x.buffer, w.buffer, beta: 0, y.buffer)
        record(y) { [unowned self] dy in
            // dx += dy w, dw += dyᵀ x
            backend.gemm(GEMMShape(m: x.rows, n: x.columns, k: w.rows), alpha: 1, dy, w.buffer, beta: 1, gradientBuffer(for: x))
            backend.gemm(GEMMShape(m: w.rows, n: w.columns, k: x.rows, transposeA: true), alpha: 1,
                         dy, x.buffer, beta: 1, gradientBuffer(for: w))
        }
        return y
    }

    /// x wᵀ + b for w (m×k) as PyTorch stores it; without a bias, ``matmul(_:transposed:)``.
    public func linear(_ x: Tensor<S>, transposed w: Tensor<S>, _ b: Tensor<S>?) -> Tensor<S> {
        let y = matmul(x, transposed: w)
        guard let b else { return y }
        precondition(b.count == w.rows, "bias of \(b.count) for \(w.rows) outputs")
        backend.addBias(y.buffer, b.buffer, rows: y.rows, columns: y.columns)
        record(y) { [unowned self] dy in
            backend.columnSums(dy, rows: y.rows, columns: y.columns, into: gradientBuffer(for: b))
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

    /// The same elements read as rows of `columns` (a view: no copy), so that a row-wise op can
    /// run over each head of each row.
    public func reshaped(_ x: Tensor<S>, columns: Int) -> Tensor<S> {
        precondition(columns > 0 && x.count % columns == 0, "\(x.rows)×\(x.columns) as rows of \(columns)")
        let y = make(rows: x.count / columns, columns: columns, buffer: x.buffer)
        record(y) { [unowned self] dy in accumulate(dy, intoGradientOf: x) }
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
