import ArgumentParser
import Foundation
import KoopScope

/// `koopscope compare A.json B.json`: two analyses of the same prompts, trajectory by trajectory.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two analyses of the same prompts: distances between spectra and the DSD difference.",
        discussion: """
            A and B are analysis JSON files (koopscope analyze --format json) of the same prompts — \
            two checkpoints' responses, say — with the same dictionary and settings. \
            Trajectory i of A pairs with trajectory i of B. For each pair: the Wasserstein-1 \
            distance between the two eigenvalue sets in the complex plane (exact, by optimal \
            assignment); the same for all eigenvalues pooled (exact up to \
            \(SpectralDistance.exactPooledLimit) per side, else on a 32×32 grid, with its error \
            bound); and B's DSD against A's: mean difference, 95% bootstrap interval, paired t and \
            Wilcoxon tests. Analyses of other prompts, group ids, dictionaries or settings are \
            refused, naming the file and what differs; two layers of one dump compare. See \
            docs/analyze.md.
            """)

    @Argument(help: ArgumentHelp("The baseline analysis (JSON).", valueName: "A"))
    var a: String

    @Argument(help: ArgumentHelp("The analysis compared with it (JSON).", valueName: "B"))
    var b: String

    @Option(help: "Output format: table, json or csv.")
    var format: AnalysisFormat = .table

    @Option(name: [.short, .long], help: ArgumentHelp("Write the comparison here (atomically) instead of to stdout.",
                                                      valueName: "file"))
    var output: String?

    func run() throws {
        func read(_ path: String) throws -> AnalysisReport {
            guard FileManager.default.fileExists(atPath: path) else { throw ReportError.notFound(path: path) }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ReportError.unrecognized(path: path, detail: "cannot be read")
            }
            return try AnalysisReport(json: data, path: path)
        }
        let comparison = try SpectralComparison(try read(a), path: a, try read(b), path: b)
        let out = try OutputStream(path: output)
        try out.write(try comparison.text(format))
        try out.commit()
    }
}
