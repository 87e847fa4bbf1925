/// GRPO's group-relative advantages (docs/math.md §9).
public enum GroupAdvantages {
    /// `A_i = (r_i − mean r)/(std r + 10⁻⁶)` within each group (std with divisor R − 1), or without
    /// the division when `normalizeByStd` is false (Dr. GRPO). A group of one has mean 0 and std 1,
    /// as VeRL sets them, so its advantage is r/(1 + 10⁻⁶) (or r).
    ///
    /// ```swift
    /// let advantages = GroupAdvantages.compute(rewards: [1, 0, 0, 1], groups: [0, 0, 0, 0])   // ±0.866
    /// ```
    public static func compute(rewards: [Double], groups: [Int], normalizeByStd: Bool = true) -> [Double] {
        precondition(rewards.count == groups.count, "one group id per reward")
        var members: [Int: [Int]] = [:]
        for (i, g) in groups.enumerated() { members[g, default: []].append(i) }
        var advantages = [Double](repeating: 0, count: rewards.count)
        for indices in members.values {
            guard indices.count > 1 else {
                let i = indices[0]
                advantages[i] = normalizeByStd ? rewards[i] / (1 + 1e-6) : rewards[i]
                continue
            }
            let r = indices.map { rewards[$0] }
            let mean = r.reduce(0, +) / Double(r.count)
            let std = (r.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(r.count - 1)).squareRoot()
            for i in indices { advantages[i] = normalizeByStd ? (rewards[i] - mean) / (std + 1e-6) : rewards[i] - mean }
        }
        return advantages
    }

    /// The share of groups whose rewards are all equal (VeRL's `frac_reward_zero_std`): they
    /// carry no learning signal.
    public static func zeroStdFraction(rewards: [Double], groups: [Int]) -> Double {
        var members: [Int: [Double]] = [:]
        for (r, g) in zip(rewards, groups) { members[g, default: []].append(r) }
        guard !members.isEmpty else { return 0 }
        return Double(members.values.filter { Set($0).count <= 1 }.count) / Double(members.count)
    }
}
