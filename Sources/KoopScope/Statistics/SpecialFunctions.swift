import FoundationEssentials
import Glibc

/// The special functions behind the significance tests.
enum SpecialFunctions {
    /// The regularised incomplete beta function I_x(a, b), by Lentz's continued fraction
    /// (using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) where it converges faster).
    static func regularizedIncompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logBeta + logPowers
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, b, a) }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        for m in 1...300 {
            let m = Double(m)
            // Even step.
            var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            f *= d * c
            // Odd step.
            numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            f *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return exp(logFront) * f / a
    }

    /// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom.
    static func studentTwoSidedP(_ t: Double, df: Double) -> Double {
        guard t.isFinite, df > 0 else { return t.isNaN ? .nan : 0 }
        return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5)
    }

    /// P(|Z| ≥ |z|) for a standard normal Z.
    static func normalTwoSidedP(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }
}
