import _CLAPACKE

/// The leading eigenpairs of a symmetric matrix, with every eigenvalue but only the
/// eigenvectors asked for: one tridiagonal reduction (`dsytrd`) serves all eigenvalues
/// (`dsterf`, O(n²)) and the chosen vectors (MRRR, `dstemr`, then `dormtr` back to the
/// original basis), so a caller that needs r ≪ n vectors pays O(n²r) beyond the reduction
/// instead of O(n³).
///
/// ```swift
/// let g = Matrix<Double>(rows: 3, columns: 3) { i, j in i == j ? Double(i + 1) : 0.1 }
/// let top = try SymmetricEigen(g) { values in 2 }
/// print(top.values)    // all three eigenvalues, largest first
/// print(top.vectors)   // 3×2: the eigenvectors of the two largest, as columns
/// ```
public struct SymmetricEigen: Sendable {
    /// Every eigenvalue, largest first.
    public let values: [Double]
    /// n×k: the eigenvectors of the k largest eigenvalues as columns, in the same order.
    public let vectors: Matrix<Double>

    /// Decomposes the symmetric `matrix` (its lower triangle is read); `count` sees every
    /// eigenvalue (largest first) and returns how many leading eigenvectors to compute.
    public init(_ matrix: Matrix<Double>, count: ([Double]) throws -> Int) throws {
        let n = matrix.rows
        guard n == matrix.columns else {
            throw LinearAlgebraError(routine: "dsytrd", info: 0,
                                     reason: "a \(matrix.rows)×\(matrix.columns) matrix is not square")
        }
        for x in matrix.elements where !x.isFinite { throw LinearAlgebraError.nonFinite("dsytrd") }
        guard n > 0 else {
            values = []
            vectors = Matrix(rows: 0, columns: 0, repeating: 0)
            return
        }
        // Symmetric, so the row-major elements read as column-major are the same matrix.
        var a = matrix.elements
        var diagonal = [Double](repeating: 0, count: n), offDiagonal = [Double](repeating: 0, count: n)
        var tau = [Double](repeating: 0, count: max(1, n - 1))
        let layout = Int32(LAPACK_COL_MAJOR), lower = CChar(UInt8(ascii: "L"))
        var info = LAPACKE_dsytrd(layout, lower, Int32(n), &a, Int32(n), &diagonal, &offDiagonal, &tau)
        try checkLAPACK(info, "dsytrd") { _ in "unexpected failure" }
        var all = diagonal, e = offDiagonal
        info = LAPACKE_dsterf(Int32(n), &all, &e)
        try checkLAPACK(info, "dsterf") { "\($0) off-diagonal elements did not converge" }
        all.reverse()
        values = all
        let k = min(n, max(0, try count(all)))
        guard k > 0 else {
            vectors = Matrix(rows: n, columns: 0, repeating: 0)
            return
        }
        var found: Int32 = 0
        var w = [Double](repeating: 0, count: n), z = [Double](repeating: 0, count: n * k)
        var support = [Int32](repeating: 0, count: 2 * k)
        var tryRelativeAccuracy: Int32 = 1
        info = LAPACKE_dstemr(layout, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "I")), Int32(n), &diagonal,
                              &offDiagonal, 0, 0, Int32(n - k + 1), Int32(n), &found, &w, &z, Int32(n), Int32(k),
                              &support, &tryRelativeAccuracy)
        try checkLAPACK(info, "dstemr") { "the MRRR algorithm failed (\($0))" }
        guard found == Int32(k) else {
            throw LinearAlgebraError(routine: "dstemr", info: 0, reason: "found \(found) of \(k) eigenvectors")
        }
        info = LAPACKE_dormtr(layout, CChar(UInt8(ascii: "L")), lower, CChar(UInt8(ascii: "N")), Int32(n), Int32(k),
                              &a, Int32(n), &tau, &z, Int32(n))
        try checkLAPACK(info, "dormtr") { _ in "unexpected failure" }
        // z holds the vectors in ascending order of their eigenvalues, column-major.
        vectors = Matrix(rows: n, columns: k) { i, j in z[(k - 1 - j) * n + i] }
    }
}
