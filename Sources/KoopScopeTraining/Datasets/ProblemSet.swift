import Foundation
import KoopScope

/// Generated problems as prompt records, so that a run needs no download: countdown puzzles
/// (scored by ``Verifier/countdown``) and multi-digit arithmetic in GSM8K's answer form (scored by
/// ``Verifier/gsm8k``). The same seed gives the same records.
///
/// ```swift
/// let records = try ProblemSet.countdown(count: 100, seed: 1)
/// try ProblemSet.write(records, to: "countdown.jsonl")
/// ```
public enum ProblemSet {
    /// `count` countdown puzzles: `numbers` numbers in 1…`largest` and a target reachable with
    /// `+ - * /` using each exactly once (the record's `solution` reaches it). Records carry
    /// `numbers`, `target` and `answer` (the target).
    public static func countdown(count: Int, seed: UInt64, numbers: Int = 4, largest: Int = 99) throws -> [PromptRecord] {
        try check(count, "--count", 1...10_000_000)
        try check(numbers, "--numbers", 2...8)
        try check(largest, "--largest", 2...10_000)
        var rng = SeededGenerator(seed: seed)
        var records: [PromptRecord] = []
        while records.count < count {
            let values = (0..<numbers).map { _ in Int.random(in: 1...largest, using: &rng) }
            guard let (expression, target) = randomExpression(values, using: &rng), (1...1_000_000).contains(target) else { continue }
            let list = values.map(String.init).joined(separator: ", ")
            let prompt = "Using the numbers [\(list)], create an equation that equals \(target). Use each number exactly once "
                + "with + - * / and parentheses. Give the equation in <answer> </answer> tags."
            records.append(PromptRecord(prompt: prompt, answer: String(target),
                                        fields: ["numbers": "[" + values.map(String.init).joined(separator: ",") + "]",
                                                 "target": String(target), "solution": PromptRecord.compact(expression)]))
        }
        return records
    }

    /// `count` sums, differences and products of numbers of up to `digits` digits, with the
    /// worked answer ending `#### N` as GSM8K's do.
    public static func arithmetic(count: Int, seed: UInt64, digits: Int = 3) throws -> [PromptRecord] {
        try check(count, "--count", 1...10_000_000)
        try check(digits, "--digits", 1...9)
        var rng = SeededGenerator(seed: seed)
        let largest = Int(pow(10, Double(digits))) - 1
        return (0..<count).map { _ in
            let a = Int.random(in: 1...largest, using: &rng), b = Int.random(in: 1...largest, using: &rng)
            let (symbol, word, value) = [("+", "the sum of", a + b), ("-", "the difference of", a - b),
                                         ("*", "the product of", a * b)][Int.random(in: 0...2, using: &rng)]
            return PromptRecord(prompt: "What is \(word) \(a) and \(b)?",
                                answer: "\(a) \(symbol) \(b) = \(value)\n#### \(value)")
        }
    }

    /// The records as JSON Lines (`prompt`, `answer`, then their other fields), written atomically.
    public static func write(_ records: [PromptRecord], to path: String) throws {
        var text = ""
        for record in records {
            var fields = ["\"prompt\":" + PromptRecord.compact(record.prompt)]
            if let answer = record.answer { fields.append("\"answer\":" + PromptRecord.compact(answer)) }
            for (key, value) in record.fields.sorted(by: { $0.key < $1.key }) { fields.append(PromptRecord.compact(key) + ":" + value) }
            text += "{" + fields.joined(separator: ",") + "}\n"
        }
        do { try AtomicFile.write(Data(text.utf8), to: path) } catch {
            throw ModelFileError.unreadable(file: path, detail: "could not be written: \(error)")
        }
    }

    private static func check(_ value: Int, _ flag: String, _ bounds: ClosedRange<Int>) throws {
        guard bounds.contains(value) else {
            throw TrainingError.invalidSetting(source: flag, key: String(flag.dropFirst(2)),
                                               detail: "\(value) is outside \(bounds.lowerBound)…\(bounds.upperBound)")
        }
    }

    /// A random expression using each of `values` once and its value, when that is a whole
    /// number: the values are combined pairwise in a random order with a random operation,
    /// division only where it is exact.
    private static func randomExpression(_ values: [Int], using rng: inout SeededGenerator) -> (String, Int)? {
        var terms = values.map { (text: String($0), value: $0) }
        while terms.count > 1 {
            let i = Int.random(in: 0..<terms.count, using: &rng)
            let a = terms.remove(at: i)
            let j = Int.random(in: 0..<terms.count, using: &rng)
            let b = terms.remove(at: j)
            var options: [(String, Int)] = [("+", a.value + b.value), ("*", a.value * b.value)]
            if a.value > b.value { options.append(("-", a.value - b.value)) }
            if b.value != 0, a.value % b.value == 0 { options.append(("/", a.value / b.value)) }
            let (op, value) = options[Int.random(in: 0..<options.count, using: &rng)]
            guard abs(value) < 1_000_000_000 else { return nil }
            terms.append(("(\(a.text) \(op) \(b.text))", value))
        }
        var text = terms[0].text
        if text.hasPrefix("("), text.hasSuffix(")") { text = String(text.dropFirst().dropLast()) }
        return (text, terms[0].value)
    }
}
