/// Arithmetic over `+ - *` (and `/` where asked) with the usual precedence and parentheses, as the
/// trace tasks write their final expressions (`"(3+5)*2+8"` is 24) and as countdown answers are
/// written (`"(25 - 5) / 4 * 3"` is 15).
enum ArithmeticExpression {
    /// The value of `text` and the numbers it is built from (in the order written), or nil when it
    /// is not such an expression or a value leaves ±10¹². No division, no spaces: the trace
    /// tasks' form.
    static func evaluate(_ text: String) -> (value: Int, operands: [Int])? {
        var parser = Parser(characters: Array(text), allowsDivision: false)
        guard let value = parser.sum(), parser.position == parser.characters.count, value.denominator == 1 else { return nil }
        return (value.numerator, parser.operands)
    }

    /// The exact value of `text` — division allowed, spaces ignored — as a reduced fraction, and
    /// its numbers; nil when it is not an expression, divides by zero, or a value leaves ±10¹².
    static func evaluateExact(_ text: String) -> (value: (numerator: Int, denominator: Int), operands: [Int])? {
        var parser = Parser(characters: Array(text.filter { !$0.isWhitespace }), allowsDivision: true)
        guard let value = parser.sum(), parser.position == parser.characters.count else { return nil }
        return ((value.numerator, value.denominator), parser.operands)
    }

    /// A fraction in lowest terms with a positive denominator.
    private struct Fraction {
        var numerator: Int, denominator: Int

        static let bound = 1_000_000_000_000

        /// n/d reduced, or nil when d is 0 or a part leaves the bound.
        static func make(_ n: Int, _ d: Int) -> Fraction? {
            guard d != 0 else { return nil }
            var a = abs(n), b = abs(d)
            while b != 0 { (a, b) = (b, a % b) }
            let g = max(a, 1), sign = d < 0 ? -1 : 1
            let result = Fraction(numerator: sign * n / g, denominator: abs(d) / g)
            guard abs(result.numerator) < bound, result.denominator < bound else { return nil }
            return result
        }

        func combined(_ op: Character, _ other: Fraction) -> Fraction? {
            func product(_ x: Int, _ y: Int) -> Int? {
                let (p, overflow) = x.multipliedReportingOverflow(by: y)
                return overflow ? nil : p
            }
            switch op {
            case "+", "-":
                guard let a = product(numerator, other.denominator), let b = product(other.numerator, denominator),
                      let d = product(denominator, other.denominator) else { return nil }
                return .make(op == "+" ? a + b : a - b, d)
            case "*":
                guard let n = product(numerator, other.numerator), let d = product(denominator, other.denominator) else { return nil }
                return .make(n, d)
            default:
                guard let n = product(numerator, other.denominator), let d = product(denominator, other.numerator) else { return nil }
                return .make(n, d)
            }
        }
    }

    private struct Parser {
        let characters: [Character]
        let allowsDivision: Bool
        var position = 0
        var operands: [Int] = []
        var depth = 0

        init(characters: [Character], allowsDivision: Bool) {
            self.characters = characters
            self.allowsDivision = allowsDivision
        }

        mutating func sum() -> Fraction? {
            guard var value = product() else { return nil }
            while position < characters.count, characters[position] == "+" || characters[position] == "-" {
                let op = characters[position]
                position += 1
                guard let rhs = product(), let next = value.combined(op, rhs) else { return nil }
                value = next
            }
            return value
        }

        mutating func product() -> Fraction? {
            guard var value = factor() else { return nil }
            while position < characters.count,
                  characters[position] == "*" || (allowsDivision && characters[position] == "/") {
                let op = characters[position]
                position += 1
                guard let rhs = factor(), let next = value.combined(op, rhs) else { return nil }
                value = next
            }
            return value
        }

        mutating func factor() -> Fraction? {
            guard position < characters.count else { return nil }
            if characters[position] == "(" {
                // Deep nesting is no expression a trace needs; refusing it bounds the recursion.
                guard depth < 32 else { return nil }
                position += 1
                depth += 1
                guard let inner = sum(), position < characters.count, characters[position] == ")" else { return nil }
                depth -= 1
                position += 1
                return inner
            }
            var digits = ""
            while position < characters.count, characters[position].isASCIIDigit, digits.count < 12 {
                digits.append(characters[position])
                position += 1
            }
            guard let n = Int(digits), position == characters.count || !characters[position].isASCIIDigit else { return nil }
            operands.append(n)
            return Fraction(numerator: n, denominator: 1)
        }
    }
}
