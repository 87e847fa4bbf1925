import ArgumentParser
import Foundation
import KoopScope

/// `koopscope inspect DUMP`: what a dump holds, validated, without analysing it.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a hidden-state dump holds.",
        discussion: """
            Prints the layout, N, d, element type and storage, trajectory length statistics, \
            optional datasets, root attributes and the number of non-finite state values. \
            A malformed dump is refused with the file, the dataset and the problem.
            """)

    @Argument(help: "The HDF5 dump to inspect.")
    var dump: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(help: "Skip reading the states (no count of non-finite values): only the structure.")
    var structureOnly = false

    func run() throws {
        let report = try DumpInspection(try Dump(path: dump), scanningStates: !structureOnly)
        switch format {
        case .text: print(report.text, terminator: "")
        case .json: print(try report.json())
        }
    }
}
