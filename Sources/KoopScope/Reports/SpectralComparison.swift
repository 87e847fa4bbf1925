import ComplexModule
import RealModule
import FoundationEssentials

/// Two analyses of the same prompts (two checkpoints' responses, say) compared trajectory by
/// trajectory: the Wasserstein-1 distance between their eigenvalue sets, the same for the pooled
/// eigenvalues, and the DSD difference with a paired test and a bootstrap interval
/// (`koopscope compare`, docs/math.md §13).
///
/// Trajectory i of one analysis pairs with trajectory i of the other; the two must share their
/// trajectories' count, prompts and group ids, dictionary and settings, else the comparison is
/// refused naming what differs. They may be of different layers of one dump (a layer-wise study).
///
/// ```swift
/// let a = try AnalysisReport(json: Data(contentsOf: URL(fileURLWithPath: "base.json")), path: "base.json")
/// let b = try AnalysisReport(json: Data(contentsOf: URL(fileURLWithPath: "tuned.json")), path: "tuned.json")
/// let c = try SpectralComparison(a, path: "base.json", b, path: "tuned.json")
/// print(c.pooled.distance, c.dsd.meanDifference, c.dsd.wilcoxon.p)
/// ```
public struct SpectralComparison: Sendable {
    /// One pair of trajectories.
    public struct Pair: Sendable {
        public var index: Int
        public var group: Int?
        /// W1 between the two eigenvalue sets; nil when either trajectory was not analysed.
        public var distance: Double?
        public var dsdA: Double
        public var dsdB: Double
    }

    /// W1 of the pooled eigenvalues, how it was computed, and its error bound (0 when exact).
    public struct Pooled: Sendable {
        public var distance: Double
        public var bound: Double
        /// `exact`, or `binned 32×32` for sets past ``SpectralDistance/exactPooledLimit``.
        public var method: String
        public var eigenvaluesA: Int
        public var eigenvaluesB: Int
    }

    public var pathA: String, pathB: String
    /// A's header (B's agrees with it in everything checked).
    public var header: AnalysisHeader
    public var pairs: [Pair]
    public var pooled: Pooled
    /// B's DSD against A's over the pairs both analysed (baseline A).
    public var dsd: PairedComparison
    /// Statistics of the per-pair distances.
    public var distances: Statistics

    /// Compares `b` (read from `pathB`) with `a` (from `pathA`).
    public init(_ a: AnalysisReport, path pathA: String, _ b: AnalysisReport, path pathB: String) throws {
        let bByIndex = try Self.requireComparable(a, pathA, b, pathB)
        self.pathA = pathA
        self.pathB = pathB
        header = a.header
        pairs = try a.trajectories.map { t in
            let u = bByIndex[t.index]!
            let both = t.isAnalyzed && u.isAnalyzed
            let w = both ? try SpectralDistance.wasserstein1(t.eigenvalues, u.eigenvalues) : Double.nan
            return Pair(index: t.index, group: t.group, distance: w.isFinite ? w : nil,
                        dsdA: t.isAnalyzed ? t.dsd : .nan, dsdB: u.isAnalyzed ? u.dsd : .nan)
        }
        let poolA = a.trajectories.filter(\.isAnalyzed).flatMap(\.eigenvalues)
        let poolB = b.trajectories.filter(\.isAnalyzed).flatMap(\.eigenvalues)
        if max(poolA.count, poolB.count) <= SpectralDistance.exactPooledLimit {
            pooled = Pooled(distance: try SpectralDistance.wasserstein1(poolA, poolB), bound: 0, method: "exact",
                            eigenvaluesA: poolA.count, eigenvaluesB: poolB.count)
        } else {
            let bins = 32
            let (w, bound) = try SpectralDistance.binnedWasserstein1(poolA, poolB, bins: bins)
            pooled = Pooled(distance: w, bound: bound, method: "binned \(bins)×\(bins)",
                            eigenvaluesA: poolA.count, eigenvaluesB: poolB.count)
        }
        dsd = PairedComparison(baseline: pairs.map(\.dsdA), method: pairs.map(\.dsdB))
        distances = Statistics(pairs.compactMap(\.distance))
    }

    /// Throws ``ReportError/incomparable(path:other:detail:)`` naming the first thing in which `b`
    /// differs from `a`; else `b`'s trajectories by index, for pairing.
    static func requireComparable(_ a: AnalysisReport, _ pathA: String, _ b: AnalysisReport,
                                  _ pathB: String) throws -> [Int: TrajectoryAnalysis] {
        func refuse(_ detail: String) -> ReportError { .incomparable(path: pathB, other: pathA, detail: detail) }
        for (report, path) in [(a, pathA), (b, pathB)] where report.header.shard != nil {
            throw ReportError.incomparable(path: path, other: path == pathA ? pathB : pathA,
                                           detail: "it is one part of a sharded analysis; merge the parts first")
        }
        guard a.trajectories.count == b.trajectories.count else {
            throw refuse("it holds \(b.trajectories.count) trajectories, the other \(a.trajectories.count)")
        }
        if let x = a.header.dump.promptsSHA256, let y = b.header.dump.promptsSHA256, x != y {
            throw refuse("its dump's prompts differ (prompts_sha256 \(y.prefix(12))… against \(x.prefix(12))…)")
        }
        let ga = a.header.dictionary, gb = b.header.dictionary
        let dictionaryFields: [(String, String, String)] = [
            ("kind", ga.kind, gb.kind), ("m", "\(ga.m.map(String.init) ?? "none")", "\(gb.m.map(String.init) ?? "none")"),
            ("d", "\(ga.d)", "\(gb.d)"), ("sha256", ga.sha256 ?? "none", gb.sha256 ?? "none"),
        ]
        let sa = a.header.settings, sb = b.header.settings
        func text(_ x: Double?) -> String { x.map { "\($0)" } ?? "none" }
        let settingFields: [(String, String, String)] = [
            ("estimator", sa.estimator, sb.estimator), ("ridge", text(sa.ridge), text(sb.ridge)),
            ("rcond", text(sa.rcond), text(sb.rcond)), ("rank", sa.rank ?? "none", sb.rank ?? "none"),
            ("residual_threshold", text(sa.residualThreshold), text(sb.residualThreshold)),
            ("variance", sa.variance.rawValue, sb.variance.rawValue),
        ]
        for (part, fields) in [("dictionary", dictionaryFields), ("settings", settingFields)] {
            if let (key, x, y) = fields.first(where: { $0.1 != $0.2 }) {
                throw refuse("\(part).\(key) is \(y), the other's \(x)")
            }
        }
        let bByIndex = Dictionary(b.trajectories.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        for t in a.trajectories {
            guard let u = bByIndex[t.index] else { throw refuse("it has no trajectory \(t.index)") }
            if t.group != u.group {
                throw refuse("trajectory \(t.index) answers group \(u.group.map(String.init) ?? "none"), "
                             + "in the other group \(t.group.map(String.init) ?? "none")")
            }
        }
        return bByIndex
    }
}
