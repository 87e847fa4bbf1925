import _CBLAS
import _CLAPACKE
import RealModule

/// A real scalar that BLAS and LAPACK work in: `Float` or `Double`.
///
/// The underscored requirements are the raw routines (row-major, LAPACKE's
/// conventions); use the methods on ``Matrix`` instead.
public protocol LinearAlgebraScalar: Real, BinaryFloatingPoint, Sendable {
    /// The LAPACK routine prefix, `s` or `d`, used in error messages.
    static var lapackPrefix: String { get }

    static func _gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                      a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                      beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func _gemv(trans: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
                      x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)
    static func _gesdd(jobz: UInt8, m: Int, n: Int, a: UnsafeMutablePointer<Self>, lda: Int,
                       s: UnsafeMutablePointer<Self>, u: UnsafeMutablePointer<Self>?, ldu: Int,
                       vt: UnsafeMutablePointer<Self>?, ldvt: Int) -> Int32
    static func _geev(jobvl: UInt8, jobvr: UInt8, n: Int, a: UnsafeMutablePointer<Self>, lda: Int,
                      wr: UnsafeMutablePointer<Self>, wi: UnsafeMutablePointer<Self>,
                      vl: UnsafeMutablePointer<Self>?, ldvl: Int,
                      vr: UnsafeMutablePointer<Self>?, ldvr: Int) -> Int32
    static func _geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Self>, lda: Int,
                       tau: UnsafeMutablePointer<Self>) -> Int32
    static func _orgqr(m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Self>, lda: Int,
                       tau: UnsafePointer<Self>) -> Int32
    static func _gesv(n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, lda: Int,
                      ipiv: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Self>, ldb: Int) -> Int32
    static func _posv(n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, lda: Int,
                      b: UnsafeMutablePointer<Self>, ldb: Int) -> Int32
}

@inline(__always) private func blasTrans(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }
/// A size as BLAS and LAPACK take it. Every entry point keeps sizes within `Limits.blasSize`
/// (dumps, dictionaries and callers' shapes are checked where they come in), so a size past
/// 2³¹ − 1 here is koopscope's bug: it stops rather than wrapping to a wrong result.
@inline(__always) private func i32(_ x: Int) -> Int32 {
    guard Limits.blasSize.contains(x) else { preconditionFailure("a BLAS/LAPACK size of \(x) is outside \(Limits.blasSize)") }
    return Int32(x)
}
private let rowMajor = LAPACK_ROW_MAJOR

extension Float: LinearAlgebraScalar {
    public static var lapackPrefix: String { "s" }

    public static func _gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, blasTrans(transA), blasTrans(transB), i32(m), i32(n), i32(k),
                    alpha, a, i32(lda), b, i32(ldb), beta, c, i32(ldc))
    }
    public static func _gemv(trans: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, blasTrans(trans), i32(m), i32(n), alpha, a, i32(lda), x, 1, beta, y, 1)
    }
    public static func _gesdd(jobz: UInt8, m: Int, n: Int, a: UnsafeMutablePointer<Float>, lda: Int,
                              s: UnsafeMutablePointer<Float>, u: UnsafeMutablePointer<Float>?, ldu: Int,
                              vt: UnsafeMutablePointer<Float>?, ldvt: Int) -> Int32 {
        LAPACKE_sgesdd(rowMajor, CChar(jobz), i32(m), i32(n), a, i32(lda), s, u, i32(ldu), vt, i32(ldvt))
    }
    public static func _geev(jobvl: UInt8, jobvr: UInt8, n: Int, a: UnsafeMutablePointer<Float>, lda: Int,
                             wr: UnsafeMutablePointer<Float>, wi: UnsafeMutablePointer<Float>,
                             vl: UnsafeMutablePointer<Float>?, ldvl: Int,
                             vr: UnsafeMutablePointer<Float>?, ldvr: Int) -> Int32 {
        LAPACKE_sgeev(rowMajor, CChar(jobvl), CChar(jobvr), i32(n), a, i32(lda), wr, wi,
                      vl, i32(ldvl), vr, i32(ldvr))
    }
    public static func _geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Float>, lda: Int,
                              tau: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_sgeqrf(rowMajor, i32(m), i32(n), a, i32(lda), tau)
    }
    public static func _orgqr(m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Float>, lda: Int,
                              tau: UnsafePointer<Float>) -> Int32 {
        LAPACKE_sorgqr(rowMajor, i32(m), i32(n), i32(k), a, i32(lda), tau)
    }
    public static func _gesv(n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, lda: Int,
                             ipiv: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Float>, ldb: Int) -> Int32 {
        LAPACKE_sgesv(rowMajor, i32(n), i32(nrhs), a, i32(lda), ipiv, b, i32(ldb))
    }
    public static func _posv(n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, lda: Int,
                             b: UnsafeMutablePointer<Float>, ldb: Int) -> Int32 {
        LAPACKE_sposv(rowMajor, CChar(UInt8(ascii: "U")), i32(n), i32(nrhs), a, i32(lda), b, i32(ldb))
    }
}

extension Double: LinearAlgebraScalar {
    public static var lapackPrefix: String { "d" }

    public static func _gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                             a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                             beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, blasTrans(transA), blasTrans(transB), i32(m), i32(n), i32(k),
                    alpha, a, i32(lda), b, i32(ldb), beta, c, i32(ldc))
    }
    public static func _gemv(trans: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                             x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>) {
        cblas_dgemv(CblasRowMajor, blasTrans(trans), i32(m), i32(n), alpha, a, i32(lda), x, 1, beta, y, 1)
    }
    public static func _gesdd(jobz: UInt8, m: Int, n: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                              s: UnsafeMutablePointer<Double>, u: UnsafeMutablePointer<Double>?, ldu: Int,
                              vt: UnsafeMutablePointer<Double>?, ldvt: Int) -> Int32 {
        LAPACKE_dgesdd(rowMajor, CChar(jobz), i32(m), i32(n), a, i32(lda), s, u, i32(ldu), vt, i32(ldvt))
    }
    public static func _geev(jobvl: UInt8, jobvr: UInt8, n: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                             wr: UnsafeMutablePointer<Double>, wi: UnsafeMutablePointer<Double>,
                             vl: UnsafeMutablePointer<Double>?, ldvl: Int,
                             vr: UnsafeMutablePointer<Double>?, ldvr: Int) -> Int32 {
        LAPACKE_dgeev(rowMajor, CChar(jobvl), CChar(jobvr), i32(n), a, i32(lda), wr, wi,
                      vl, i32(ldvl), vr, i32(ldvr))
    }
    public static func _geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                              tau: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dgeqrf(rowMajor, i32(m), i32(n), a, i32(lda), tau)
    }
    public static func _orgqr(m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                              tau: UnsafePointer<Double>) -> Int32 {
        LAPACKE_dorgqr(rowMajor, i32(m), i32(n), i32(k), a, i32(lda), tau)
    }
    public static func _gesv(n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                             ipiv: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Double>, ldb: Int) -> Int32 {
        LAPACKE_dgesv(rowMajor, i32(n), i32(nrhs), a, i32(lda), ipiv, b, i32(ldb))
    }
    public static func _posv(n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                             b: UnsafeMutablePointer<Double>, ldb: Int) -> Int32 {
        LAPACKE_dposv(rowMajor, CChar(UInt8(ascii: "U")), i32(n), i32(nrhs), a, i32(lda), b, i32(ldb))
    }
}
