/// Integer arithmetic over `+ - *` with the usual precedence and parentheses, as the trace tasks
/// write their final expressions: `"(3+5)*2+8"` is 24.
enum ArithmeticExpression {
    /// The value of `text` and the numbers it is built from (in the order written), or nil when it
    /// is not such an expression or a value leaves ±10¹².
    static func evaluate(_ text: String) -> (value: Int, operands: [Int])? {
        var parser = Parser(characters: Array(text))
        guard let value = parser.sum(), parser.position == parser.characters.count else { return nil }
        return (value, parser.operands)
    }

    private struct Parser {
        let characters: [Character]
        var position = 0
        var operands: [Int] = []
        var depth = 0

        init(characters: [Character]) { self.characters = characters }

        mutating func sum() -> Int? {
            guard var value = product() else { return nil }
            while position < characters.count, characters[position] == "+" || characters[position] == "-" {
                let op = characters[position]
                position += 1
                guard let rhs = product() else { return nil }
                value = op == "+" ? value + rhs : value - rhs
                guard abs(value) < 1_000_000_000_000 else { return nil }
            }
            return value
        }

        mutating func product() -> Int? {
            guard var value = factor() else { return nil }
            while position < characters.count, characters[position] == "*" {
                position += 1
                guard let rhs = factor() else { return nil }
                let (p, overflow) = value.multipliedReportingOverflow(by: rhs)
                guard !overflow, abs(p) < 1_000_000_000_000 else { return nil }
                value = p
            }
            return value
        }

        mutating func factor() -> Int? {
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
            return n
        }
    }
}
