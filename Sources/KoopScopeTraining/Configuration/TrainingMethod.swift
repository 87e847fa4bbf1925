/// What `koopscope train --method` optimises (docs/math.md §9–10).
public enum TrainingMethod: String, Sendable, CaseIterable, Codable {
    /// The clipped group-relative surrogate alone.
    case grpo
    /// GRPO plus α·L_xp (DSD through the frozen dictionary) and β·KL on the set 𝓘.
    case relax
    /// GRPO minus c_H times the token entropy.
    case entropyRegularization = "entropy-reg"
    /// GRPO with ε_high = 0.28.
    case clipHigher = "clip-higher"
    /// Cui et al.'s KL-Cov: a |log-ratio| penalty on the tokens of largest covariance.
    case klCov = "kl-cov"
    /// Cui et al.'s Clip-Cov: no gradient from a few tokens of high covariance.
    case clipCov = "clip-cov"
}
