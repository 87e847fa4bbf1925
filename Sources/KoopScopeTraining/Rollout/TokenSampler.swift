import Foundation
import KoopScope

/// Picks the next token from a row of logits: the most likely at temperature 0, else a draw from
/// softmax(logits / temperature) restricted to the smallest set of tokens whose probability
/// reaches `topP` (nucleus sampling).
///
/// ```swift
/// let sampler = try TokenSampler(temperature: 0.7, topP: 0.95)
/// var rng = SeededGenerator(seed: 1)
/// let token = sampler.sample([2.0, 1.0, -1.0], using: &rng)
/// ```
public struct TokenSampler: Sendable, Equatable {
    public let temperature: Double
    public let topP: Double

    public init(temperature: Double = 1.0, topP: Double = 1.0) throws {
        guard temperature.isFinite, temperature >= 0, temperature <= 100 else {
            throw TrainingError.invalidSetting(source: "--temperature", key: "temperature", detail: "\(temperature) is outside 0…100 (0 is greedy)")
        }
        guard topP.isFinite, topP > 0, topP <= 1 else {
            throw TrainingError.invalidSetting(source: "--top-p", key: "top_p", detail: "\(topP) is outside (0, 1]")
        }
        self.temperature = temperature
        self.topP = topP
    }

    public func sample(_ logits: some Collection<Float>, using rng: inout SeededGenerator) -> Int {
        if temperature == 0 { return Decoder.argmax(logits) }
        let values = Array(logits)
        let largest = Double(values.max() ?? 0)
        var weights = values.map { exp((Double($0) - largest) / temperature) }
        if topP < 1 {
            let total = weights.reduce(0, +)
            let order = weights.indices.sorted { weights[$0] > weights[$1] }
            var kept = 0.0, cut = order.count
            for (rank, i) in order.enumerated() {
                kept += weights[i] / total
                if kept >= topP { cut = rank + 1; break }
            }
            for i in order.dropFirst(cut) { weights[i] = 0 }
        }
        let total = weights.reduce(0, +)
        var draw = Double.random(in: 0..<1, using: &rng) * total
        for (i, w) in weights.enumerated() where w > 0 {
            draw -= w
            if draw < 0 { return i }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }
}
