/// Layer normalisation over each row.
extension Tape {
    /// (x − mean)/√(var + ε) · γ + β per row; γ and β are 1×columns.
    public func layerNorm(_ x: Tensor<S>, gamma: Tensor<S>, beta: Tensor<S>, epsilon: S = 1e-5) -> Tensor<S> {
        precondition(gamma.count == x.columns && beta.count == x.columns)
        let y = unwritten(rows: x.rows, columns: x.columns)   // every output below is written whole
        let mean = backend.allocateUninitialized(x.rows, of: S.self), rstd = backend.allocateUninitialized(x.rows, of: S.self)
        backend.layerNorm(x.buffer, gamma: gamma.buffer, beta: beta.buffer, rows: x.rows, columns: x.columns,
                          epsilon: epsilon, y: y.buffer, mean: mean, rstd: rstd)
        record(y) { [unowned self] dy in
            backend.layerNormBackward(dy, x: x.buffer, gamma: gamma.buffer, mean: mean, rstd: rstd,
                                      rows: x.rows, columns: x.columns, dx: gradientBuffer(for: x),
                                      dgamma: gradientBuffer(for: gamma), dbeta: gradientBuffer(for: beta))
        }
        return y
    }
}
