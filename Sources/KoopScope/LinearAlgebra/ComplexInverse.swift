import ComplexModule
import RealModule

extension Matrix where Element == Complex<Double> {
    /// The inverse of a square complex matrix, through the real 2n×2n system
    /// `[[Re, −Im], [Im, Re]] · [[Xr], [Xi]] = [[I], [0]]` solved by `dgesv`.
    public func inverse() throws -> Matrix<Complex<Double>> {
        precondition(isSquare, "inverse: matrix is \(rows)×\(columns), not square")
        let n = rows
        var block = Matrix<Double>(rows: 2 * n, columns: 2 * n, repeating: 0)
        for i in 0..<n {
            for j in 0..<n {
                let z = self[i, j]
                block[i, j] = z.real; block[i, j + n] = -z.imaginary
                block[i + n, j] = z.imaginary; block[i + n, j + n] = z.real
            }
        }
        var rhs = Matrix<Double>(rows: 2 * n, columns: n, repeating: 0)
        for i in 0..<n { rhs[i, i] = 1 }
        let x = try block.solving(rhs)
        return Matrix(rows: n, columns: n) { i, j in Complex(x[i, j], x[i + n, j]) }
    }
}
