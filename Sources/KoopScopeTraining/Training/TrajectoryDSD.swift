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
        /// Eigen terms dropped as degenerate (docs/math.md §7).
        public var skippedTerms = 0
    }

    /// What the trajectory's DSD is taken over.
    public enum Input: String, Sendable, CaseIterable {
        /// Its own states only (padding never enters a sum).
        case response
        /// Its states followed by zero rows up to the padded response length, as the reference
        /// code computes it: each padding row lifts to σ(0) = ½, so DSD mixes dynamics and length.
        case padded
    }

    /// One outcome per trajectory, in order; with `paddedLength`, each trajectory is first padded
    /// with zero rows to that many (its gradient is then that of its own rows).
    public static func compute(_ states: [Matrix<Float>], dictionary: KoopmanDictionary, variant: DSDGradient.Variant,
                        variance: VarianceKind, withGradient: Bool, paddedLength: Int? = nil) -> [Outcome] {
        BLASThreads.singleThreaded {
            concurrentMap(states.count) { i in
                let own = states[i]
                let x = paddedLength.map { padded(own, to: $0) } ?? own
                guard x.rows >= 2 else { return Outcome() }
                if withGradient {
                    if let g = try? DSDGradient(states: x, weight: dictionary.weight, bias: dictionary.bias,
                                                variant: variant, variance: variance), g.dsd.isFinite {
                        return Outcome(dsd: g.dsd, gradient: g.states.rows(0..<own.rows), skippedTerms: g.skippedTerms)
                    }
                } else if let d = try? DSD.value(states: x, dictionary: dictionary, variant: variant, variance: variance),
                          d.isFinite {
                    return Outcome(dsd: d)
                }
                return Outcome()
            }
        }
    }

    /// `x` with zero rows appended up to `length` rows (unchanged if it is as long already).
    public static func padded(_ x: Matrix<Float>, to length: Int) -> Matrix<Float> { x.appendingZeroRows(upTo: length) }
}
