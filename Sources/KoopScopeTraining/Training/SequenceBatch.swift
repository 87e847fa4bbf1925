import KoopScope

/// Prompt-plus-response sequences laid out for one forward pass: right-padded to the longest,
/// the input of each position and the token it should predict, and where each response's tokens
/// sit (docs/math.md §11: response token t of a sequence with prompt length P is predicted at
/// position P − 1 + t).
public struct SequenceBatch: Sendable {
    public let count: Int
    /// Positions per sequence.
    public let length: Int
    /// count·length input tokens.
    public let inputs: [Int32]
    /// count·length targets (the next token; padding where there is none).
    public let targets: [Int32]
    public let promptLengths: [Int]
    public let responseLengths: [Int]

    public init(prompts: [[Int32]], responses: [[Int32]], padding: Int32 = 0) {
        precondition(prompts.count == responses.count && !prompts.isEmpty)
        count = prompts.count
        promptLengths = prompts.map(\.count)
        responseLengths = responses.map(\.count)
        length = max(1, zip(prompts, responses).map { $0.count + $1.count - 1 }.max()!)
        var inputs = [Int32](repeating: padding, count: count * length)
        var targets = inputs
        for i in 0..<count {
            let sequence = prompts[i] + responses[i]
            for p in 0..<min(length, sequence.count) { inputs[i * length + p] = sequence[p] }
            for p in 0..<min(length, sequence.count - 1) { targets[i * length + p] = sequence[p + 1] }
        }
        self.inputs = inputs
        self.targets = targets
    }

    /// The row (in the count·length layout) that predicts response token `t` of sequence `i`.
    public func row(sequence i: Int, responseToken t: Int) -> Int { i * length + promptLengths[i] - 1 + t }

    /// Per sequence, its response-aligned rows of `hidden` (count·length rows of `dimension`
    /// values): the states whose logits predict the response's tokens.
    public func responseStates(_ hidden: [Float], dimension d: Int) -> [Matrix<Float>] {
        (0..<count).map { i in
            let start = row(sequence: i, responseToken: 0) * d, n = responseLengths[i]
            return Matrix(rows: n, columns: d, elements: Array(hidden[start..<(start + n * d)]))
        }
    }

    /// Per sequence, the values of `perRow` at its response tokens.
    public func responseValues<T>(_ perRow: [T]) -> [[T]] {
        (0..<count).map { i in (0..<responseLengths[i]).map { perRow[row(sequence: i, responseToken: $0)] } }
    }
}
