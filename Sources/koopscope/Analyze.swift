import ArgumentParser
import Foundation
import KoopScope

/// `koopscope analyze DUMP`: spectrum, residuals and DSD of every trajectory.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Koopman spectra, ResDMD residuals and DSD of every trajectory of a dump.",
        discussion: """
            Lifts each trajectory with a sigmoid dictionary (a file, or the default \
            Kaiming-uniform one), estimates K by ridge EDMD (or the pseudo-inverse), and reports \
            its eigenvalues with their residuals, its singular values, and three DSDs. With \
            --identity the raw states are analysed by exact DMD instead. See docs/analyze.md.
            """)

    @Argument(help: "The HDF5 dump to analyse.")
    var dump: String

    @OptionGroup var analysis: AnalysisOptions

    @Option(help: "Output format: table, json or csv.")
    var format: AnalysisFormat = .table

    @Option(name: [.short, .long], help: ArgumentHelp("Write the report here (atomically) instead of to stdout.",
                                                      valueName: "file"))
    var output: String?

    func run() throws {
        let opened = try Dump(path: dump)
        let analyzer = try analysis.analyzer(for: opened)
        let out = try OutputStream(path: output)
        let writer = AnalysisWriter(format: format) { try out.write($0) }
        let progress = ProgressLine(label: "analysing")
        try writer.begin(AnalysisHeader(dump: opened, dictionary: analyzer.dictionary, settings: analyzer.settings))
        let (_, summary) = try analyzer.analyze(
            opened, progress: { done, total in progress.update(done, of: total) }, each: writer.add)
        progress.finish()
        try writer.finish(summary)
        try out.commit()
    }
}
