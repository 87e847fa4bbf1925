import KoopScope

/// Countdown with the search written out: reach the target from four numbers by combining two
/// at a time, writing every step and what is left, trying again where an attempt misses, and ending
/// with one expression.
///
/// `"make 24 from 3 5 2 8:"` → `"3*5=15[2 8 15],8+2=10[15 10],15+10=25[25]:3+5=8[2 8 8],8*2=16[8 16],16+8=24[24]=((3+5)*2)+8"`
///
/// An attempt is a run of steps `a op b=c[pool]` (op one of `+ - *`, `a − b` only when `a ≥ b`)
/// joined by `,`; the pool lists what is left: the unused numbers in their order, then `c`.
/// Attempts are joined by `:` and each starts again from the given numbers. The verifier checks every
/// step's arithmetic and pool, that the last attempt ends with the target alone, and that the final
/// expression (after `=`) uses each given number exactly once and equals the target. Many traces
/// are correct, so the policy has something to explore.
public struct CountdownTraceTask: VerifiableTask {
    public let name = "countdown-trace"
    /// How many numbers are given.
    public var count: Int
    /// The given numbers are drawn from 1…`largest`.
    public var largest: Int
    /// No step may produce more than this (ten times `largest`, squared: small facts to learn).
    public var ceiling: Int

    public init(count: Int = 4, largest: Int = 9) {
        self.count = max(2, count)
        self.largest = max(1, largest)
        ceiling = 10 * self.largest * self.largest
    }

    /// Up to four attempts of `count − 1` steps and the expression, with room to spare.
    public var maxResponseLength: Int { 56 * count - 1 }
    /// `make T from n… :` with 1 ≤ T ≤ `ceiling` and `count` numbers up to `largest`.
    public var maxPromptLength: Int { 12 + String(ceiling).count + count * String(largest).count + (count - 1) }

    public func sample(using rng: inout SeededGenerator) -> TaskInstance {
        while true {
            let numbers = (0..<count).map { _ in Int.random(in: 1...largest, using: &rng) }
            let path = randomPath(from: numbers, using: &rng)
            guard let target = path.last?.result, target >= 1 else { continue }
            let prompt = "make \(target) from " + numbers.map(String.init).joined(separator: " ") + ":"
            let answer = Self.text(of: path) + "=" + Self.expression(of: path, numbers: numbers)
            return TaskInstance(prompt: prompt, answer: answer, numbers: numbers, target: target)
        }
    }

    /// A randomised solver's trace: 0–3 attempts that miss (0 in one trace out of ten), then one that
    /// reaches the target (a solution is found by search over the paths, in random order).
    public func demonstration(for instance: TaskInstance, using rng: inout SeededGenerator) -> String {
        guard let target = instance.target else { return instance.answer }
        let misses = Double.random(in: 0..<1, using: &rng) < 0.1 ? 0 : Int.random(in: 1...3, using: &rng)
        var attempts: [[Step]] = []
        var tries = 0
        while attempts.count < misses && tries < 100 {
            tries += 1
            let path = randomPath(from: instance.numbers, using: &rng)
            if path.last?.result != target { attempts.append(path) }
        }
        var solution: [Step]? = nil
        for _ in 0..<2000 {
            let path = randomPath(from: instance.numbers, using: &rng)
            if path.last?.result == target { solution = path; break }
        }
        guard let solution else { return instance.answer }
        attempts.append(solution)
        return attempts.map(Self.text(of:)).joined(separator: ":") + "=" + Self.expression(of: solution, numbers: instance.numbers)
    }

    public func reward(_ response: String, for instance: TaskInstance) -> Reward {
        guard let trace = Self.parse(response) else { return Reward(correct: 0, format: 0) }
        let target = instance.target ?? Int.min
        var valid = true
        for attempt in trace.attempts {
            var pool = instance.numbers
            for step in attempt {
                guard let next = Self.apply(step, to: pool), next == step.pool else { valid = false; break }
                pool = next
            }
        }
        let last = trace.attempts.last?.last?.pool ?? []
        let final = ArithmeticExpression.evaluate(trace.expression)
        let usesEach = final.map { $0.operands.sorted() == instance.numbers.sorted() } ?? false
        let correct = valid && last == [target] && usesEach && final?.value == target
        return Reward(correct: correct ? 1 : 0, format: 1)
    }

