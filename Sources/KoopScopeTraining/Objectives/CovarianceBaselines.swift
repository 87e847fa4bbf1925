import Foundation
import KoopScope

/// The token-entropy baselines of Cui et al. that the ReLaX paper compares against (docs/math.md
/// §10): both look at each token's covariance `(A − mean A)(log π − mean log π)` over the
/// batch's response tokens, the quantity whose sign drives entropy up or down.
public enum CovarianceBaselines {
    /// `(A_t − mean A)(log π_t − mean log π)` for every token.
    public static func covariances(advantages: [Double], logProbabilities: [Double]) -> [Double] {
        precondition(advantages.count == logProbabilities.count, "one advantage per token")
        guard !advantages.isEmpty else { return [] }
        let meanA = advantages.reduce(0, +) / Double(advantages.count)
        let meanL = logProbabilities.reduce(0, +) / Double(logProbabilities.count)
        return zip(advantages, logProbabilities).map { ($0 - meanA) * ($1 - meanL) }
    }

    /// Clip-Cov: among the tokens the ordinary clip left alone whose covariance lies strictly
    /// between `lower` and `upper`, picks max(1, ⌊ratio·N⌋) at random (or all, if fewer); their
    /// policy loss — and its gradient — is set to zero. Returns which tokens are zeroed.
    public static func clipCov(covariances: [Double], clippedByPPO: [Bool], ratio: Double,
                               lower: Double, upper: Double, using rng: inout SeededGenerator) -> [Bool] {
        let n = covariances.count
        var candidates = (0..<n).filter { !clippedByPPO[$0] && covariances[$0] > lower && covariances[$0] < upper }
        candidates.shuffle(using: &rng)
        let count = min(max(Int(ratio * Double(n)), 1), candidates.count)
        var zeroed = [Bool](repeating: false, count: n)
        for i in candidates.prefix(count) { zeroed[i] = true }
        return zeroed
    }

    /// KL-Cov: the max(1, ⌊ratio·N⌋) tokens of largest covariance. Their loss becomes
    /// `−A ρ + coefficient·|log π_θ − log π_old|` (see ``klCovToken``); all others keep −A ρ,
    /// unclipped. Returns which tokens are penalised.
    public static func klCov(covariances: [Double], ratio: Double) -> [Bool] {
        let n = covariances.count
        guard n > 0 else { return [] }
        let count = min(max(Int(ratio * Double(n)), 1), n)
        var penalised = [Bool](repeating: false, count: n)
        for i in covariances.indices.sorted(by: { covariances[$0] > covariances[$1] }).prefix(count) { penalised[i] = true }
        return penalised
    }

    /// A KL-Cov token's loss and its derivative with respect to log π_θ.
    public static func klCovToken(logProbability: Double, oldLogProbability: Double, advantage a: Double,
                                  penalised: Bool, coefficient: Double = 1) -> (loss: Double, gradient: Double) {
        let delta = logProbability - oldLogProbability
        let ratio = exp(delta)
        var loss = -a * ratio, gradient = -a * ratio
        if penalised {
            loss += coefficient * abs(delta)
            gradient += coefficient * (delta > 0 ? 1 : delta < 0 ? -1 : 0)
        }
        return (loss, gradient)
    }
}
