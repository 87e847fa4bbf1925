import FoundationEssentials
import Glibc

/// Whether two samples (say, the DSDs of two checkpoints' rollouts) differ.
///
/// ```swift
/// let test = SampleComparison(before, after)
/// print(test.mannWhitney.p, test.welch.p, test.differenceOfMeans)
/// ```
public struct SampleComparison: Sendable, Equatable {
    /// Welch's t-test (unequal variances).
    public struct Welch: Sendable, Equatable {
        public var t: Double
        public var degreesOfFreedom: Double
        /// Two-sided p-value.
        public var p: Double
    }

    /// The Mann–Whitney U test (Wilcoxon rank-sum), normal approximation with tie correction
    /// and continuity correction, as scipy's `mannwhitneyu(method="asymptotic")`.
    public struct MannWhitney: Sendable, Equatable {
        /// U of the first sample.
        public var u: Double
        public var z: Double
        /// Two-sided p-value.
        public var p: Double
    }

    public var countA: Int
    public var countB: Int
    /// mean(b) − mean(a).
    public var differenceOfMeans: Double
    /// median(b) − median(a).
    public var differenceOfMedians: Double
    public var welch: Welch
    public var mannWhitney: MannWhitney

    /// Compares `a` and `b`; NaN statistics where a sample is too small.
    public init(_ a: [Double], _ b: [Double]) {
        let sa = Statistics(a), sb = Statistics(b)
        countA = a.count
        countB = b.count
        differenceOfMeans = sb.mean - sa.mean
        differenceOfMedians = sb.median - sa.median
        welch = Self.welch(a, b, sa, sb)
        mannWhitney = Self.mannWhitney(a, b)
    }

    private static func welch(_ a: [Double], _ b: [Double], _ sa: Statistics, _ sb: Statistics) -> Welch {
        guard a.count >= 2, b.count >= 2 else { return Welch(t: .nan, degreesOfFreedom: .nan, p: .nan) }
        let va = sa.standardDeviation * sa.standardDeviation / Double(a.count)
        let vb = sb.standardDeviation * sb.standardDeviation / Double(b.count)
        guard va + vb > 0 else {
            return Welch(t: sa.mean == sb.mean ? 0 : .infinity, degreesOfFreedom: .nan, p: sa.mean == sb.mean ? 1 : 0)
        }
        let t = (sa.mean - sb.mean) / (va + vb).squareRoot()
        let df = (va + vb) * (va + vb)
            / (va * va / Double(a.count - 1) + vb * vb / Double(b.count - 1))
        return Welch(t: t, degreesOfFreedom: df, p: SpecialFunctions.studentTwoSidedP(t, df: df))
    }

    private static func mannWhitney(_ a: [Double], _ b: [Double]) -> MannWhitney {
        let n1 = Double(a.count), n2 = Double(b.count)
        guard !a.isEmpty, !b.isEmpty else { return MannWhitney(u: .nan, z: .nan, p: .nan) }
        // Mid-ranks over the pooled sample.
        let pooled = (a.map { ($0, true) } + b.map { ($0, false) }).sorted { $0.0 < $1.0 }
        var rankSumA = 0.0, tieTerm = 0.0
        var i = 0
        while i < pooled.count {
            var j = i
            while j + 1 < pooled.count && pooled[j + 1].0 == pooled[i].0 { j += 1 }
            let rank = Double(i + j + 2) / 2
            for k in i...j where pooled[k].1 { rankSumA += rank }
            let ties = Double(j - i + 1)
            tieTerm += ties * ties * ties - ties
            i = j + 1
        }
        let u = rankSumA - n1 * (n1 + 1) / 2
        let n = n1 + n2
        let mean = n1 * n2 / 2
        let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return MannWhitney(u: u, z: 0, p: 1) }
        // Continuity correction of 1/2 towards the mean; p = 2·P(Z ≥ z), at most 1 (a U within
        // 1/2 of its mean gives z ≤ 0 and p = 1, as scipy does).
        let corrected = (abs(u - mean) - 0.5) / variance.squareRoot()
        let z = corrected * (u >= mean ? 1 : -1)
        return MannWhitney(u: u, z: z, p: min(1, erfc(corrected / 2.0.squareRoot())))
    }
}
