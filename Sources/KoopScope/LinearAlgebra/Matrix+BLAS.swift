import _CBLAS

/// Products through BLAS (`?gemm`, `?gemv`).
extension Matrix where Element: LinearAlgebraScalar {
    /// Accumulates `alpha · op(a) · op(b) + beta · self` into `self` (one `?gemm`).
    ///
    /// ```swift
    /// var g = Matrix<Double>(rows: m, columns: m, repeating: 0)
    /// g.addProduct(psiX, psiX, transposingLeft: true)   // G = Ψ_Xᵀ Ψ_X
    /// ```
    public mutating func addProduct(
        _ a: Matrix, _ b: Matrix, transposingLeft: Bool = false, transposingRight: Bool = false,
        alpha: Element = 1, beta: Element = 1
    ) {
        let (m, k) = transposingLeft ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposingRight ? (b.columns, b.rows) : (b.rows, b.columns)
        precondition(k == kb, "gemm: inner dimensions \(k) and \(kb) differ")
        precondition(rows == m && columns == n, "gemm: result is \(rows)×\(columns), product is \(m)×\(n)")
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in elements.indices { elements[i] *= beta }
            return
        }
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                elements.withUnsafeMutableBufferPointer { pc in
                    Element._gemm(transA: transposingLeft, transB: transposingRight, m: m, n: n, k: k,
                                  alpha: alpha, a: pa.baseAddress!, lda: a.columns,
                                  b: pb.baseAddress!, ldb: b.columns, beta: beta,
                                  c: pc.baseAddress!, ldc: n)
                }
            }
        }
    }

    /// The product `op(self) · op(other)`.
    public func multiplied(by other: Matrix, transposingSelf: Bool = false,
                           transposingOther: Bool = false) -> Matrix {
        let m = transposingSelf ? columns : rows
        let n = transposingOther ? other.rows : other.columns
        var c = Matrix(rows: m, columns: n, repeating: 0)
        c.addProduct(self, other, transposingLeft: transposingSelf, transposingRight: transposingOther,
                     beta: 0)
        return c
    }

    /// The matrix–vector product `op(self) · x` (one `?gemv`).
    public func multiplied(by x: [Element], transposingSelf: Bool = false) -> [Element] {
        let (m, n) = transposingSelf ? (columns, rows) : (rows, columns)
        precondition(x.count == n, "gemv: vector has \(x.count) entries, matrix needs \(n)")
        var y = [Element](repeating: 0, count: m)
        guard m > 0, n > 0 else { return y }
        elements.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    Element._gemv(trans: transposingSelf, m: rows, n: columns, alpha: 1,
                                  a: pa.baseAddress!, lda: columns, x: px.baseAddress!, beta: 0,
                                  y: py.baseAddress!)
                }
            }
        }
        return y
    }

    /// The matrix product.
    public static func * (lhs: Matrix, rhs: Matrix) -> Matrix { lhs.multiplied(by: rhs) }

    /// The entry-wise sum.
    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "Matrix sizes differ")
        return Matrix(rows: lhs.rows, columns: lhs.columns, elements: zip(lhs.elements, rhs.elements).map(+))
    }

    /// The entry-wise difference.
    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "Matrix sizes differ")
        return Matrix(rows: lhs.rows, columns: lhs.columns, elements: zip(lhs.elements, rhs.elements).map(-))
    }

    /// The matrix scaled by `s`.
    public static func * (s: Element, matrix: Matrix) -> Matrix { matrix.map { s * $0 } }

    /// The Frobenius norm.
    public var frobeniusNorm: Element {
        var scale: Element = 0
        for x in elements { scale = Swift.max(scale, Swift.abs(x)) }
        guard scale > 0, scale.isFinite else { return scale }
        var sum: Element = 0
        for x in elements { let y = x / scale; sum += y * y }
        return scale * sum.squareRoot()
    }
}

extension Matrix where Element == Double {
    /// The Gram matrix `selfᵀ self` (`transposingSelf`) or `self selfᵀ`, by one `dsyrk` (half a
    /// GEMM's work) with the other triangle mirrored.
    ///
    /// ```swift
    /// let g = psiX.gram(transposingSelf: true)   // G = Ψ_Xᵀ Ψ_X
    /// ```
    public func gram(transposingSelf: Bool) -> Matrix {
        let n = transposingSelf ? columns : rows, k = transposingSelf ? rows : columns
        var c = Matrix(rows: n, columns: n, repeating: 0)
        guard n > 0, k > 0 else { return c }
        elements.withUnsafeBufferPointer { a in
            c.elements.withUnsafeMutableBufferPointer { out in
                cblas_dsyrk(CblasRowMajor, CblasUpper, transposingSelf ? CblasTrans : CblasNoTrans, Int32(n), Int32(k),
                            1, a.baseAddress, Int32(columns), 0, out.baseAddress, Int32(n))
                for i in 0..<n { for j in 0..<i { out[i * n + j] = out[j * n + i] } }
            }
        }
        return c
    }
}
