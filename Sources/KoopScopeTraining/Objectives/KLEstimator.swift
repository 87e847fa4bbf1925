import Foundation

/// Estimators of KL(π_θ ‖ π_ref) per token, with Δ = log π_θ − log π_ref (docs/math.md §9).
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
