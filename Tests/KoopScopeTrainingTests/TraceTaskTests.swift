import KoopScope
import Testing
@testable import KoopScopeTraining

@Suite("Trace tasks")
struct TraceTaskTests {
    let countdown = CountdownTraceTask()
    let instance = TaskInstance(prompt: "make 24 from 3 5 2 8:", answer: "", numbers: [3, 5, 2, 8], target: 24)

    @Test func countdownTraceChecksEveryStepPoolAndTheExpression() {
        let good = "3+5=8[2 8 8],8*2=16[8 16],16+8=24[24]=((3+5)*2)+8"
        #expect(countdown.reward(good, for: instance) == Reward(correct: 1, format: 1))
        let searched = "3*5=15[2 8 15],8+2=10[15 10],15+10=25[25]:" + good
        #expect(countdown.reward(searched, for: instance).correct == 1, "a missed attempt before the hit")
        #expect(countdown.reward("3+5=8[2 8 8],8*2=16[8 16],16+8=24[24]=8+2*(3+5)", for: instance).correct == 1,
                "any expression of the four numbers worth 24")
        // One thing wrong at a time.
        #expect(countdown.reward("3+5=9[2 8 9],9*2=18[8 18],18+8=26[26]:" + good, for: instance) == Reward(correct: 0, format: 1),
                "wrong arithmetic in a missed attempt")
        #expect(countdown.reward("3+5=8[8 2 8],8*2=16[8 16],16+8=24[24]=((3+5)*2)+8", for: instance).correct == 0,
                "the pool keeps the unused numbers in order")
        #expect(countdown.reward("3+3=6[5 2 8 6],6*5=30[2 8 30],30-8=22[2 22],22+2=24[24]=((3+3)*5-8)+2", for: instance).correct == 0,
                "3 used twice")
        #expect(countdown.reward("2-5=3[3 8 3],3*8=24[3 24],24*3=72[72]=(5-2)*8*3", for: instance).correct == 0,
                "a − b needs a ≥ b")
        #expect(countdown.reward("3+5=8[2 8 8],8*2=16[8 16],16+8=24[24]=(3+5)*2+7", for: instance).correct == 0,
                "the expression must use the given numbers")
        #expect(countdown.reward("3+5=8[2 8 8],8*2=16[8 16],16+8=24[24]=(3+5)*(2+8)", for: instance).correct == 0,
                "and be worth the target")
        #expect(countdown.reward("3+5=8[2 8 8],8*2=16[8 16]=(3+5)*2+8", for: instance).correct == 0,
                "the last attempt must end at the target alone")
        #expect(countdown.reward("3+5=8[2 8 8],8*2=16[8 16", for: instance) == Reward(correct: 0, format: 0))
        #expect(countdown.reward("", for: instance).format == 0)
        #expect(countdown.reward("3+5=8[2 8 8]=((((((((((((((((((((((((((((((((((3", for: instance).correct == 0)
    }

    @Test func countdownTraceDemonstrationsAreCorrectAndLong() throws {
        var rng = SeededGenerator(seed: 11)
        var lengths: [Int] = []
        for task in [CountdownTraceTask(), CountdownTraceTask(count: 4, largest: 5)] {
            for _ in 0..<200 {
                let i = task.sample(using: &rng)
                #expect(task.reward(i.answer, for: i).correct == 1, "\(i.prompt) \(i.answer)")
                let trace = task.demonstration(for: i, using: &rng)
                #expect(task.reward(trace, for: i).correct == 1, "\(i.prompt) \(trace)")
                #expect(trace.count < task.maxResponseLength)
                lengths.append(trace.count + 1)
                #expect(try CharacterTokenizer.standard.encode(i.prompt + trace).count > 0)
            }
        }
        // Responses (end-of-sequence included) of 40–200 tokens, at least 85 % with T − 1 ≥ 50.
        #expect(lengths.min()! >= 30 && lengths.max()! <= 200)
        #expect(Double(lengths.filter { $0 - 1 >= 50 }.count) / Double(lengths.count) >= 0.85)
    }

    @Test func expressionsFollowPrecedenceAndParentheses() {
        #expect(ArithmeticExpression.evaluate("((3+5)*2)+8")?.value == 24)
        #expect(ArithmeticExpression.evaluate("8+2*(3+5)")?.operands == [8, 2, 3, 5])
        #expect(ArithmeticExpression.evaluate("9-2*3+1")?.value == 4)
        #expect(ArithmeticExpression.evaluate("(3+5") == nil && ArithmeticExpression.evaluate("3+") == nil)
        #expect(ArithmeticExpression.evaluate("999999*999999*999999") == nil, "out of range, not an overflow")
    }

    @Test func additionTraceChecksEveryColumnAndTheSum() {
        let task = AdditionTraceTask(maxDigits: 3, minDigits: 2)
        let i = TaskInstance(prompt: "958+067=", answer: "", numbers: [], target: nil)
        #expect(task.reward("8+7+0=15,5+6+1=12,9+0+1=10:1025", for: i) == Reward(correct: 1, format: 1))
        #expect(task.reward("8+7+0=15,5+6+1=12,9+0+1=10:1035", for: i) == Reward(correct: 0, format: 1), "wrong sum")
        #expect(task.reward("8+7+0=15,5+6+0=11,9+0+1=10:1025", for: i).correct == 0, "a carry dropped")
        #expect(task.reward("8+7+0=15,5+6+1=12:1025", for: i).correct == 0, "a column missing")
        #expect(task.reward("8+7+0=15,6+5+1=12,9+0+1=10:1025", for: i).correct == 0, "digits swapped")
        #expect(task.reward("8+7+0=15,5+6+1=12,9+0+1=10", for: i).format == 0)
        #expect(task.reward("8+7=15:1025", for: i).format == 0)
        let small = TaskInstance(prompt: "058+067=", answer: "", numbers: [], target: nil)
        #expect(task.reward("8+7+0=15,5+6+1=12,0+0+1=01:0125", for: small) == Reward(correct: 1, format: 1))
        #expect(task.reward("8+7+0=15,5+6+1=12,0+0+1=1:0125", for: small).format == 0, "a column's sum in two digits")
        #expect(task.reward("8+7+0=15,5+6+1=12,0+0+1=01:125", for: small) == Reward(correct: 0, format: 1), "the sum in four places")
        #expect(task.reward("8+7+0=15,5+6+1=12:125", for: small).correct == 0, "every place has its column")
        var rng = SeededGenerator(seed: 5)
        let full = AdditionTraceTask()
        for _ in 0..<200 {
            let s = full.sample(using: &rng)
            #expect(full.reward(s.answer, for: s).correct == 1, "\(s.prompt) \(s.answer)")
            let operands = s.prompt.dropLast().split(separator: "+")
            #expect(operands.allSatisfy { $0.count == 12 && (6...12).contains($0.drop { $0 == "0" }.count) }, "\(s.prompt)")
            let a = Int(operands[0])!, b = Int(operands[1])!
            #expect(s.answer.hasSuffix(":" + String(repeating: "0", count: 13 - String(a + b).count) + String(a + b)))
            #expect((50...200).contains(s.answer.count + 1))
        }
        #expect(TaskCatalog.task(named: "addition-trace") is AdditionTraceTask)
        #expect((TaskCatalog.task(named: "countdown-trace", size: 3, largest: 5) as? CountdownTraceTask)?.largest == 5)
    }
}
