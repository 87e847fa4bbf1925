import FoundationEssentials

/// The cheapest way to move integer masses from sources to sinks over a dense cost matrix (the
/// transportation problem), solved exactly by successive shortest paths with potentials.
///
/// With every mass 1 and as many sources as sinks it is the assignment problem (what scipy's
/// `linear_sum_assignment` solves); with other masses, the optimal transport between two discrete
/// measures, from which ``SpectralDistance`` takes Wasserstein distances.
///
/// ```swift
/// // Two sources of mass 1, two sinks of mass 1: moving 0→1 and 1→0 costs 1 + 2.
/// let plan = try OptimalTransport(costs: [4, 1, 2, 8], sources: [1, 1], sinks: [1, 1])
/// print(plan.cost)   // 3
/// ```
public struct OptimalTransport: Sendable {
    /// The total cost Σ cost_ij · flow_ij of the optimal plan.
    public let cost: Double
    /// flow_ij, row-major (sources × sinks).
    public let flow: [Int]

    /// Solves the problem for `costs` (sources × sinks, row-major, finite and ≥ 0) and positive
    /// integer masses whose totals agree.
    public init(costs: [Double], sources: [Int], sinks: [Int]) throws {
        let n = sources.count, m = sinks.count
        guard costs.count == n * m else {
            throw KoopmanError.shapeMismatch("\(costs.count) costs for \(n) sources × \(m) sinks")
        }
        guard sources.allSatisfy({ $0 > 0 }), sinks.allSatisfy({ $0 > 0 }),
              sources.reduce(0, +) == sinks.reduce(0, +) else {
            throw KoopmanError.shapeMismatch("masses must be positive with equal totals (\(sources.reduce(0, +)) and \(sinks.reduce(0, +)))")
        }
        guard costs.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw KoopmanError.shapeMismatch("costs must be finite and non-negative")
        }
        var supply = sources, demand = sinks
        var flow = [Int](repeating: 0, count: n * m)
        // Potentials keep every residual edge's reduced cost ≥ 0, so each search is Dijkstra's.
        var sourcePotential = [Double](repeating: 0, count: n), sinkPotential = [Double](repeating: 0, count: m)
        var sourceDistance = [Double](repeating: 0, count: n), sinkDistance = [Double](repeating: 0, count: m)
        var sourceDone = [Bool](repeating: false, count: n), sinkDone = [Bool](repeating: false, count: m)
        var sinkParent = [Int](repeating: -1, count: m)     // the source each sink was reached from
        var sourceParent = [Int](repeating: -1, count: n)   // the sink a source was reached from backwards (−1: a root)
        while true {
            // Dijkstra from every source with supply left, over forward edges i → j (any) and
            // backward edges j → i (where flow_ij > 0).
            for i in 0..<n {
                sourceDistance[i] = supply[i] > 0 ? 0 : .infinity
                sourceDone[i] = false
                sourceParent[i] = -1
            }
            for j in 0..<m {
                sinkDistance[j] = .infinity
                sinkDone[j] = false
                sinkParent[j] = -1
            }
            var target = -1
            while true {
                var best = Double.infinity, bestSource = -1, bestSink = -1
                for i in 0..<n where !sourceDone[i] && sourceDistance[i] < best { best = sourceDistance[i]; bestSource = i; bestSink = -1 }
                for j in 0..<m where !sinkDone[j] && sinkDistance[j] < best { best = sinkDistance[j]; bestSink = j; bestSource = -1 }
                if bestSource < 0 && bestSink < 0 { break }
                if bestSource >= 0 {
                    let i = bestSource
                    sourceDone[i] = true
                    for j in 0..<m where !sinkDone[j] {
                        let reduced = costs[i * m + j] + sourcePotential[i] - sinkPotential[j]
                        let d = best + max(0, reduced)
                        if d < sinkDistance[j] { sinkDistance[j] = d; sinkParent[j] = i }
                    }
                } else {
                    let j = bestSink
                    sinkDone[j] = true
                    if demand[j] > 0 { target = j; break }
                    for i in 0..<n where !sourceDone[i] && flow[i * m + j] > 0 {
                        let reduced = -costs[i * m + j] + sinkPotential[j] - sourcePotential[i]
                        let d = best + max(0, reduced)
                        if d < sourceDistance[i] { sourceDistance[i] = d; sourceParent[i] = j }
                    }
                }
            }
            guard target >= 0 else { break }   // no demand left to reach: done
            // Potentials: distances of the settled nodes, the target's for the rest.
            let cap = sinkDistance[target]
            for i in 0..<n { sourcePotential[i] += min(sourceDistance[i], cap) }
            for j in 0..<m { sinkPotential[j] += min(sinkDistance[j], cap) }
            // Walk back to the root source, finding how much the path can carry.
            var amount = demand[target], j = target
            while true {
                let i = sinkParent[j]
                if sourceParent[i] < 0 { amount = min(amount, supply[i]); break }
                let previous = sourceParent[i]
                amount = min(amount, flow[i * m + previous])
                j = previous
            }
            j = target
            while true {
                let i = sinkParent[j]
                flow[i * m + j] += amount
                if sourceParent[i] < 0 { supply[i] -= amount; break }
                let previous = sourceParent[i]
                flow[i * m + previous] -= amount
                j = previous
            }
            demand[target] -= amount
        }
        self.flow = flow
        var total = 0.0
        for k in flow.indices where flow[k] > 0 { total += Double(flow[k]) * costs[k] }
        cost = total
    }
}
