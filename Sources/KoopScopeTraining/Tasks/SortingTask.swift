import KoopScope

/// Sorting a short list of digits: `"sort 5 3 8 1:"` → `"1 3 5 8"`.
public struct SortingTask: VerifiableTask {
    public let name = "sorting"
    public var lengths: ClosedRange<Int>

    public init(lengths: ClosedRange<Int> = 3...5) { self.lengths = lengths }

    /// `sort d d … d:` with at most `lengths.upperBound` digits.
    public var maxPromptLength: Int { 5 + 2 * lengths.upperBound }

    public var maxResponseLength: Int { 2 * lengths.upperBound - 1 }

    public func sample(using rng: inout SeededGenerator) -> TaskInstance {
        let values = (0..<Int.random(in: lengths, using: &rng)).map { _ in Int.random(in: 0...9, using: &rng) }
        return TaskInstance(prompt: "sort " + values.map(String.init).joined(separator: " ") + ":",
                            answer: values.sorted().map(String.init).joined(separator: " "), numbers: values, target: nil)
    }

    public func reward(_ response: String, for instance: TaskInstance) -> Reward {
        let parts = response.split(separator: " ", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Int($0) }
        // Well-formed: single-spaced digits, as many as the list has.
        let wellFormed = numbers.count == parts.count && parts.allSatisfy { $0.count == 1 }
            && numbers.count == instance.numbers.count
        return Reward(correct: wellFormed && numbers == instance.numbers.sorted() ? 1 : 0, format: wellFormed ? 1 : 0)
    }
}
