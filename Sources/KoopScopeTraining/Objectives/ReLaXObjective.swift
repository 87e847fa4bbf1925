import KoopScope
import Foundation

/// ReLaX's exploration term over trajectories' DSDs (docs/math.md §10):
/// `L_xp = log((1/N) Σ_i exp(−w_i D_i))`, `w_i = max(Ā_i, 0)`, with the set 𝓘 of trajectories
/// whose DSD exceeds ξ (their tokens get the KL penalty).
public struct ReLaXObjective: Sendable {
    /// The paper's conventions or the reference code's: `paper` takes Ā_i = A_i, the mean over each
    /// group's responses and 𝓘 = {D_i > ξ}; `reference` the mean token advantage over the padded
    /// length, the mean over the mini-batch, and 𝓘 = {w_i > 0 and D_i > ξ}, detached inside L_xp.
    public typealias Variant = Convention

    /// How each trajectory's DSD is weighted inside L_xp.
    public enum Shaping: String, Sendable, CaseIterable {
        /// w_i = max(Ā_i, 0): DSD is raised on the trajectories that did better than their group.
        case advantage
        /// w_i = 1 for every trajectory (the ablation without advantage shaping).
        case none
    }

    /// Which trajectories' tokens get the β·KL term.
    public enum KLSet: String, Sendable, CaseIterable {
        /// The set 𝓘 of trajectories whose DSD exceeds ξ (the paper's adaptive KL).
        case adaptive
        /// Every trajectory (the ablation with a uniform KL).
        case uniform
    }

    public var variant: Variant
    public var shaping = Shaping.advantage
    public var klSet = KLSet.adaptive
    public var alpha: Double
    public var beta: Double
    public var xi: Double

    /// The paper's defaults (α 0.1, β 0.01, ξ 25) or the reference code's (ξ 10).
    public init(variant: Variant = .paper, alpha: Double = 0.1, beta: Double = 0.01, xi: Double? = nil,
                shaping: Shaping = .advantage, klSet: KLSet = .adaptive) {
        self.variant = variant
        self.shaping = shaping
        self.klSet = klSet
        self.alpha = alpha
        self.beta = beta
        self.xi = xi ?? (variant == .paper ? 25 : 10)
    }

    /// L_xp (averaged over groups for the paper variant), ∂L_xp/∂D_i, and membership of 𝓘
    /// (everyone's, for a uniform KL set).
    public func evaluate(dsd: [Double], advantages: [Double], lengths: [Int], maxLength: Int, groups: [Int])
        -> (loss: Double, gradient: [Double], penalised: [Bool])
    {
        let n = dsd.count
        precondition(advantages.count == n && lengths.count == n && groups.count == n)
        let effective: [Double] = (0..<n).map { i in
            variant == .paper ? advantages[i] : advantages[i] * Double(lengths[i]) / Double(max(maxLength, 1))
        }
        let w = shaping == .none ? [Double](repeating: 1, count: n) : effective.map { max($0, 0) }
        let inSet = (0..<n).map { i in
            variant == .paper ? dsd[i] > xi : (w[i] > 0 && dsd[i] > xi)
        }
        // Sets over which the mean inside the log is taken.
        var sets: [[Int]] = []
        if variant == .paper {
            var byGroup: [Int: [Int]] = [:]
            for i in 0..<n { byGroup[groups[i], default: []].append(i) }
            sets = byGroup.keys.sorted().map { byGroup[$0]! }
        } else {
            sets = [Array(0..<n)]
        }
        var loss = 0.0
        var gradient = [Double](repeating: 0, count: n)
        for members in sets where !members.isEmpty {
            // log-mean-exp, shifted by the largest exponent for stability.
            let exponents = members.map { -w[$0] * dsd[$0] }
            let top = exponents.max()!
            let terms = exponents.map { exp($0 - top) }
            let sum = terms.reduce(0, +)
            loss += top + log(sum / Double(members.count))
            for (k, i) in members.enumerated() {
                let detached = variant == .reference && inSet[i]
                gradient[i] = detached ? 0 : -w[i] * terms[k] / sum
            }
        }
        let scale = 1 / Double(max(sets.count, 1))
        let penalised = klSet == .uniform ? [Bool](repeating: true, count: n) : inSet
        return (loss * scale, gradient.map { $0 * scale }, penalised)
    }
}
