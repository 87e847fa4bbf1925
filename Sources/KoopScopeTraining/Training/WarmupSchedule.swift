import Foundation

/// How the supervised warm-up's learning rate moves over its steps.
///
/// ```swift
/// let lr = WarmupSchedule.cosine.learningRate(step: 100, of: 1200, peak: 3e-3)
/// ```
public enum WarmupSchedule: String, Sendable, CaseIterable {
    /// The peak rate at every step.
    case constant
    /// A linear ramp over the first 5 % of the steps, then a half cosine down to a tenth of the
    /// peak at the last step: a small policy trained at a constant rate stalls at a loss the
    /// decay goes well below, which is what leaves it right often enough for RL to learn from.
    case cosine

    /// The rate of step `step` (1…`steps`) for the peak rate `peak`.
    public func learningRate(step: Int, of steps: Int, peak: Double) -> Double {
        switch self {
        case .constant:
            return peak
        case .cosine:
            let ramp = max(1, steps / 20)
            if step <= ramp { return peak * Double(step) / Double(ramp) }
            let progress = Double(step - ramp) / Double(max(1, steps - ramp))
            return peak * (0.1 + 0.45 * (1 + cos(Double.pi * min(1, progress))))
        }
    }
}
