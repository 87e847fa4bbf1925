import ComplexModule
import RealModule
import FoundationEssentials

/// Wasserstein-1 distances between eigenvalue sets in the complex plane (docs/math.md §13): how
/// far one spectrum must move to become another, each eigenvalue an equal share of its set's mass.
///
/// ```swift
/// let a = [Complex(0.9, 0.1), Complex(0.9, -0.1)], b = [Complex(0.5, 0), Complex(0.9, 0.1)]
/// let w = try SpectralDistance.wasserstein1(a, b)   // (0 + |0.9 − 0.1i − 0.5|) / 2
/// ```
public enum SpectralDistance {
    /// Sets up to this size are compared exactly when pooled; larger ones on a grid.
    public static let exactPooledLimit = 256

    /// The exact W1 between the uniform measures on `a` and `b` under |z − w|: an optimal
    /// assignment when the sets have the same size, an optimal transport of masses 1/n and 1/m
    /// (each point of `a` split into m/g pieces, each of `b` into n/g) otherwise. NaN when either
    /// set is empty.
    public static func wasserstein1(_ a: [Complex<Double>], _ b: [Complex<Double>]) throws -> Double {
        guard !a.isEmpty, !b.isEmpty else { return .nan }
        guard (a + b).allSatisfy({ $0.real.isFinite && $0.imaginary.isFinite }) else { return .nan }
        let g = gcd(a.count, b.count)
        let costs = a.flatMap { z in b.map { (z - $0).length } }
        let plan = try OptimalTransport(costs: costs, sources: Array(repeating: b.count / g, count: a.count),
                                        sinks: Array(repeating: a.count / g, count: b.count))
        return plan.cost / Double(a.count / g * b.count)
    }

    /// W1 between the uniform measures on `a` and `b` after each point is moved to the centre of
    /// its cell of a `bins` × `bins` grid over both sets' bounding box: exact for the binned
    /// measures, and within `bound` (the cell's diagonal) of the exact distance — each measure
    /// moves by at most half a diagonal. For pooled spectra too large to assign point by point.
    public static func binnedWasserstein1(_ a: [Complex<Double>], _ b: [Complex<Double>], bins: Int = 32) throws
        -> (distance: Double, bound: Double)
    {
        let finite = { (z: Complex<Double>) in z.real.isFinite && z.imaginary.isFinite }
        let a = a.filter(finite), b = b.filter(finite)
        guard !a.isEmpty, !b.isEmpty, bins >= 1 else { return (.nan, .nan) }
        let all = a + b
        let (x0, x1) = (all.map(\.real).min()!, all.map(\.real).max()!)
        let (y0, y1) = (all.map(\.imaginary).min()!, all.map(\.imaginary).max()!)
        let hx = max(x1 - x0, 1e-12) / Double(bins), hy = max(y1 - y0, 1e-12) / Double(bins)
        func cell(_ z: Complex<Double>) -> Int {
            let i = min(bins - 1, Int((z.real - x0) / hx)), j = min(bins - 1, Int((z.imaginary - y0) / hy))
            return j * bins + i
        }
        func counts(_ points: [Complex<Double>]) -> [Int: Int] {
            var c: [Int: Int] = [:]
            for z in points { c[cell(z), default: 0] += 1 }
            return c
        }
        let ca = counts(a), cb = counts(b)
        let cellsA = ca.keys.sorted(), cellsB = cb.keys.sorted()
        func centre(_ k: Int) -> Complex<Double> {
            Complex(x0 + (Double(k % bins) + 0.5) * hx, y0 + (Double(k / bins) + 0.5) * hy)
        }
        let g = gcd(a.count, b.count)
        let costs = cellsA.flatMap { p in cellsB.map { (centre(p) - centre($0)).length } }
        let plan = try OptimalTransport(costs: costs, sources: cellsA.map { ca[$0]! * (b.count / g) },
                                        sinks: cellsB.map { cb[$0]! * (a.count / g) })
        return (plan.cost / Double(a.count / g * b.count), (hx * hx + hy * hy).squareRoot())
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
