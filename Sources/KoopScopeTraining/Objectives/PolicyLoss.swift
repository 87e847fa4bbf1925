import Foundation

/// The per-token clipped policy-gradient loss of PPO/GRPO with dual clip, and its derivative
/// with respect to log π_θ of the token (MATH.md §9).
public struct PolicyLoss: Sendable, Equatable {
    public var epsilonLow = 0.2
    /// 0.28 for the clip-higher baseline.
    public var epsilonHigh = 0.2
    /// The dual-clip constant c (applies to negative advantages).
    public var dualClip = 3.0

    public init(epsilonLow: Double = 0.2, epsilonHigh: Double = 0.2, dualClip: Double = 3.0) {
        self.epsilonLow = epsilonLow
        self.epsilonHigh = epsilonHigh
        self.dualClip = dualClip
    }

    /// One token's loss, ∂loss/∂log π_θ, and whether the clipped term was the larger one.
    public func token(logProbability: Double, oldLogProbability: Double, advantage a: Double)
        -> (loss: Double, gradient: Double, clipped: Bool)
    {
        let delta = logProbability - oldLogProbability
        let clamped = min(max(delta, -20), 20)
        let ratio = exp(clamped)
        let dRatio = clamped == delta ? ratio : 0          // a clamped log-ratio has no gradient
        let unclipped = -a * ratio
        let bounded = min(max(ratio, 1 - epsilonLow), 1 + epsilonHigh)
        let clippedLoss = -a * bounded
        let dBounded = (ratio > 1 - epsilonLow && ratio < 1 + epsilonHigh) ? dRatio : 0
        var loss: Double, gradient: Double
        let clipped = clippedLoss > unclipped
        if clipped {
            loss = clippedLoss; gradient = -a * dBounded
        } else {
            loss = unclipped; gradient = -a * dRatio
        }
        if a < 0 && loss > -a * dualClip {
            loss = -a * dualClip
            gradient = 0
        }
        return (loss, gradient, clipped)
    }
}

/// How per-token losses become one number (VeRL's `loss_agg_mode`), as a weight per token so
/// that gradients follow: loss = Σ_i Σ_t weight(i) · ℓ_it.
public enum LossAggregation: String, Sendable, CaseIterable {
    case tokenMean = "token-mean"
    case sequenceMeanTokenMean = "seq-mean-token-mean"
    case sequenceMeanTokenSum = "seq-mean-token-sum"
    /// Dr. GRPO as VeRL computes it: the sum over sequences of their token sums, divided by the
    /// padded response length (the maximum), not by the number of sequences.
    case sequenceMeanTokenSumNorm = "seq-mean-token-sum-norm"

    /// The weight of every token of each sequence, given the sequences' lengths.
    public func weights(lengths: [Int], maxLength: Int) -> [Double] {
        let b = Double(max(lengths.count, 1))
        let tokens = Double(max(lengths.reduce(0, +), 1))
        return lengths.map { t in
            switch self {
            case .tokenMean: 1 / tokens
            case .sequenceMeanTokenMean: t > 0 ? 1 / (b * Double(t)) : 0
            case .sequenceMeanTokenSum: 1 / b
            case .sequenceMeanTokenSumNorm: 1 / Double(max(maxLength, 1))
            }
        }
    }
}

/// Estimators of KL(π_θ ‖ π_ref) per token, with Δ = log π_θ − log π_ref (MATH.md §9).
public enum KLEstimator: String, Sendable, CaseIterable {
    /// Δ.
    case k1
    /// Δ²/2.
    case k2
    /// `e^{−Δ} + Δ − 1` with −Δ clamped to ±20 and the result to ±10 (`low_var_kl`).
    case k3 = "low_var_kl"

    /// The estimate and its derivative with respect to log π_θ.
    public func value(logProbability: Double, referenceLogProbability: Double) -> (kl: Double, gradient: Double) {
        let delta = logProbability - referenceLogProbability
        switch self {
        case .k1: return (delta, 1)
        case .k2: return (delta * delta / 2, delta)
        case .k3:
            let negative = min(max(-delta, -20), 20)
            let kl = exp(negative) - negative - 1
            let clampedDelta = negative == -delta
            let result = min(max(kl, -10), 10)
            let inside = clampedDelta && result == kl
            return (result, inside ? 1 - exp(negative) : 0)
        }
    }
}
