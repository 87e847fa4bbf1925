/// One of N parts of a dump's trajectories, for analyses spread over processes or machines:
/// part K holds the consecutive trajectories `⌊(K−1)·n/N⌋ ..< ⌊K·n/N⌋`, so the parts are
/// disjoint, cover the dump in order, and differ in size by at most one.
///
/// ```swift
/// let shard = AnalysisShard(argument: "2/4")!      // the second of four parts
/// print(shard.trajectories(of: 10))                 // 2..<5
/// ```
public struct AnalysisShard: Sendable, Equatable, CustomStringConvertible {
    /// K, from 1 to `count`.
    public let index: Int
    /// N.
    public let count: Int

    /// Part `index` of `count`; nil unless 1 ≤ index ≤ count ≤ `Limits.shardCount.upperBound`.
    public init?(index: Int, count: Int) {
        guard Limits.shardCount.contains(count), (1...count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses `K/N` with 1 ≤ K ≤ N.
    public init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self.init(index: k, count: n)
    }

    /// The trajectories of this part of a dump of `total`.
    public func trajectories(of total: Int) -> Range<Int> {
        // In double width: total × index overflows Int for totals past 2⁶³ / count.
        let total = max(total, 0)
        func bound(_ k: Int) -> Int { count.dividingFullWidth(total.multipliedFullWidth(by: k)).quotient }
        return bound(index - 1)..<bound(index)
    }

    public var description: String { "\(index)/\(count)" }
}
