import KoopScope

/// Multi-digit addition: `"47+385="` → `"432"`.
public struct AdditionTask: VerifiableTask {
    public let name = "addition"
    /// Digits of each operand, at most.
    public var maxDigits: Int

    public init(maxDigits: Int = 3) { self.maxDigits = max(1, maxDigits) }

    public var maxResponseLength: Int { maxDigits + 1 }
    /// `a+b=` with both operands below 10^maxDigits.
    public var maxPromptLength: Int { 2 * maxDigits + 2 }

    public func sample(using rng: inout SeededGenerator) -> TaskInstance {
        func operand() -> Int {
            let digits = Int.random(in: 1...maxDigits, using: &rng)
            let upper = Int(pow10(digits)) - 1
            return Int.random(in: (digits == 1 ? 0 : upper / 10 + 1)...upper, using: &rng)
        }
        let a = operand(), b = operand()
        return TaskInstance(prompt: "\(a)+\(b)=", answer: String(a + b), numbers: [a, b], target: a + b)
    }

    public func reward(_ response: String, for instance: TaskInstance) -> Reward {
        let wellFormed = !response.isEmpty && response.allSatisfy(\.isASCIIDigit)
        return Reward(correct: wellFormed && Int(response) == instance.target ? 1 : 0, format: wellFormed ? 1 : 0)
    }
}

func pow10(_ k: Int) -> Double { (0..<k).reduce(1.0) { x, _ in x * 10 } }

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
