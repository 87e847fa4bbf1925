import KoopScope

/// One sampled response with what the step learns about it.
public struct Rollout: Sendable {
    public var instance: TaskInstance
    /// Index of its prompt within the step (GRPO's group).
    public var group: Int
    /// Beginning-of-sequence and the prompt's tokens.
    public var prompt: [Int32]
    /// The sampled tokens, end-of-sequence included when it was produced.
    public var response: [Int32]
    /// The response decoded, end-of-sequence removed.
    public var text: String
    public var reward: Reward
    /// The scalar the advantages are computed from: correctness plus weighted format reward.
    public var score: Double
    public var advantage = 0.0
    /// Response-aligned last-layer states (response length × d), from the update's forward.
    public var hidden: Matrix<Float>?
    public var dsd: Double?
}
