import ArgumentParser
import Foundation
import KoopScope

/// `koopscope report INPUT... -o report.html`: pictures of analyses, dumps and training runs.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One self-contained HTML page of pictures from analyses, dumps and training runs.",
        discussion: """
            INPUTs may mix analysis JSON files (koopscope analyze --format json), layer profiles \
            (analyze --all-layers --format json), comparisons (koopscope compare --format json), \
            dumps (analysed on the fly with the analysis options below) and training run \
            directories (their metrics.jsonl). With two or more analyses the page compares their \
            DSD distributions. \
            See docs/report.md.
            """)

    @Argument(help: "Analysis JSON files, dumps, or training run directories.")
    var inputs: [String] = []

    @Option(name: [.short, .long], help: ArgumentHelp("The HTML file to write.", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Also write every picture as its own SVG file into this directory.", valueName: "dir"))
    var svg: String?

    @Option(help: "Title of the page.")
    var title = "koopscope report"

    @Option(help: "Draw the spectrum of this trajectory index (default: the first analysed one).")
    var trajectory: Int?

    @OptionGroup(title: "Analysis of dumps")
    var analysis: AnalysisOptions

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one input") }
        if let trajectory, trajectory < 0 { throw ValidationError("--trajectory must be ≥ 0") }
    }

    func run() throws {
        let configuration = try analysis.configuration()   // refused before any input is read
        var analyses: [(name: String, report: AnalysisReport)] = []
        var runs: [TrainingRun] = []
        var profiles: [(name: String, profile: LayerProfile)] = []
        var comparisons: [(name: String, comparison: SpectralComparison)] = []
        var names = Set<String>()
        func unique(_ path: String) -> String {
            var name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            if names.contains(name) { name += " (\(names.count + 1))" }
            names.insert(name)
            return name
        }
        for path in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ReportError.notFound(path: path)
            }
            if isDirectory.boolValue {
                var run = try TrainingRun(directory: path)
                run.name = unique(path)
                runs.append(run)
            } else if Self.looksLikeJSON(path) {
                // Only a JSON file is read whole; a dump is streamed below.
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ReportError.unrecognized(path: path, detail: "cannot be read")
                }
                switch try ReportDocument(json: data, path: path) {
                case .analysis(let report): analyses.append((unique(path), report))
                case .layers(let profile): profiles.append((unique(path), profile))
                case .comparison(let comparison): comparisons.append((unique(path), comparison))
                }
            } else {
                let dump: Dump
                do {
                    dump = try Dump(path: path)
                } catch DumpError.notHDF5 {
                    throw ReportError.unrecognized(path: path, detail: "neither HDF5 nor JSON")
                }
                analyses.append((unique(path), try analysis.analyzer(for: dump, configuration: configuration).analyze(dump)))
            }
        }
        let page = HTMLReport(analyses: analyses, runs: runs, profiles: profiles, comparisons: comparisons,
                              options: .init(title: title, trajectory: trajectory))
        if let svg {
            try FileManager.default.createDirectory(atPath: svg, withIntermediateDirectories: true)
            for (name, text) in page.svgFiles {
                try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: svg).appendingPathComponent(name + ".svg").path)
            }
        }
        try AtomicFile.write(Data(page.html.utf8), to: output)
    }
}

extension Report {
    /// Whether the file's first non-blank byte (within its first 64) opens a JSON object.
    static func looksLikeJSON(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 64)) ?? Data()
        return head.first(where: { !$0.isWhitespace }) == UInt8(ascii: "{")
    }
}

private extension UInt8 {
    var isWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
