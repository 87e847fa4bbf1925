import FoundationEssentials
import Glibc

/// Whether a method differs from a baseline over paired runs (one pair per seed): the mean of the
/// differences with a bootstrap interval, the paired t-test and the Wilcoxon signed-rank test.
///
/// ```swift
/// let c = PairedComparison(baseline: [0.31, 0.28, 0.35], method: [0.36, 0.30, 0.41])
/// print(c.meanDifference, c.confidenceInterval, c.t.p, c.wilcoxon.p)
/// ```
public struct PairedComparison: Sendable, Equatable, Codable {
    /// Pairs with both values finite.
    public var pairs: Int
    /// mean(method − baseline).
    public var meanDifference: Double
    /// The 95 % percentile bootstrap interval of the mean difference (seeds resampled with
    /// replacement, ``bootstrapResamples`` times from a fixed generator, so it is reproducible).
    public var confidenceInterval: [Double]
    /// The paired t-test: t and its two-sided p-value (n − 1 degrees of freedom).
    public var t: Test
    /// The Wilcoxon signed-rank test, as scipy's `wilcoxon` with its defaults: zero differences
    /// dropped, mid-ranks for ties; up to 50 pairs the exact null distribution of those ranks,
    /// beyond the normal approximation with the tie correction and no continuity correction. Its
    /// statistic is the smaller of the two rank sums.
    public var wilcoxon: Test

    public struct Test: Sendable, Equatable, Codable {
        public var statistic: Double
        /// Two-sided.
        public var p: Double
    }

    public static let bootstrapResamples = 10_000

    /// Compares `method` with `baseline`, pair by pair (equal lengths; pairs with a non-finite value
    /// are left out). Statistics that need more pairs than there are are NaN.
    public init(baseline: [Double], method: [Double]) {
        let d = zip(baseline, method).filter { $0.0.isFinite && $0.1.isFinite }.map { $0.1 - $0.0 }
        pairs = d.count
        meanDifference = d.isEmpty ? .nan : d.reduce(0, +) / Double(d.count)
        confidenceInterval = Self.bootstrap(d)
        t = Self.pairedT(d)
        wilcoxon = Self.signedRank(d)
    }

    static func bootstrap(_ d: [Double]) -> [Double] {
        guard !d.isEmpty else { return [.nan, .nan] }
        var rng = SeededGenerator(seed: 0xB007)
        var means = [Double](repeating: 0, count: bootstrapResamples)
        for b in means.indices {
            var sum = 0.0
            for _ in d.indices { sum += d[Int.random(in: 0..<d.count, using: &rng)] }
            means[b] = sum / Double(d.count)
        }
        means.sort()
        return [quantile(means, 0.025), quantile(means, 0.975)]
    }

    /// The `q` quantile of sorted values, linearly interpolated (numpy's default).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = q * Double(sorted.count - 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    static func pairedT(_ d: [Double]) -> Test {
        guard d.count >= 2 else { return Test(statistic: .nan, p: .nan) }
        let s = Statistics(d)
        guard s.standardDeviation > 0 else {
            return s.mean == 0 ? Test(statistic: .nan, p: .nan) : Test(statistic: s.mean > 0 ? .infinity : -.infinity, p: 0)
        }
        let t = s.mean / (s.standardDeviation / Double(d.count).squareRoot())
        return Test(statistic: t, p: SpecialFunctions.studentTwoSidedP(t, df: Double(d.count - 1)))
    }

    static func signedRank(_ all: [Double]) -> Test {
        let d = all.filter { $0 != 0 }
        let n = d.count
        guard n > 0 else { return Test(statistic: .nan, p: .nan) }
        // Mid-ranks of |d|.
        let order = d.indices.sorted { abs(d[$0]) < abs(d[$1]) }
        var ranks = [Double](repeating: 0, count: n)
        var tieTerm = 0.0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && abs(d[order[j + 1]]) == abs(d[order[i]]) { j += 1 }
            for k in i...j { ranks[order[k]] = Double(i + j + 2) / 2 }
            let size = Double(j - i + 1)
            tieTerm += size * size * size - size
            i = j + 1
        }
        let plus = d.indices.filter { d[$0] > 0 }.reduce(0.0) { $0 + ranks[$1] }
        let total = Double(n * (n + 1)) / 2
        let statistic = min(plus, total - plus)
        if n <= 50 {
            // The exact null distribution of the rank sum over all 2ⁿ sign assignments of these
            // ranks (mid-ranks included), counted over doubled ranks, which are integers.
            let doubled = ranks.map { Int(($0 * 2).rounded()) }
            var counts = [Double](repeating: 0, count: doubled.reduce(0, +) + 1)
            counts[0] = 1
            for r in doubled {
                for s in stride(from: counts.count - 1, through: r, by: -1) { counts[s] += counts[s - r] }
            }
            let below = counts[0...Int((statistic * 2).rounded())].reduce(0, +) / pow(2.0, Double(n))
            return Test(statistic: statistic, p: min(1, 2 * below))
        }
        let mean = total / 2
        let variance = Double(n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48
        guard variance > 0 else { return Test(statistic: statistic, p: .nan) }
        return Test(statistic: statistic, p: SpecialFunctions.normalTwoSidedP((statistic - mean) / variance.squareRoot()))
    }

    /// Holm's step-down adjustment of a family of p-values (NaN stays NaN and is not counted).
    ///
    /// ```swift
    /// let adjusted = PairedComparison.holm([0.01, 0.04, 0.03])   // [0.03, 0.06, 0.06]
    /// ```
    public static func holm(_ p: [Double]) -> [Double] {
        let order = p.indices.filter { !p[$0].isNaN }.sorted { p[$0] < p[$1] }
        var adjusted = p
        var running = 0.0
        for (k, i) in order.enumerated() {
            running = max(running, min(1, Double(order.count - k) * p[i]))
            adjusted[i] = running
        }
        return adjusted
    }
}
