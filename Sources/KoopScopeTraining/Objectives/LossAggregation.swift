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
