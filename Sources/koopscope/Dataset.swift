import ArgumentParser
import Foundation
import KoopScopeTraining

/// `koopscope dataset countdown|arithmetic -o FILE.jsonl`: generated problems as prompt records.
struct Dataset: ParsableCommand {
    enum Kind: String, ExpressibleByArgument, CaseIterable { case countdown, arithmetic }

    static let configuration = CommandConfiguration(
        abstract: "Generate problems as a prompts file (JSON Lines) for rollout and training.",
        discussion: """
            countdown: --numbers numbers in 1…--largest and a target reachable with + - * / using \
            each once; records carry numbers, target, answer and one solution (score with \
            --verifier countdown). arithmetic: sums, differences and products of numbers of up \
            to --digits digits, answers worked out and ending "#### N" as GSM8K's (score with \
            --verifier gsm8k). The same --seed gives the same file.
            """)

    @Argument(help: "countdown or arithmetic.")
    var kind: Kind

    @Option(help: "Problems to write.")
    var count = 1000

    @Option(help: "Seed of the problems.")
    var seed: UInt64 = 0

    @Option(help: "countdown: numbers per problem.")
    var numbers = 4

    @Option(help: "countdown: the largest number.")
    var largest = 99

    @Option(help: "arithmetic: digits of the operands.")
    var digits = 3

    @Option(name: [.short, .customLong("output")], help: "The JSON Lines file to write.")
    var output: String

    func run() throws {
        let records = switch kind {
        case .countdown: try ProblemSet.countdown(count: count, seed: seed, numbers: numbers, largest: largest)
        case .arithmetic: try ProblemSet.arithmetic(count: count, seed: seed, digits: digits)
        }
        try ProblemSet.write(records, to: output)
        print("wrote \(output): \(records.count) \(kind.rawValue) problems")
    }
}
