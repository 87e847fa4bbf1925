import ComplexModule

/// A singular value decomposition `A = U · diag(σ) · Vᵀ`.
public struct SingularValueDecomposition<Scalar: LinearAlgebraScalar>: Sendable {
    /// Left singular vectors as columns (m×k thin, m×m full).
    public var u: Matrix<Scalar>
    /// Singular values, largest first (k = min(m, n) of them).
    public var singularValues: [Scalar]
    /// Right singular vectors as rows (k×n thin, n×n full).
    public var vt: Matrix<Scalar>
}

/// Eigenvalues of a real square matrix with, optionally, left and right eigenvectors.
///
/// Column j of `rightVectors` is v_j with `A v_j = λ_j v_j`; column j of `leftVectors`
/// is u_j with `u_jᴴ A = λ_j u_jᴴ`. LAPACK scales each to unit 2-norm with its
/// largest component real. Complex eigenvalues come in conjugate pairs, the one
/// with positive imaginary part first.
public struct EigenDecomposition<Scalar: LinearAlgebraScalar>: Sendable {
    /// The eigenvalues, in LAPACK's order.
    public var values: [Complex<Scalar>]
    /// Right eigenvectors as columns, when asked for.
    public var rightVectors: Matrix<Complex<Scalar>>?
    /// Left eigenvectors as columns, when asked for.
    public var leftVectors: Matrix<Complex<Scalar>>?
}

/// A thin QR decomposition `A = Q R`: Q is m×k with orthonormal columns and R is
/// k×n upper trapezoidal, k = min(m, n).
public struct QRDecomposition<Scalar: LinearAlgebraScalar>: Sendable {
    /// The orthonormal factor.
    public var q: Matrix<Scalar>
    /// The upper-triangular factor.
    public var r: Matrix<Scalar>
}

extension Matrix where Element: LinearAlgebraScalar {
    private func requireFinite(_ routine: String) throws {
        for x in elements where !x.isFinite { throw LinearAlgebraError.nonFinite(routine) }
    }

    private static func name(_ routine: String) -> String { Element.lapackPrefix + routine }

    /// The singular values, largest first (`?gesdd` without vectors).
    public func singularValues() throws -> [Element] {
        try singularValueDecomposition(vectors: false).singularValues
    }

    /// The singular value decomposition by divide and conquer (`?gesdd`).
    ///
    /// ```swift
    /// let svd = try k.singularValueDecomposition()
    /// let largest = svd.singularValues[0]
    /// ```
    /// - Parameters:
    ///   - full: square U (m×m) and Vᵀ (n×n) instead of the thin factors.
    ///   - vectors: `false` computes only the singular values; U and Vᵀ are then empty.
    public func singularValueDecomposition(full: Bool = false, vectors: Bool = true) throws
        -> SingularValueDecomposition<Element>
    {
        let routine = Self.name("gesdd")
        try requireFinite(routine)
        let m = rows, n = columns, k = Swift.min(m, n)
        guard k > 0 else {
            return SingularValueDecomposition(
                u: Matrix(rows: vectors ? m : 0, columns: full && vectors ? m : 0, repeating: 0),
                singularValues: [], vt: Matrix(rows: full && vectors ? n : 0, columns: vectors ? n : 0, repeating: 0))
        }
        let (job, uCols, vtRows): (UInt8, Int, Int) =
            !vectors ? (UInt8(ascii: "N"), 0, 0) : full ? (UInt8(ascii: "A"), m, n) : (UInt8(ascii: "S"), k, k)
        var a = elements
        var s = [Element](repeating: 0, count: k)
        var u = [Element](repeating: 0, count: Swift.max(m * uCols, 1))
        var vt = [Element](repeating: 0, count: Swift.max(vtRows * n, 1))
        let info = a.withUnsafeMutableBufferPointer { pa in
            s.withUnsafeMutableBufferPointer { ps in
                u.withUnsafeMutableBufferPointer { pu in
                    vt.withUnsafeMutableBufferPointer { pvt in
                        Element._gesdd(jobz: job, m: m, n: n, a: pa.baseAddress!, lda: n, s: ps.baseAddress!,
                                       u: pu.baseAddress!, ldu: Swift.max(uCols, 1),
                                       vt: pvt.baseAddress!, ldvt: n)
                    }
                }
            }
        }
        try checkLAPACK(info, routine) { _ in "the divide-and-conquer iteration did not converge" }
        guard vectors else {
            return SingularValueDecomposition(u: Matrix<Element>(rows: 0, columns: 0, elements: []),
                                              singularValues: s,
                                              vt: Matrix<Element>(rows: 0, columns: 0, elements: []))
        }
        return SingularValueDecomposition(u: Matrix(rows: m, columns: uCols, elements: Array(u.prefix(m * uCols))),
                                          singularValues: s,
                                          vt: Matrix(rows: vtRows, columns: n, elements: Array(vt.prefix(vtRows * n))))
    }

