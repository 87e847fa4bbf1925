import Foundation

/// The per-token clipped policy-gradient loss of PPO/GRPO with dual clip, and its derivative
/// with respect to log π_θ of the token (docs/math.md §9).
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
