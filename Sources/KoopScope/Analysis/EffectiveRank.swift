import FoundationEssentials
import Glibc

/// The effective rank of a matrix (Roy & Vetterli, 2007): the exponential of the entropy of its
/// normalised singular values, `exp(−Σ p_i log p_i)` with `p_i = σ_i / Σ_j σ_j` (docs/math.md §12).
///
/// It runs from 1 (one direction holds everything) to the number of singular values (all equal).
/// koopscope takes it of a dictionary's Gram matrix (is the dictionary collapsing?) and of a
/// trajectory's states (how many directions does the model's state move in?), and follows the
/// latter over training by its first and second differences.
///
/// ```swift
/// let rank = EffectiveRank.of(singularValues: [3, 1])        // 1.7548…
/// let states = Matrix<Double>(rows: 2, columns: 2, elements: [3, 0, 0, 1])
/// let same = try EffectiveRank.of(states)                     // the same
/// ```
public enum EffectiveRank {
    /// The effective rank of singular values `s` (non-negative); 0 when they are all zero, NaN
    /// when one is not finite.
    public static func of(singularValues s: [Double]) -> Double {
        guard s.allSatisfy(\.isFinite) else { return .nan }
        let total = s.reduce(0, +)
        guard total > 0 else { return 0 }
        let entropy = s.reduce(0.0) { h, x in
            let p = x / total
            return p > 0 ? h - p * log(p) : h
        }
        return exp(entropy)
    }

    /// The effective rank of `matrix` (rows × columns: a trajectory's T states of width d), from
    /// its singular values by LAPACK's divide and conquer.
    public static func of(_ matrix: Matrix<Double>) throws -> Double {
        guard matrix.rows > 0, matrix.columns > 0 else { return 0 }
        return of(singularValues: try matrix.singularValues())
    }

    /// The first and second differences of a series of values (one per training step), aligned with
    /// it: `velocity[t] = x[t] − x[t−1]` and `acceleration[t] = velocity[t] − velocity[t−1]`, nil
    /// where the series is too short.
    public static func differences(_ series: [Double]) -> (velocity: [Double?], acceleration: [Double?]) {
        let velocity: [Double?] = series.indices.map { $0 >= 1 ? series[$0] - series[$0 - 1] : nil }
        let acceleration: [Double?] = series.indices.map { t in
            guard t >= 2, let now = velocity[t], let before = velocity[t - 1] else { return nil }
            return now - before
        }
        return (velocity, acceleration)
    }
}