    /// The 2-norm condition number σ_max/σ_min (infinite for a singular matrix).
    public func conditionNumber() throws -> Element {
        let s = try singularValues()
        guard let largest = s.first, let smallest = s.last else { return 0 }
        return smallest == 0 ? .infinity : largest / smallest
    }

    /// The eigenvalues of a square matrix (`?geev` without vectors).
    public func eigenvalues() throws -> [Complex<Element>] {
        try eigenDecomposition(left: false, right: false).values
    }

    /// Eigenvalues and eigenvectors of a square matrix (`?geev`).
    ///
    /// ```swift
    /// let eig = try k.eigenDecomposition()
    /// let magnitudes = eig.values.map { $0.length }
    /// ```
    public func eigenDecomposition(left: Bool = true, right: Bool = true) throws -> EigenDecomposition<Element> {
        precondition(isSquare, "geev: matrix is \(rows)×\(columns), not square")
        let routine = Self.name("geev")
        try requireFinite(routine)
        let n = rows
        guard n > 0 else {
            let empty = Matrix<Complex<Element>>(rows: 0, columns: 0, elements: [])
            return EigenDecomposition(values: [], rightVectors: right ? empty : nil, leftVectors: left ? empty : nil)
        }
        var a = elements
        var wr = [Element](repeating: 0, count: n), wi = wr
        var vl = [Element](repeating: 0, count: left ? n * n : 1)
        var vr = [Element](repeating: 0, count: right ? n * n : 1)
        let info: Int32 = a.withUnsafeMutableBufferPointer { pa -> Int32 in
            wr.withUnsafeMutableBufferPointer { pwr -> Int32 in
                wi.withUnsafeMutableBufferPointer { pwi -> Int32 in
                    vl.withUnsafeMutableBufferPointer { pvl -> Int32 in
                        vr.withUnsafeMutableBufferPointer { pvr -> Int32 in
                            Element._geev(jobvl: left ? UInt8(ascii: "V") : UInt8(ascii: "N"),
                                          jobvr: right ? UInt8(ascii: "V") : UInt8(ascii: "N"),
                                          n: n, a: pa.baseAddress!, lda: n,
                                          wr: pwr.baseAddress!, wi: pwi.baseAddress!,
                                          vl: pvl.baseAddress!, ldvl: left ? n : 1,
                                          vr: pvr.baseAddress!, ldvr: right ? n : 1)
                        }
                    }
                }
            }
        }
        try checkLAPACK(info, routine) { i in
            "the QR algorithm failed to compute all eigenvalues; \(Int(n) - Int(i)) converged"
        }
        let values = (0..<n).map { Complex(wr[$0], wi[$0]) }
        return EigenDecomposition(values: values,
                                  rightVectors: right ? Self.unpackEigenvectors(vr, imaginary: wi, n: n) : nil,
                                  leftVectors: left ? Self.unpackEigenvectors(vl, imaginary: wi, n: n) : nil)
    }

    /// `?geev` stores a conjugate pair's vector as two real columns (real part, imaginary part).
    private static func unpackEigenvectors(_ packed: [Element], imaginary wi: [Element], n: Int)
        -> Matrix<Complex<Element>>
    {
        var out = Matrix<Complex<Element>>(rows: n, columns: n, repeating: .zero)
        var j = 0
        while j < n {
            if wi[j] != 0 && j + 1 < n {
                for i in 0..<n {
                    let re = packed[i * n + j], im = packed[i * n + j + 1]
                    out[i, j] = Complex(re, im)
                    out[i, j + 1] = Complex(re, -im)
                }
                j += 2
            } else {
                for i in 0..<n { out[i, j] = Complex(packed[i * n + j], 0) }
                j += 1
            }
        }
        return out
    }

