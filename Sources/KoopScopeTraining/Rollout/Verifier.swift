import Foundation

/// Scores a response against a prompt record's answer: 1 when right, 0 when not.
///
/// ```swift
/// let reward = Verifier.gsm8k.score("… so she has 1,250 apples.", for: PromptRecord(prompt: "…", answer: "#### 1250"))
/// ```
public enum Verifier: String, Sendable, CaseIterable {
    /// The final number of a GSM8K-style answer: after the last `####` when there is one, else the
    /// last number in the text; commas, a `$` and a trailing period are ignored.
    case gsm8k
    /// A countdown expression: the last `<answer>…</answer>` (else the last line) must use each of
    /// the record's `numbers` (or `nums`) exactly once with `+ - * /` and parentheses and equal its
    /// `answer` (or `target`).
    case countdown
    /// The response, trimmed, equals the answer, trimmed.
    case exact

    public func score(_ response: String, for record: PromptRecord) -> Double {
        switch self {
        case .gsm8k:
            guard let answer = record.answer.flatMap(Self.finalNumber), let given = Self.finalNumber(response) else { return 0 }
            return abs(answer - given) <= 1e-9 * max(1, abs(answer)) ? 1 : 0
        case .exact:
            guard let answer = record.answer else { return 0 }
            return response.trimmingCharacters(in: .whitespacesAndNewlines) == answer.trimmingCharacters(in: .whitespacesAndNewlines) ? 1 : 0
        case .countdown:
            guard let target = (record.answer ?? record.fields["target"]).flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }),
                  let numbers = record.integers("numbers") ?? record.integers("nums"),
                  let expression = Self.countdownExpression(response),
                  let (value, operands) = ArithmeticExpression.evaluateExact(expression)
            else { return 0 }
            return operands.sorted() == numbers.sorted() && value.denominator == 1 && value.numerator == target ? 1 : 0
        }
    }

    /// What `score` needs from a record, checked before any sampling: a message naming the field
    /// when the record cannot be scored, nil when it can.
    public func problem(with record: PromptRecord) -> String? {
        switch self {
        case .gsm8k:
            guard let answer = record.answer else { return "has no \"answer\"" }
            return Self.finalNumber(answer) == nil ? "\"answer\" \(answer) holds no number" : nil
        case .exact:
            return record.answer == nil ? "has no \"answer\"" : nil
        case .countdown:
            guard (record.answer ?? record.fields["target"]).flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) != nil else {
                return "has no whole-number \"answer\" (or \"target\")"
            }
            return record.integers("numbers") ?? record.integers("nums") == nil ? "has no \"numbers\" (or \"nums\") list of whole numbers" : nil
        }
    }

    /// Refuses `records` (read from `file`) at the first one this verifier cannot score, naming it.
    public func check(_ records: [PromptRecord], file: String) throws {
        for (k, record) in records.enumerated() {
            if let problem = problem(with: record) {
                throw ModelFileError.invalid(file: file, entry: "record \(k + 1)",
                                             detail: "\(problem): the \(rawValue) verifier cannot score it")
            }
        }
    }

    /// The number after the last `####`, else the last number of `text`.
    static func finalNumber(_ text: String) -> Double? {
        let tail = text.range(of: "####", options: .backwards).map { String(text[$0.upperBound...]) } ?? text
        let cleaned = tail.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "$", with: "")
        let pattern = try! NSRegularExpression(pattern: #"-?\d+(?:\.\d+)?"#)
        let matches = pattern.matches(in: cleaned, range: NSRange(location: 0, length: cleaned.utf16.count))
        let chosen = text.contains("####") ? matches.first : matches.last
        guard let match = chosen, let range = Range(match.range, in: cleaned) else { return nil }
        return Double(cleaned[range])
    }

    /// The expression a countdown response gives: inside its last `<answer>…</answer>`, else its
    /// last non-empty line, with any `= value` after it cut off.
    static func countdownExpression(_ response: String) -> String? {
        var candidate: Substring
        if let close = response.range(of: "</answer>", options: .backwards),
           let open = response.range(of: "<answer>", options: .backwards, range: response.startIndex..<close.lowerBound) {
            candidate = response[open.upperBound..<close.lowerBound]
        } else if let line = response.split(whereSeparator: \.isNewline).last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            candidate = line
        } else {
            return nil
        }
        if let equals = candidate.firstIndex(of: "=") { candidate = candidate[..<equals] }
        let expression = candidate.trimmingCharacters(in: .whitespaces)
        return expression.isEmpty ? nil : expression
    }
}
