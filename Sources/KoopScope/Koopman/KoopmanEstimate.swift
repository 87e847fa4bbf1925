import ComplexModule
import _CBLAS
import RealModule

/// The Koopman operator K estimated from one set of snapshot pairs, with its spectrum,
/// the ResDMD residual of every eigenpair and its singular values (docs/math.md §2–5).
///
/// K is m×m and acts on coefficient vectors: an observable `Ψ v` is advanced to `Ψ (K v)`.
///
/// ```swift
/// let psi = try dictionary.lift(trajectory.states)           // T×m, Float32
/// let estimate = try KoopmanEstimate(lifted: psi.map(Double.init), estimator: .paperDefault)
/// print(estimate.eigenvalues, estimate.residuals, estimate.singularValues)
/// ```
public struct KoopmanEstimate: Sendable {
    /// K, m×m.
    public var k: Matrix<Double>
    /// Eigenvalues of K in LAPACK's order (a conjugate pair: positive imaginary part first).
    public var eigenvalues: [Complex<Double>]
    /// `res(λ_j, v_j) = ‖(Ψ_Y − λ_j Ψ_X) v_j‖₂ / ‖Ψ_X v_j‖₂`, in the norm form (infinite when
    /// `Ψ_X v_j = 0`).
    public var residuals: [Double]
    /// Singular values of K, largest first.
    public var singularValues: [Double]

    /// Estimates K from the snapshot pairs of one lifted trajectory: rows 0…T−2 of `psi` are
    /// Ψ_X, rows 1…T−1 are Ψ_Y.
    public init(lifted psi: Matrix<Double>, estimator: KoopmanEstimator) throws {
        guard psi.rows >= 2 else { throw KoopmanError.tooShort(length: psi.rows) }
        let m = psi.columns
        self = try psi.withUnsafeBufferPointer { p in
            try Self(psiX: p.baseAddress!, psiY: p.baseAddress! + m, pairs: psi.rows - 1, m: m, estimator: estimator)
        }
    }

    /// Estimates K from explicit Ψ_X and Ψ_Y (M×m each; pairs pooled from several
    /// trajectories are stacked row-wise).
    public init(psiX: Matrix<Double>, psiY: Matrix<Double>, estimator: KoopmanEstimator) throws {
        guard psiX.rows == psiY.rows && psiX.columns == psiY.columns else {
            throw KoopmanError.shapeMismatch("Ψ_X is \(psiX.rows)×\(psiX.columns), Ψ_Y \(psiY.rows)×\(psiY.columns)")
        }
        guard psiX.rows >= 1 else { throw KoopmanError.tooShort(length: psiX.rows + 1) }
        self = try psiX.withUnsafeBufferPointer { px in
            try psiY.withUnsafeBufferPointer { py in
                try Self(psiX: px.baseAddress!, psiY: py.baseAddress!, pairs: psiX.rows, m: psiX.columns,
                         estimator: estimator)
            }
        }
    }

    /// Spectrum, residuals and singular values of a given K over the snapshots Ψ_X, Ψ_Y.
    public init(k: Matrix<Double>, psiX: Matrix<Double>, psiY: Matrix<Double>) throws {
        guard psiX.rows == psiY.rows, psiX.columns == psiY.columns, k.rows == k.columns, k.rows == psiX.columns else {
            throw KoopmanError.shapeMismatch("K is \(k.rows)×\(k.columns), Ψ_X \(psiX.rows)×\(psiX.columns), "
                                             + "Ψ_Y \(psiY.rows)×\(psiY.columns)")
        }
        self = try psiX.withUnsafeBufferPointer { px in
            try psiY.withUnsafeBufferPointer { py in
                try Self(k: k, psiX: px.baseAddress!, psiY: py.baseAddress!, pairs: psiX.rows)
            }
        }
    }

    /// Ψ_X and Ψ_Y are M×m, row-major with leading dimension m.
    init(psiX: UnsafePointer<Double>, psiY: UnsafePointer<Double>, pairs: Int, m: Int,
         estimator: KoopmanEstimator) throws {
        let k = try Self.koopmanOperator(psiX: psiX, psiY: psiY, pairs: pairs, m: m, estimator: estimator)
        try self.init(k: k, psiX: psiX, psiY: psiY, pairs: pairs)
    }

