/// How many singular values of the snapshot matrix exact DMD keeps (docs/math.md §4).
public enum RankSelection: Sendable, Equatable, CustomStringConvertible {
    /// Exactly r (capped at the number of singular values).
    case fixed(Int)
    /// The fewest singular values whose squares hold this fraction (0 < f < 1) of the total.
    case energy(Double)
    /// Gavish–Donoho's optimal hard threshold `ω(β)·median(σ)` (PyDMD's `svd_rank = 0`).
    case optimal

    /// Parses a command-line value: `optimal`, a positive integer, or a fraction in (0, 1).
    public init?(argument: String) {
        if argument.lowercased() == "optimal" {
            self = .optimal
        } else if let r = Int(argument), r > 0 {
            self = .fixed(r)
        } else if let f = Double(argument), f > 0, f < 1 {
            self = .energy(f)
        } else {
            return nil
        }
    }

    /// The value as ``init(argument:)`` reads it.
    public var argument: String {
        switch self {
        case .fixed(let r): "\(r)"
        case .energy(let f): "\(f)"
        case .optimal: "optimal"
        }
    }

    public var description: String {
        switch self {
        case .fixed(let r): "\(r)"
        case .energy(let f): "energy \(f)"
        case .optimal: "optimal"
        }
    }

    /// The rank for singular values `sigma` (largest first) of a `rows × columns` matrix; zero
    /// only when every singular value is zero.
    public func rank(singularValues sigma: [Double], rows: Int, columns: Int) -> Int {
        let positive = sigma.filter { $0 > 0 }.count
        guard positive > 0 else { return 0 }
        switch self {
        case .fixed(let r):
            return min(r, sigma.count)
        case .energy(let fraction):
            let total = sigma.reduce(0) { $0 + $1 * $1 }
            var cumulative = 0.0
            for (i, s) in sigma.enumerated() {
                cumulative += s * s
                if cumulative / total >= fraction { return i + 1 }
            }
            return sigma.count
        case .optimal:
            let beta = Double(min(rows, columns)) / Double(max(rows, columns))
            let omega = 0.56 * beta * beta * beta - 0.95 * beta * beta + 1.82 * beta + 1.43
            let sorted = sigma.sorted()
            let n = sorted.count
            let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
            return max(1, sigma.filter { $0 > omega * median }.count)
        }
    }
}
