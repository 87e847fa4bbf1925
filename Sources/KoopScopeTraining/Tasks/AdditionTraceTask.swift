import KoopScope

/// Long addition as on squared paper: both operands right-aligned in `maxDigits` places, the
/// carries written out column by column from the right, then the sum in `maxDigits + 1` places
/// (with three places, `"958+067="` → `"8+7+0=15,5+6+1=12,9+0+1=10:1025"`).
///
/// Each column is `x+y+c=ss`: the column's digits, the carry into it and their sum in two digits.
/// Every place has the same column in every problem, which is what lets a small policy with
/// learned position embeddings find the digits (with the operands unaligned it learns none in
/// the warm-up's budget). The verifier checks every column against the operands and the carry
/// chain, and the sum. There is one correct trace: a gain here is a regulariser's, not
/// exploration's.
public struct AdditionTraceTask: VerifiableTask {
    public let name = "addition-trace"
    /// Digits of each operand: from `minDigits` to `maxDigits`.
    public var minDigits: Int
    public var maxDigits: Int

    public init(maxDigits: Int = 12, minDigits: Int = 6) {
        self.maxDigits = max(1, maxDigits)
        self.minDigits = min(max(1, minDigits), self.maxDigits)
    }

    /// Nine characters a column, and the sum (the trace is 10·maxDigits + 1), with room to spare.
    public var maxResponseLength: Int { 12 * maxDigits + 15 }
    /// Both operands in `maxDigits` places, `+` and `=`.
    public var maxPromptLength: Int { 2 * maxDigits + 2 }

    public func sample(using rng: inout SeededGenerator) -> TaskInstance {
        func operand() -> [Int] {
            let digits = Int.random(in: minDigits...maxDigits, using: &rng)
            return [Int.random(in: 1...9, using: &rng)] + (1..<digits).map { _ in Int.random(in: 0...9, using: &rng) }
        }
        let a = Self.aligned(operand(), maxDigits), b = Self.aligned(operand(), maxDigits)
        let columns = Self.columns(a, b)
        let sum = Self.sumDigits(columns).map(String.init).joined()
        let answer = columns.map { "\($0.x)+\($0.y)+\($0.carry)=\($0.sum / 10)\($0.sum % 10)" }.joined(separator: ",") + ":" + sum
        return TaskInstance(prompt: a.map(String.init).joined() + "+" + b.map(String.init).joined() + "=", answer: answer,
                            numbers: [], target: nil)
    }

    public func reward(_ response: String, for instance: TaskInstance) -> Reward {
        let operands = instance.prompt.dropLast().split(separator: "+").map { $0.compactMap(\.wholeNumberValue) }
        guard operands.count == 2 else { return Reward(correct: 0, format: 0) }
        let parts = response.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy(\.isASCIIDigit) else { return Reward(correct: 0, format: 0) }
        var written: [Column] = []
        for step in parts[0].split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = step.split(separator: "=", omittingEmptySubsequences: false)
            guard pieces.count == 2, pieces[1].count == 2, let sum = Int(pieces[1]), pieces[1].allSatisfy(\.isASCIIDigit) else {
                return Reward(correct: 0, format: 0)
            }
            let terms = pieces[0].split(separator: "+", omittingEmptySubsequences: false)
            guard terms.count == 3, terms.allSatisfy({ $0.count == 1 && $0.first!.isASCIIDigit }) else { return Reward(correct: 0, format: 0) }
            written.append(Column(x: Int(terms[0])!, y: Int(terms[1])!, carry: Int(terms[2])!, sum: sum))
        }
        let truth = Self.columns(operands[0], operands[1])
        let expected = Self.sumDigits(truth).map(String.init).joined()
        return Reward(correct: written == truth && String(parts[1]) == expected ? 1 : 0, format: 1)
    }

    struct Column: Equatable { var x: Int, y: Int, carry: Int, sum: Int }

    /// `digits` with zeros in front up to `places`.
    static func aligned(_ digits: [Int], _ places: Int) -> [Int] {
        Array(repeating: 0, count: max(0, places - digits.count)) + digits
    }

    /// The columns of `a + b` (digits most significant first), least significant first.
    static func columns(_ a: [Int], _ b: [Int]) -> [Column] {
        var out: [Column] = [], carry = 0
        for k in 0..<max(a.count, b.count) {
            let x = k < a.count ? a[a.count - 1 - k] : 0, y = k < b.count ? b[b.count - 1 - k] : 0
            out.append(Column(x: x, y: y, carry: carry, sum: x + y + carry))
            carry = (x + y + carry) / 10
        }
        return out
    }

    /// The digits of the sum the columns make, most significant first, one more than the columns.
    static func sumDigits(_ columns: [Column]) -> [Int] {
        (columns.map { $0.sum % 10 } + [columns.last.map { $0.sum / 10 } ?? 0]).reversed()
    }
}