    /// One written step: `a op b=c[pool]`.
    struct Step: Equatable {
        var a: Int, op: Character, b: Int, result: Int, pool: [Int]
    }

    /// The pool after `step`, or nil when its operands are not in `pool`, its arithmetic is wrong,
    /// or it subtracts a larger number.
    static func apply(_ step: Step, to pool: [Int]) -> [Int]? {
        var rest = pool
        guard let i = rest.firstIndex(of: step.a) else { return nil }
        rest.remove(at: i)
        guard let j = rest.firstIndex(of: step.b) else { return nil }
        rest.remove(at: j)
        let value: Int
        switch step.op {
        case "+": value = step.a + step.b
        case "-": guard step.a >= step.b else { return nil }; value = step.a - step.b
        case "*": value = step.a * step.b
        default: return nil
        }
        guard value == step.result else { return nil }
        return rest + [value]
    }

    /// A random path of legal steps that combines all the numbers into one.
    func randomPath(from numbers: [Int], using rng: inout SeededGenerator) -> [Step] {
        var pool = numbers, path: [Step] = []
        while pool.count > 1 {
            var options: [Step] = []
            for i in pool.indices {
                for j in pool.indices where j != i {
                    let a = pool[i], b = pool[j]
                    for op in ["+", "-", "*"] as [Character] {
                        let value = op == "+" ? a + b : op == "-" ? a - b : a * b
                        guard value >= 0 && value <= ceiling, op != "-" || a >= b else { continue }
                        // The pool as `apply` leaves it: a's first copy, then b's, removed.
                        let step = Step(a: a, op: op, b: b, result: value, pool: [])
                        if let next = Self.apply(step, to: pool) { options.append(Step(a: a, op: op, b: b, result: value, pool: next)) }
                    }
                }
            }
            guard let step = options.randomElement(using: &rng) else { break }
            path.append(step)
            pool = step.pool
        }
        return path
    }

    static func text(of attempt: [Step]) -> String {
        attempt.map { "\($0.a)\($0.op)\($0.b)=\($0.result)[" + $0.pool.map(String.init).joined(separator: " ") + "]" }
            .joined(separator: ",")
    }

    /// The expression a path computes, each composite operand in parentheses.
    static func expression(of path: [Step], numbers: [Int]) -> String {
        var pool = numbers.map { (value: $0, text: String($0), composite: false) }
        for step in path {
            let i = pool.firstIndex { $0.value == step.a }!
            let a = pool.remove(at: i)
            let j = pool.firstIndex { $0.value == step.b }!
            let b = pool.remove(at: j)
            func wrap(_ x: (value: Int, text: String, composite: Bool)) -> String { x.composite ? "(\(x.text))" : x.text }
            pool.append((step.result, wrap(a) + String(step.op) + wrap(b), true))
        }
        return pool.first?.text ?? ""
    }

    /// The attempts and the final expression of a response, or nil when it is not of that form.
    static func parse(_ response: String) -> (attempts: [[Step]], expression: String)? {
        let chars = Array(response)
        var k = 0
        func number() -> Int? {
            var digits = ""
            while k < chars.count, chars[k].isASCIIDigit, digits.count < 12 { digits.append(chars[k]); k += 1 }
            return Int(digits)
        }
        var attempts: [[Step]] = [[]]
        while true {
            guard let a = number(), k < chars.count, "+-*".contains(chars[k]) else { return nil }
            let op = chars[k]; k += 1
            guard let b = number(), k < chars.count, chars[k] == "=" else { return nil }
            k += 1
            guard let c = number(), k < chars.count, chars[k] == "[" else { return nil }
            k += 1
            var pool: [Int] = []
            while true {
                guard let n = number() else { return nil }
                pool.append(n)
                guard k < chars.count else { return nil }
                if chars[k] == "]" { k += 1; break }
                guard chars[k] == " " else { return nil }
                k += 1
            }
            attempts[attempts.count - 1].append(Step(a: a, op: op, b: b, result: c, pool: pool))
            guard k < chars.count else { return nil }
            switch chars[k] {
            case ",": k += 1
            case ":": k += 1; attempts.append([])
            case "=": return (attempts, String(chars[(k + 1)...]))
            default: return nil
            }
        }
    }
}
