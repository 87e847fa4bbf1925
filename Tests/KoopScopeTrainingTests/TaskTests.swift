import KoopScope
import Testing
@testable import KoopScopeTraining

@Suite("Verifiable tasks")
struct TaskTests {
    @Test func tokenizerRoundTripsAndRefusesUnknownCharacters() throws {
        let t = CharacterTokenizer.standard
        let text = "make 14 from 3 4 2:3*4+2"
        let tokens = try t.encode(text)
        #expect(tokens.count == text.count && tokens.allSatisfy { $0 >= 3 && $0 < t.vocabularySize })
        #expect(t.decode(tokens) == text)
        #expect(t.decode([t.bos] + tokens + [t.eos] + (try t.encode("junk"))) == text, "decoding stops at EOS")
        #expect(throws: CharacterTokenizer.UnknownCharacter(character: "%", text: "5%")) { try t.encode("5%") }
    }

    @Test func additionVerifier() throws {
        let task = AdditionTask()
        let instance = TaskInstance(prompt: "47+385=", answer: "432", numbers: [47, 385], target: 432)
        #expect(task.reward("432", for: instance) == Reward(correct: 1, format: 1))
        #expect(task.reward("0432", for: instance).correct == 1, "leading zeros are the same number")
        #expect(task.reward("431", for: instance) == Reward(correct: 0, format: 1))
        #expect(task.reward("43 2", for: instance) == Reward(correct: 0, format: 0))
        #expect(task.reward("", for: instance) == Reward(correct: 0, format: 0))
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            let i = task.sample(using: &rng)
            #expect(i.prompt == "\(i.numbers[0])+\(i.numbers[1])=" && Int(i.answer) == i.numbers[0] + i.numbers[1])
            #expect(i.numbers.allSatisfy { $0 >= 0 && $0 <= 999 })
            #expect(task.reward(i.answer, for: i).correct == 1)
            #expect(try CharacterTokenizer.standard.encode(i.prompt + i.answer).count > 0)
        }
    }

    @Test func sortingVerifier() {
        let task = SortingTask()
        let instance = TaskInstance(prompt: "sort 5 3 8 1:", answer: "1 3 5 8", numbers: [5, 3, 8, 1], target: nil)
        #expect(task.reward("1 3 5 8", for: instance) == Reward(correct: 1, format: 1))
        #expect(task.reward("1 3 8 5", for: instance) == Reward(correct: 0, format: 1))
        #expect(task.reward("1 3 5", for: instance) == Reward(correct: 0, format: 0))
        #expect(task.reward("1  3 5 8", for: instance).format == 0)
        #expect(task.reward("13 5 8", for: instance).format == 0)
    }

    @Test func countdownVerifierUsesPrecedenceAndEachNumberOnce() {
        let task = CountdownTask()
        let instance = TaskInstance(prompt: "make 14 from 3 4 2:", answer: "3*4+2", numbers: [3, 4, 2], target: 14)
        #expect(task.reward("3*4+2", for: instance) == Reward(correct: 1, format: 1))
        #expect(task.reward("2+3*4", for: instance).correct == 1, "* binds tighter than +")
        #expect(task.reward("2+4*3", for: instance).correct == 1)
        #expect(task.reward("3+4*2", for: instance) == Reward(correct: 0, format: 1), "11, not 14")
        #expect(task.reward("3*3+5", for: instance) == Reward(correct: 0, format: 1), "3 used twice, 5 not given")
        #expect(task.reward("3*4+", for: instance) == Reward(correct: 0, format: 0))
        #expect(task.reward("34+2", for: instance).format == 0)
        #expect(CountdownTask.evaluate("9-2*3+1") == 4)
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<200 {
            let i = task.sample(using: &rng)
            #expect(task.reward(i.answer, for: i).correct == 1, "\(i.prompt) \(i.answer)")
        }
    }

    @Test func heldOutProblemsStayOutOfTraining() {
        for task in TaskCatalog.all {
            let held = task.evaluationSet(count: 50, seed: 1)
            #expect(held.count == 50 && Set(held.map(\.prompt)).count == 50, "\(task.name)")
            #expect(held.map(\.prompt) == task.evaluationSet(count: 50, seed: 1).map(\.prompt), "deterministic")
            let excluded = Set(held.map(\.prompt))
            var rng = SeededGenerator(seed: 2)
            for _ in 0..<300 { #expect(!excluded.contains(task.sampleTraining(using: &rng, excluding: excluded).prompt)) }
        }
        #expect(TaskCatalog.task(named: "countdown") is CountdownTask)
        #expect(TaskCatalog.task(named: "chess") == nil)
    }
}

@Suite("Task lengths")
struct TaskLengthTests {
    /// Every prompt the generators write fits the length each task states, and the default
    /// context holds the longest prompt, its BOS token and the longest response.
    @Test func promptsFitTheStatedLengthAndTheDefaultContext() throws {
        for name in TaskCatalog.all.map(\.name) {
            var configuration = TrainingConfiguration()
            configuration.task = name
            let task = try #require(TaskCatalog.task(named: name))
            var rng = SeededGenerator(seed: 7)
            let longest = (0..<3000).map { _ in task.sample(using: &rng).prompt.count }.max()!
            #expect(longest <= task.maxPromptLength, "\(name): \(longest) > \(task.maxPromptLength)")
            #expect(1 + task.maxPromptLength + task.maxResponseLength + 1 <= configuration.resolvedContextLength, "\(name)")
        }
        var small = TrainingConfiguration()
        small.task = "addition"
        #expect(small.resolvedContextLength == 64)
        small.contextLength = 16
        #expect(small.resolvedContextLength == 16)
    }
}
