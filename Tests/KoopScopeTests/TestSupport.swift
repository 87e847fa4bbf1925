import ComplexModule
import Foundation
@testable import KoopScope
@_exported import _TestSupport

/// An orthogonal matrix built as a product of Householder reflections `I − 2vvᵀ/vᵀv`,
/// orthogonal by construction and independent of LAPACK.
func randomOrthogonal(_ n: Int, rng: inout SeededGenerator) -> Matrix<Double> {
    var q = Matrix<Double>.identity(n)
    for _ in 0..<n {
        let v = (0..<n).map { _ in rng.nextGaussian() }
        let vv = v.reduce(0) { $0 + $1 * $1 }
        let h = Matrix<Double>(rows: n, columns: n) { i, j in (i == j ? 1 : 0) - 2 * v[i] * v[j] / vv }
        q = naiveProduct(q, h)
    }
    return q
}

/// Triple-loop product, the reference the BLAS product is checked against.
func naiveProduct(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
    Matrix(rows: a.rows, columns: b.columns) { i, j in
        (0..<a.columns).reduce(0) { $0 + a[i, $1] * b[$1, j] }
    }
}

func maxAbsDifference(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
    zip(a.elements, b.elements).map { abs($0 - $1) }.max() ?? 0
}

/// Sorts complex numbers by real part, then imaginary part, for comparing spectra.
func sortedSpectrum(_ values: [Complex<Double>]) -> [Complex<Double>] {
    values.sorted { ($0.real, $0.imaginary) < ($1.real, $1.imaginary) }
}

/// Pairs each expected eigenvalue with its closest computed one; the largest distance.
func spectrumDistance(_ computed: [Complex<Double>], _ expected: [Complex<Double>]) -> Double {
    precondition(computed.count == expected.count)
    var remaining = computed
    var worst = 0.0
    for e in expected {
        let (index, distance) = remaining.enumerated()
            .map { ($0.offset, ($0.element - e).length) }.min { $0.1 < $1.1 }!
        worst = max(worst, distance)
        remaining.remove(at: index)
    }
    return worst
}
