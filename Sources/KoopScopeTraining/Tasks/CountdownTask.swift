import KoopScope

/// Reaching a target from given numbers (a multi-step task): `"make 14 from 3 4 2:"` →
/// an expression such as `"3*4+2"` that uses each given number at most once, with `+ - *`
/// and the usual precedence.
public struct CountdownTask: VerifiableTask {
    public let name = "countdown"
    /// How many numbers are given.
    public var count: Int

    public init(count: Int = 3) { self.count = max(2, count) }

    public var maxResponseLength: Int { 2 * count - 1 }
    /// `make T from n… :` with `count` one-digit numbers and |T| ≤ 9^count (at most `count` digits and a sign).
    public var maxPromptLength: Int { 12 + (count + 1) + (2 * count - 1) }

    public func sample(using rng: inout SeededGenerator) -> TaskInstance {
        let numbers = (0..<count).map { _ in Int.random(in: 1...9, using: &rng) }
        // The target is the value of a random expression over all numbers, so one exists.
        var expression = String(numbers[0])
        for n in numbers.dropFirst() { expression += ["+", "-", "*"].randomElement(using: &rng)! + String(n) }
        let target = Self.evaluate(expression)!
        return TaskInstance(prompt: "make \(target) from " + numbers.map(String.init).joined(separator: " ") + ":",
                            answer: expression, numbers: numbers, target: target)
    }

    public func reward(_ response: String, for instance: TaskInstance) -> Reward {
        guard let value = Self.evaluate(response) else { return Reward(correct: 0, format: 0) }
        // Each given number at most once.
        var available = instance.numbers
        for n in Self.operands(response) {
            guard let k = available.firstIndex(of: n) else { return Reward(correct: 0, format: 1) }
            available.remove(at: k)
        }
        return Reward(correct: value == instance.target ? 1 : 0, format: 1)
    }

    /// The operands of an expression of single digits and `+ - *`.
    static func operands(_ expression: String) -> [Int] {
        expression.split(whereSeparator: { "+-*".contains($0) }).compactMap { Int($0) }
    }

    /// The value of `d (op d)*` with `*` before `+`/`-`, or nil when it is not of that form.
    static func evaluate(_ expression: String) -> Int? {
        let chars = Array(expression)
        guard !chars.isEmpty, chars.count % 2 == 1 else { return nil }
        var terms: [Int] = [], signs: [Int] = [1]
        var product: Int?
        for (k, c) in chars.enumerated() {
            if k % 2 == 0 {
                guard c.isASCIIDigit, let d = c.wholeNumberValue else { return nil }
                product = (product ?? 1) * d
            } else {
                switch c {
                case "*": continue
                case "+", "-":
                    terms.append(product!)
                    product = nil
                    signs.append(c == "+" ? 1 : -1)
                default: return nil
                }
            }
        }
        terms.append(product!)
        return zip(terms, signs).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