    init(k: Matrix<Double>, psiX: UnsafePointer<Double>, psiY: UnsafePointer<Double>, pairs: Int) throws {
        let m = k.rows
        for x in k.elements where !x.isFinite { throw KoopmanError.nonFinite }
        do {
            let (values, packed) = try Self.eigen(k)
            self.k = k
            self.eigenvalues = values
            self.residuals = Self.residuals(values, packedVectors: packed, psiX: psiX, psiY: psiY, pairs: pairs, m: m)
            self.singularValues = try k.singularValues()
        } catch let error as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(error.description)
        }
    }

    /// K from Ψ_X and Ψ_Y given as row-major arrays (M×m each).
    static func koopmanOperator(psiX: [Double], psiY: [Double], pairs: Int, m: Int,
                                estimator: KoopmanEstimator) throws -> Matrix<Double> {
        try psiX.withUnsafeBufferPointer { px in
            try psiY.withUnsafeBufferPointer { py in
                try koopmanOperator(psiX: px.baseAddress!, psiY: py.baseAddress!, pairs: pairs, m: m, estimator: estimator)
            }
        }
    }

    /// K by ridge regression or pseudo-inverse.
    static func koopmanOperator(psiX: UnsafePointer<Double>, psiY: UnsafePointer<Double>, pairs: Int, m: Int,
                         estimator: KoopmanEstimator) throws -> Matrix<Double> {
        do {
            switch estimator {
            case .ridge(let delta):
                // G and A straight from the caller's buffers (no copy of Ψ); G by ?syrk, mirrored.
                var g = Matrix<Double>(rows: m, columns: m, repeating: 0), a = g
                g.withUnsafeMutableBufferPointer { pg in
                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(m), Int32(pairs), 1, psiX, Int32(m),
                                0, pg.baseAddress!, Int32(m))
                }
                for i in 0..<m { for j in 0..<i { g[i, j] = g[j, i] } }
                a.withUnsafeMutableBufferPointer { pa in
                    Double._gemm(transA: true, transB: false, m: m, n: m, k: pairs, alpha: 1, a: psiX, lda: m,
                                 b: psiY, ldb: m, beta: 0, c: pa.baseAddress!, ldc: m)
                }
                return try RidgeOperator.solve(gram: g, cross: a, delta: delta).k
            case .pseudoInverse(let rcond):
                let x = Matrix(rows: pairs, columns: m, elements: Array(UnsafeBufferPointer(start: psiX, count: pairs * m)))
                let y = Matrix(rows: pairs, columns: m, elements: Array(UnsafeBufferPointer(start: psiY, count: pairs * m)))
                let svd = try x.singularValueDecomposition()
                let cutoff = rcond * (svd.singularValues.first ?? 0)
                // K = V diag(1/σ) Uᵀ Ψ_Y over the singular values above the cut-off.
                var uty = svd.u.multiplied(by: y, transposingSelf: true)
                for (i, s) in svd.singularValues.enumerated() {
                    let scale = s > cutoff && s > 0 ? 1 / s : 0
                    for j in 0..<m { uty[i, j] *= scale }
                }
                return svd.vt.multiplied(by: uty, transposingSelf: true)
            }
        } catch let error as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(error.description)
        }
    }

    /// Eigenvalues and LAPACK's packed real right eigenvectors (a pair's vector as a real
    /// column and an imaginary column).
    static func eigen(_ k: Matrix<Double>) throws -> ([Complex<Double>], Matrix<Double>) {
        let n = k.rows
        var a = k.elements
        var wr = [Double](repeating: 0, count: n), wi = wr
        var vr = [Double](repeating: 0, count: n * n)
        var unused = [Double](repeating: 0, count: 1)
        let info: Int32 = a.withUnsafeMutableBufferPointer { pa -> Int32 in
            wr.withUnsafeMutableBufferPointer { pwr -> Int32 in
                wi.withUnsafeMutableBufferPointer { pwi -> Int32 in
                    vr.withUnsafeMutableBufferPointer { pvr -> Int32 in
                        unused.withUnsafeMutableBufferPointer { pvl -> Int32 in
                            Double._geev(jobvl: UInt8(ascii: "N"), jobvr: UInt8(ascii: "V"), n: n,
                                         a: pa.baseAddress!, lda: n, wr: pwr.baseAddress!, wi: pwi.baseAddress!,
                                         vl: pvl.baseAddress!, ldvl: 1, vr: pvr.baseAddress!, ldvr: n)
                        }
                    }
                }
            }
        }
        try checkLAPACK(info, "dgeev") { i in "the QR algorithm failed; \(n - Int(i)) eigenvalues converged" }
        return ((0..<n).map { Complex(wr[$0], wi[$0]) }, Matrix(rows: n, columns: n, elements: vr))
    }
}
