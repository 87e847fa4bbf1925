import Foundation
import KoopScope

/// DSD of many trajectories through one dictionary, and optionally ∂D/∂x, spread over the
/// cores (each trajectory's m×m work is independent and small, so BLAS runs single-threaded
/// inside each).
///
/// ```swift
/// let outcomes = TrajectoryDSD.compute(states, dictionary: d, variant: .paper, variance: .sample, withGradient: true)
/// ```
public enum TrajectoryDSD {
    public struct Outcome: Sendable {
        /// nil where the trajectory has fewer than two states or the estimate failed.
        public var dsd: Double?
        /// ∂D/∂x (T×d), when asked for.
        public var gradient: Matrix<Double>?
        /// Eigen terms dropped as degenerate (MATH.md §7).
        public var skippedTerms = 0
    }

    /// One outcome per trajectory, in order.
    public static func compute(_ states: [Matrix<Float>], dictionary: KoopmanDictionary, variant: DSDGradient.Variant,
                        variance: VarianceKind, withGradient: Bool) -> [Outcome] {
        let results = UnsafeMutableBufferPointer<Outcome>.allocate(capacity: states.count)
        results.initialize(repeating: Outcome())
        defer { results.deallocate() }
        let box = ResultBox(results)
        BLASThreads.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: states.count) { i in
                let x = states[i]
                guard x.rows >= 2 else { return }
                if withGradient {
                    if let g = try? DSDGradient(states: x, weight: dictionary.weight, bias: dictionary.bias,
                                                variant: variant, variance: variance), g.dsd.isFinite {
                        box.pointer[i] = Outcome(dsd: g.dsd, gradient: g.states, skippedTerms: g.skippedTerms)
                    }
                } else if let d = try? DSD.value(states: x, dictionary: dictionary, variant: variant, variance: variance),
                          d.isFinite {
                    box.pointer[i] = Outcome(dsd: d)
                }
            }
        }
        return Array(results)
    }

    private struct ResultBox: @unchecked Sendable {
        let pointer: UnsafeMutableBufferPointer<Outcome>
        init(_ pointer: UnsafeMutableBufferPointer<Outcome>) { self.pointer = pointer }
    }
}
