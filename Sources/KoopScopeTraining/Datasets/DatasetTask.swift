import Foundation
import KoopScope

/// A prompts file as a task: problems drawn from its records, responses scored by a
/// ``Verifier`` against each record's answer. The warm-up learns from a record's `solution`
/// (for countdown, written as `<answer>…</answer>`) or else its `answer`.
///
/// ```swift
/// let task = try DatasetTask(path: "gsm8k-train.jsonl", verifier: .gsm8k)
/// var rng = SeededGenerator(seed: 0)
/// let problem = task.sample(using: &rng)
/// print(problem.prompt, task.reward("… #### 18", for: problem).correct)
/// ```
public struct DatasetTask: VerifiableTask {
    public let name = "dataset"
    public let path: String
    public let records: [PromptRecord]
    public let verifier: Verifier
    /// Each record's problem, in file order.
    let instances: [TaskInstance]
    /// What the warm-up learns from, by prompt.
    let demonstrations: [String: String]

    /// Reads `path` and checks that `verifier` can score every record, naming the first it cannot.
    public init(path: String, verifier: Verifier) throws {
        let records = try PromptRecord.read(jsonl: path)
        try verifier.check(records, file: path)
        self.path = path
        self.records = records
        self.verifier = verifier
        instances = records.map { record in
            let answer = record.answer ?? record.fields["target"] ?? ""
            return TaskInstance(prompt: record.prompt, answer: answer,
                                numbers: record.integers("numbers") ?? record.integers("nums") ?? [],
                                target: Int(answer.trimmingCharacters(in: .whitespaces)))
        }
        var demonstrations: [String: String] = [:]
        for (record, instance) in zip(records, instances) where demonstrations[record.prompt] == nil {
            let solution = record.fields["solution"].flatMap { try? JSONDecoder().decode(String.self, from: Data($0.utf8)) }
            demonstrations[record.prompt] = solution.map { verifier == .countdown ? "<answer>\($0)</answer>" : $0 } ?? instance.answer
        }
        self.demonstrations = demonstrations
    }

    public func sample(using rng: inout SeededGenerator) -> TaskInstance {
        instances[Int.random(in: 0..<instances.count, using: &rng)]
    }

    public func reward(_ response: String, for instance: TaskInstance) -> Reward {
        var fields: [String: String] = [:]
        if !instance.numbers.isEmpty { fields["numbers"] = "[" + instance.numbers.map(String.init).joined(separator: ",") + "]" }
        let correct = verifier.score(response, for: PromptRecord(prompt: instance.prompt, answer: instance.answer, fields: fields))
        return Reward(correct: correct, format: 0)
    }

    public func demonstration(for instance: TaskInstance, using rng: inout SeededGenerator) -> String {
        demonstrations[instance.prompt] ?? instance.answer
    }

    /// Records with distinct prompts.
    public var distinctPrompts: Int { demonstrations.count }

    /// Response lengths are in tokens and set by `max-response-length` (the paper's 3072 by default).
    public var maxResponseLength: Int { 3071 }
    public var maxPromptLength: Int { records.map(\.prompt.count).max() ?? 0 }
}
