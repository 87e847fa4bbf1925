import Foundation
import KoopScope

extension Trainer {
    /// The step's rollouts: `prompts-per-step` training prompts, `group-size` responses each,
    /// verified. With `dynamic-sampling` (DAPO), groups whose rewards are all equal are dropped and
    /// more prompts drawn, up to `max-sampling-rounds` rounds; if the rounds run out, dropped
    /// groups fill the batch (and the metrics say how many).
    func sampleRollouts(values: inout [String: Double], notes: inout [String]) throws -> [Rollout] {
        let c = configuration
        guard c.dynamicSampling else { return try sampleGroups(c.promptsPerStep) }
        var kept: [[Rollout]] = [], dropped: [[Rollout]] = []
        var rounds = 0
        while kept.count < c.promptsPerStep && rounds < c.maxSamplingRounds {
            rounds += 1
            let batch = try sampleGroups(c.promptsPerStep)
            for g in 0..<c.promptsPerStep {
                let members = Array(batch[(g * c.groupSize)..<((g + 1) * c.groupSize)])
                if Set(members.map(\.score)).count > 1 { kept.append(members) } else { dropped.append(members) }
            }
        }
        let filled = max(0, c.promptsPerStep - kept.count)
        if filled > 0 { notes.append("dynamic sampling: \(filled) groups of equal rewards kept after \(rounds) rounds") }
        values["dynamic_sampling/rounds"] = Double(rounds)
        values["dynamic_sampling/filled_groups"] = Double(filled)
        let chosen = Array((kept + dropped).prefix(c.promptsPerStep))
        return chosen.enumerated().flatMap { g, members in members.map { r in var r = r; r.group = g; return r } }
    }

    /// `count` fresh prompts with `group-size` sampled responses each, verified; groups numbered from 0.
    func sampleGroups(_ count: Int) throws -> [Rollout] {
        let c = configuration
        var rollouts: [Rollout] = []
        var prompts: [[Int32]] = []
        for g in 0..<count {
            let instance = task.sampleTraining(using: &promptRNG, excluding: heldOut)
            let tokens = try encodePrompt(instance)
            for _ in 0..<c.groupSize {
                prompts.append(tokens)
                rollouts.append(Rollout(instance: instance, group: g, prompt: tokens, response: [], text: "",
                                        reward: Reward(correct: 0, format: 0), score: 0))
            }
        }
        let settings = SamplingSettings(temperature: c.temperature, topP: c.topP, maxResponseLength: maxResponseLength)
        let responses = try sample(prompts, settings, &rng)
        try backend.synchronize()
        for i in rollouts.indices {
            rollouts[i].response = responses[i]
            rollouts[i].text = responseText(responses[i])
            rollouts[i].reward = task.reward(rollouts[i].text, for: rollouts[i].instance)
            rollouts[i].score = rollouts[i].reward.total(formatWeight: c.formatReward)
        }
        return rollouts
    }
}
