import KoopScope

/// One problem of a task: the prompt shown to the policy and what the verifier needs.
public struct TaskInstance: Sendable, Hashable {
    public var prompt: String
    /// A correct response (the verifier may accept others).
    public var answer: String
    /// The numbers the problem is made of (operands, list, available numbers).
    public var numbers: [Int]
    /// The target, for tasks that have one.
    public var target: Int?
}

/// What the verifier gives a response: 1 for a correct answer, else 0; and, separately, 1 when
/// the response is at least well-formed (an optional shaping reward).
public struct Reward: Sendable, Equatable {
    public var correct: Double
    public var format: Double

    /// The reward used for training: correctness, plus `formatWeight` × the format reward.
    public func total(formatWeight: Double = 0) -> Double { correct + formatWeight * format }
}

/// A family of problems with a generator and a verifier (RL with verifiable rewards).
public protocol VerifiableTask: Sendable {
    /// The name used on the command line (`--task`).
    var name: String { get }
    /// A random problem.
    func sample(using rng: inout SeededGenerator) -> TaskInstance
    /// How `response` (decoded text, without special tokens) answers `instance`.
    func reward(_ response: String, for instance: TaskInstance) -> Reward
    /// Longest response a correct answer needs, in characters.
    var maxResponseLength: Int { get }
    /// Longest prompt the generator writes, in characters.
    var maxPromptLength: Int { get }
    /// A correct response to learn from in the warm-up: for the trace tasks a fresh randomised
    /// solver's trace each time; for the others the one answer.
    func demonstration(for instance: TaskInstance, using rng: inout SeededGenerator) -> String
}

extension VerifiableTask {
    public func demonstration(for instance: TaskInstance, using rng: inout SeededGenerator) -> String { instance.answer }

    /// A fixed set of `count` distinct problems for held-out evaluation (the same for a seed).
    public func evaluationSet(count: Int, seed: UInt64) -> [TaskInstance] {
        var rng = SeededGenerator(seed: seed ^ 0x5EED_E7A1)
        var seen = Set<String>(), out: [TaskInstance] = []
        var attempts = 0
        while out.count < count && attempts < count * 100 {
            attempts += 1
            let instance = sample(using: &rng)
            if seen.insert(instance.prompt).inserted { out.append(instance) }
        }
        return out
    }

    /// A training problem that is not in `heldOut` (prompts compared), so evaluation stays unseen.
    public func sampleTraining(using rng: inout SeededGenerator, excluding heldOut: Set<String>) -> TaskInstance {
        for _ in 0..<1000 {
            let instance = sample(using: &rng)
            if !heldOut.contains(instance.prompt) { return instance }
        }
        return sample(using: &rng)
    }
}

/// The tasks by their command-line names.
public enum TaskCatalog {
    public static let all: [any VerifiableTask] = [AdditionTask(), SortingTask(), CountdownTask(), CountdownTraceTask(),
                                                   AdditionTraceTask()]

    /// The task called `name`, if there is one; `size` (when positive) sets its difficulty: the
    /// most digits of an addend, the longest list to sort, or how many numbers countdown gives
    /// (for `addition-trace`, addends then have from half that many digits up); `largest` (when
    /// positive) the largest number countdown-trace gives.
    public static func task(named name: String, size: Int = 0, largest: Int = 0) -> (any VerifiableTask)? {
        if name == "countdown-trace" { return CountdownTraceTask(count: size > 0 ? size : 4, largest: largest > 0 ? largest : 9) }
        guard size > 0 else { return all.first { $0.name == name } }
        switch name {
        case "addition": return AdditionTask(maxDigits: size)
        case "sorting": return SortingTask(lengths: min(size, 3)...size)
        case "countdown": return CountdownTask(count: max(2, size))
        case "addition-trace": return AdditionTraceTask(maxDigits: size, minDigits: (size + 1) / 2)
        default: return nil
        }
    }
}
