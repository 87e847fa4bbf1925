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
            --identity the raw states are analysed by exact DMD instead. A dump with several \
            layers (/layers/<k>/hidden_states) is analysed at --layer K, or at every layer with \
            --all-layers, which reports DSD and spectral radius layer by layer. See docs/analyze.md.
            """)

    @Argument(help: "The HDF5 dump to analyse.")
    var dump: String

    @OptionGroup var analysis: AnalysisOptions

    @Option(help: "Output format: table, json or csv.")
    var format: AnalysisFormat = .table

    @Option(name: [.short, .long], help: ArgumentHelp("Write the report here (atomically) instead of to stdout.",
                                                      valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Analyse only part K of N of the trajectories (K in 1…N); koopscope merge joins the parts.",
                               valueName: "K/N"))
    var shard: String?

    @Flag(help: "Analyse every layer the dump holds and report DSD and spectral radius per layer.")
    var allLayers = false

    @Flag(help: "No progress on standard error.")
    var quiet = false

    @Flag(help: "Also compute the ResDMD pseudospectrum res(z) on a grid (JSON output only).")
    var pseudospectrum = false

    @Option(help: ArgumentHelp("Real range of the pseudospectrum grid (default -1.2:1.2).", valueName: "min:max"))
    var gridRe: String?

    @Option(help: ArgumentHelp("Imaginary range of the pseudospectrum grid (default -1.2:1.2).", valueName: "min:max"))
    var gridIm: String?

    @Option(help: "Grid points along each axis (default 64).")
    var gridPoints: Int?

    @Option(help: ArgumentHelp("Trajectories whose pseudospectrum is computed: indices like 0,4,7, or all (default 0).",
                               valueName: "list"))
    var pseudospectrumTrajectories: String?

    func validate() throws {
        if allLayers {
            if analysis.layer != nil { throw ValidationError("--all-layers and --layer exclude each other") }
            if shard != nil { throw ValidationError("--all-layers and --shard exclude each other: shard one layer at a time") }
            if pseudospectrum { throw ValidationError("--pseudospectrum applies to one layer's trajectories, not --all-layers") }
        }
        let gridGiven = gridRe != nil || gridIm != nil || gridPoints != nil || pseudospectrumTrajectories != nil
        if gridGiven && !pseudospectrum {
            throw ValidationError("--grid-re, --grid-im, --grid-points and --pseudospectrum-trajectories need --pseudospectrum")
        }
        guard pseudospectrum else { return }
        if format != .json { throw ValidationError("--pseudospectrum is written into the JSON report: add --format json") }
        _ = try grid()
        _ = try chosenTrajectories()
    }

    /// The pseudospectrum grid the flags describe.
    func grid() throws -> Pseudospectrum.Grid {
        func range(_ text: String?, _ flag: String) throws -> ClosedRange<Double> {
            guard let text else { return -1.2...1.2 }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
            guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite, lo < hi else {
                throw ValidationError("\(flag) '\(text)' is not MIN:MAX with MIN < MAX")
            }
            return lo...hi
        }
        let points = gridPoints ?? 64
        guard (2...1024).contains(points) else { throw ValidationError("--grid-points must lie in 2…1024") }
        return Pseudospectrum.Grid(real: try range(gridRe, "--grid-re"), imaginary: try range(gridIm, "--grid-im"),
                                   points: points)
    }

    /// The trajectory indices of --pseudospectrum-trajectories (nil: all).
    func chosenTrajectories() throws -> Set<Int>? {
        let text = pseudospectrumTrajectories ?? "0"
        if text == "all" { return nil }
        let indices = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !indices.isEmpty, indices.allSatisfy({ ($0 ?? -1) >= 0 }) else {
            throw ValidationError("--pseudospectrum-trajectories '\(text)' is not a list of indices like 0,4,7 or all")
        }
        return Set(indices.map { $0! })
    }

    func run() throws {
        let configuration = try analysis.configuration(shard: shard)   // refused before the dump is opened
        let opened = try Dump(path: dump, layer: configuration.layer)
        var analyzer = try analysis.analyzer(for: opened, configuration: configuration)
        if pseudospectrum { analyzer.settings.pseudospectrum = (try grid(), try chosenTrajectories()) }
        let out = try OutputStream(path: output)
        if allLayers {
            let progress = ProgressLine(label: "analysing", unit: "trajectories", quiet: quiet)
            let profile = try LayerProfile(opened, analyzer: analyzer) { layer, done, total in
                progress.update(done, of: total, note: "layer " + (layer.map(String.init) ?? "last"))
            }
            progress.finish()
            try out.write(try profile.text(format))
            try out.commit()
            return
        }
        let writer = AnalysisWriter(format: format) { try out.write($0) }
        let progress = ProgressLine(label: "analysing", unit: "trajectories", quiet: quiet)
        try writer.begin(AnalysisHeader(dump: opened, dictionary: analyzer.dictionary, settings: analyzer.settings))
        let (_, summary) = try analyzer.analyze(
            opened, progress: { done, total in progress.update(done, of: total) }, each: writer.add)
        progress.finish()
        try writer.finish(summary)
        try out.commit()
    }
}
