extension CPUBackend {
    /// Weights (k × n) laid out as the small-product kernel streams them — strips of 16 columns,
    /// each k × 16 and contiguous — for ``stripProduct(_:rows:_:k:n:into:)``; nil where that kernel
    /// cannot run (Double, a CPU without AVX2 and FMA).
    ///
    /// ```swift
    /// let backend = CPUBackend()
    /// let w = backend.upload([Float](repeating: 0.5, count: 384 * 1152))
    /// if let strips = backend.stripPacked(w, rows: 384, columns: 1152) {
    ///     let x = backend.upload([Float](repeating: 1, count: 32 * 384)), y = backend.allocate(32 * 1152, of: Float.self)
    ///     _ = backend.stripProduct(x, rows: 32, strips, k: 384, n: 1152, into: y)   // y = x·w
    /// }
    /// ```
    ///
    /// The sampler reads the same weights for every token it draws; read in place, each strip's
    /// rows lie a row of the matrix apart, too far for the prefetcher, while the strips stream.
    public func stripPacked<S: TensorScalar>(_ w: Buffer<S>, rows k: Int, columns n: Int) -> Buffer<S>? {
        precondition(w.count == k * n, "\(w.count) weights for \(k)×\(n)")
        let strips = allocate((n + 15) / 16 * 16 * k, of: S.self)
        return S._packStrips(w.pointer, n, k, n, strips.pointer) ? strips : nil
    }

    /// y = x·W for x of `rows` × k with at most ``smallGEMMRows`` rows, W as
    /// ``stripPacked(_:rows:columns:)`` laid it out: bit for bit what ``gemm(_:alpha:_:_:beta:_:)``
    /// computes from W itself. Returns false, touching nothing, where it cannot run.
    public func stripProduct<S: TensorScalar>(_ x: Buffer<S>, rows: Int, _ strips: Buffer<S>, k: Int, n: Int,
                                              into y: Buffer<S>) -> Bool {
        precondition(x.count == rows * k && y.count == rows * n && strips.count == (n + 15) / 16 * 16 * k)
        guard rows <= Self.smallGEMMRows else { return false }
        return S._smallGEMMStrips(x.pointer, k, strips.pointer, y.pointer, n, rows, n, k)
    }
}
