import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

/// Generated problems: reproducible, each solvable as its verifier scores it, and read back as
/// they were written.
@Suite("Generated problem sets")
struct ProblemSetTests {
    @Test func countdownPuzzlesAreReachableAndReproducible() throws {
        let records = try ProblemSet.countdown(count: 200, seed: 7, numbers: 4, largest: 50)
        #expect(records == (try ProblemSet.countdown(count: 200, seed: 7, numbers: 4, largest: 50)))
        #expect(records != (try ProblemSet.countdown(count: 200, seed: 8, numbers: 4, largest: 50)))
        for record in records {
            let solution = try JSONDecoder().decode(String.self, from: Data(record.fields["solution"]!.utf8))
            let numbers = try #require(record.integers("numbers"))
            #expect(numbers.count == 4 && numbers.allSatisfy { (1...50).contains($0) })
            #expect(Verifier.countdown.score("<answer>\(solution)</answer>", for: record) == 1, "\(solution) for \(record.prompt)")
            #expect(Verifier.countdown.problem(with: record) == nil)
        }
        // Not every puzzle is a sum: the operations vary.
        let solutions = records.map { $0.fields["solution"]! }
        #expect(solutions.contains { $0.contains("*") } && solutions.contains { $0.contains("-") } && solutions.contains { $0.contains("/") })
    }

    @Test func arithmeticAnswersEndAsGSM8KsDo() throws {
        let records = try ProblemSet.arithmetic(count: 100, seed: 3, digits: 4)
        for record in records {
            let answer = try #require(record.answer)
            let value = try #require(Int(answer.components(separatedBy: "#### ").last!))
            #expect(Verifier.gsm8k.score("The answer is \(value).", for: record) == 1)
            #expect(Verifier.gsm8k.score("The answer is \(value + 1).", for: record) == 0)
            let words = record.prompt.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: "?"))) }
            #expect(words.count == 2 && words.allSatisfy { (1...9999).contains($0) })
        }
    }

    @Test func writtenFilesReadBack() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("countdown.jsonl").path
        let records = try ProblemSet.countdown(count: 20, seed: 1) + (try ProblemSet.arithmetic(count: 5, seed: 1))
        try ProblemSet.write(records, to: path)
        #expect(try PromptRecord.read(jsonl: path) == records)
        #expect(throws: TrainingError.invalidSetting(source: "--count", key: "count", detail: "0 is outside 1…10000000")) {
            try ProblemSet.countdown(count: 0, seed: 1)
        }
        #expect(throws: TrainingError.self) { try ProblemSet.arithmetic(count: 1, seed: 1, digits: 12) }
    }
}