    /// The thin QR decomposition (`?geqrf`, then `?orgqr`).
    public func qrDecomposition() throws -> QRDecomposition<Element> {
        let m = rows, n = columns, k = Swift.min(m, n)
        try requireFinite(Self.name("geqrf"))
        guard k > 0 else {
            return QRDecomposition(q: Matrix(rows: m, columns: 0, repeating: 0),
                                   r: Matrix(rows: 0, columns: n, repeating: 0))
        }
        var a = elements
        var tau = [Element](repeating: 0, count: k)
        let info = a.withUnsafeMutableBufferPointer { pa in
            tau.withUnsafeMutableBufferPointer { pt in
                Element._geqrf(m: m, n: n, a: pa.baseAddress!, lda: n, tau: pt.baseAddress!)
            }
        }
        try checkLAPACK(info, Self.name("geqrf")) { _ in "unexpected positive info" }
        var r = Matrix<Element>(rows: k, columns: n, repeating: 0)
        for i in 0..<k {
            for j in i..<n { r[i, j] = a[i * n + j] }
        }
        // ?orgqr forms Q in the first k columns; the leading dimension stays n.
        let info2 = a.withUnsafeMutableBufferPointer { pa in
            tau.withUnsafeBufferPointer { pt in
                Element._orgqr(m: m, n: k, k: k, a: pa.baseAddress!, lda: n, tau: pt.baseAddress!)
            }
        }
        try checkLAPACK(info2, Self.name("orgqr")) { _ in "unexpected positive info" }
        let q = Matrix(rows: m, columns: k) { i, j in a[i * n + j] }
        return QRDecomposition(q: q, r: r)
    }

    /// The solution X of `self · X = b` for a square, non-singular `self` (`?gesv`, LU with
    /// partial pivoting).
    ///
    /// ```swift
    /// let k = try (g + delta * .identity(m)).solving(a)   // K = (G + δI)⁻¹ A
    /// ```
    public func solving(_ b: Matrix) throws -> Matrix {
        precondition(isSquare, "gesv: matrix is \(rows)×\(columns), not square")
        precondition(b.rows == rows, "gesv: right-hand side has \(b.rows) rows, matrix has \(rows)")
        let routine = Self.name("gesv")
        try requireFinite(routine)
        for x in b.elements where !x.isFinite { throw LinearAlgebraError.nonFinite(routine) }
        let n = rows, nrhs = b.columns
        guard n > 0, nrhs > 0 else { return b }
        var a = elements, x = b.elements
        var ipiv = [Int32](repeating: 0, count: n)
        let info = a.withUnsafeMutableBufferPointer { pa in
            ipiv.withUnsafeMutableBufferPointer { pp in
                x.withUnsafeMutableBufferPointer { px in
                    Element._gesv(n: n, nrhs: nrhs, a: pa.baseAddress!, lda: n, ipiv: pp.baseAddress!,
                                  b: px.baseAddress!, ldb: nrhs)
                }
            }
        }
        try checkLAPACK(info, routine) { i in "U(\(i),\(i)) is exactly zero: the matrix is singular" }
        return Matrix(rows: n, columns: nrhs, elements: x)
    }

    /// The solution X of `self · X = b` for a symmetric positive-definite `self` (`?posv`,
    /// Cholesky; only the upper triangle is read).
    public func solvingPositiveDefinite(_ b: Matrix) throws -> Matrix {
        precondition(isSquare, "posv: matrix is \(rows)×\(columns), not square")
        precondition(b.rows == rows, "posv: right-hand side has \(b.rows) rows, matrix has \(rows)")
        let routine = Self.name("posv")
        try requireFinite(routine)
        for x in b.elements where !x.isFinite { throw LinearAlgebraError.nonFinite(routine) }
        let n = rows, nrhs = b.columns
        guard n > 0, nrhs > 0 else { return b }
        var a = elements, x = b.elements
        let info = a.withUnsafeMutableBufferPointer { pa in
            x.withUnsafeMutableBufferPointer { px in
                Element._posv(n: n, nrhs: nrhs, a: pa.baseAddress!, lda: n, b: px.baseAddress!, ldb: nrhs)
            }
        }
        try checkLAPACK(info, routine) { i in
            "the leading minor of order \(i) is not positive definite"
        }
        return Matrix(rows: n, columns: nrhs, elements: x)
    }
}
