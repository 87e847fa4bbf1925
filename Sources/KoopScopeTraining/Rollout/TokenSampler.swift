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

    public func sample(_ logits: [Float], using rng: inout SeededGenerator) -> Int {
        var generators = [rng]
        defer { rng = generators[0] }
        return sample(rows: logits, vocabulary: logits.count, using: &generators)[0]
    }

    /// One token for each of the rows of `logits` (rows × vocabulary), row k drawn with
    /// `generators[k]`. The softmax of all rows runs in one call of the tensor library's kernel.
    public func sample(rows logits: [Float], vocabulary: Int, using generators: inout [SeededGenerator]) -> [Int] {
        let rows = generators.count
        precondition(logits.count == rows * vocabulary && vocabulary > 0)
        if temperature == 0 {
            return (0..<rows).map { Decoder.argmax(logits[($0 * vocabulary)..<(($0 + 1) * vocabulary)]) }
        }
        var probabilities = [Float](repeating: 0, count: logits.count)
        var logp = [Float](repeating: 0, count: rows), entropy = logp
        let targets = [Int32](repeating: 0, count: rows)
        Float._tokenLogProbabilities(logits, targets, rows, vocabulary, Float(1 / temperature), &logp, &entropy, &probabilities)
        return (0..<rows).map { k in draw(probabilities[(k * vocabulary)..<((k + 1) * vocabulary)], using: &generators[k]) }
    }

    /// A draw from one row of probabilities, within the nucleus when `topP` < 1.
    func draw(_ probabilities: ArraySlice<Float>, using rng: inout SeededGenerator) -> Int {
        let base = probabilities.startIndex
        var candidates: [Int]? = nil
        var total = probabilities.reduce(0.0) { $0 + Double($1) }
        if topP < 1 {
            // The smallest set of most likely tokens whose probability reaches topP.
            let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
            var kept = 0.0, cut = order.count
            for (rank, i) in order.enumerated() {
                kept += Double(probabilities[i])
                if kept >= topP * total { cut = rank + 1; break }
            }
            candidates = Array(order.prefix(cut))
            total = kept
        }
        var remaining = Double.random(in: 0..<1, using: &rng) * total
        if let candidates {
            for i in candidates {
                remaining -= Double(probabilities[i])
                if remaining < 0 { return i - base }
            }
            return (candidates.last ?? base) - base
        }
        for i in probabilities.indices where probabilities[i] > 0 {
            remaining -= Double(probabilities[i])
            if remaining < 0 { return i - base }
        }
        return (probabilities.lastIndex { $0 > 0 } ?? base) - base
    }
}
