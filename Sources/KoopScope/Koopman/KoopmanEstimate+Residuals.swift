import ComplexModule
import _CBLAS
import RealModule

/// ResDMD residuals ‖(Ψ_Y − λΨ_X)v‖₂ / ‖Ψ_Xv‖₂ of every eigenpair, in the norm form and Float64
/// (docs/math.md §5): the Gram form is equal in exact arithmetic but cancels badly.
extension KoopmanEstimate {
    /// Residuals in the norm form, from `Ψ_X V` and `Ψ_Y V` with V packed as `?geev` returns
    /// it, so one real product covers both members of a conjugate pair (they share a residual).
    static func residuals(_ values: [Complex<Double>], packedVectors v: Matrix<Double>,
                          psiX: UnsafePointer<Double>, psiY: UnsafePointer<Double>, pairs: Int, m: Int) -> [Double] {
        // When Ψ_X and Ψ_Y are two windows of one lifted trajectory (Ψ_Y = Ψ_X shifted by a
        // row), one product Ψ V gives both Ψ_X V and Ψ_Y V.
        let shifted = psiY == psiX + m
        var product = [Double](repeating: 0, count: (shifted ? pairs + 1 : 2 * pairs) * m)
        v.withUnsafeBufferPointer { pv in
            product.withUnsafeMutableBufferPointer { out in
                Double._gemm(transA: false, transB: false, m: shifted ? pairs + 1 : pairs, n: m, k: m, alpha: 1,
                             a: psiX, lda: m, b: pv.baseAddress!, ldb: m, beta: 0, c: out.baseAddress!, ldc: m)
                if !shifted {
                    Double._gemm(transA: false, transB: false, m: pairs, n: m, k: m, alpha: 1, a: psiY, lda: m,
                                 b: pv.baseAddress!, ldb: m, beta: 0, c: out.baseAddress! + pairs * m, ldc: m)
                }
            }
        }
        return product.withUnsafeBufferPointer { p in
            residuals(values, px: p.baseAddress!, py: p.baseAddress! + (shifted ? m : pairs * m), pairs: pairs, m: m)
        }
    }

    /// Residuals from `Ψ_X V` and `Ψ_Y V` (pairs×m each, leading dimension m).
    static func residuals(_ values: [Complex<Double>], px: UnsafePointer<Double>, py: UnsafePointer<Double>,
                          pairs: Int, m: Int) -> [Double] {
        var residuals = [Double](repeating: .nan, count: m)
        var j = 0
        while j < m {
            let lr = values[j].real, li = values[j].imaginary
            var numerator = 0.0, denominator = 0.0
            if li != 0 && j + 1 < m {
                for row in 0..<pairs {
                    let base = row * m
                    let xr = px[base + j], xi = px[base + j + 1], yr = py[base + j], yi = py[base + j + 1]
                    let re = yr - lr * xr + li * xi, im = yi - lr * xi - li * xr
                    numerator += re * re + im * im
                    denominator += xr * xr + xi * xi
                }
                let r = denominator > 0 ? (numerator / denominator).squareRoot() : .infinity
                residuals[j] = r
                residuals[j + 1] = r
                j += 2
            } else {
                for row in 0..<pairs {
                    let base = row * m
                    let re = py[base + j] - lr * px[base + j]
                    numerator += re * re
                    denominator += px[base + j] * px[base + j]
                }
                residuals[j] = denominator > 0 ? (numerator / denominator).squareRoot() : .infinity
                j += 1
            }
        }
        return residuals
    }
}
