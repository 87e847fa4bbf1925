import FoundationEssentials
import Glibc

/// A self-contained HTML page (inline SVG and CSS, no scripts) of analyses and training runs.
///
/// ```swift
/// let page = HTMLReport(analyses: [("step 0", before), ("step 200", after)], runs: [], options: .init())
/// try AtomicFile.write(Data(page.html.utf8), to: "report.html")
/// ```
public struct HTMLReport {
    /// What the page shows.
    public struct Options: Sendable {
        public var title: String
        /// The trajectory whose spectrum is drawn (default: the first analysed one).
        public var trajectory: Int?

        public init(title: String = "koopscope report", trajectory: Int? = nil) {
            self.title = title
            self.trajectory = trajectory
        }
    }

    /// The page, well-formed XML as well as HTML.
    public let html: String
    /// Every picture as a standalone SVG document, by file-safe name.
    public let svgFiles: [(name: String, svg: String)]

    /// The page of `analyses`, `runs`, layer `profiles` (`analyze --all-layers`) and `comparisons`
    /// (`koopscope compare`).
    public init(analyses: [(name: String, report: AnalysisReport)], runs: [TrainingRun],
                profiles: [(name: String, profile: LayerProfile)] = [],
                comparisons: [(name: String, comparison: SpectralComparison)] = [], options: Options = Options()) {
        var figures: [(section: String, intro: String, row: [Figure])] = []
        var id = 0
        func nextID() -> String { id += 1; return "figure-\(id)" }
        var inputRows: [[String]] = []
        for (name, report) in analyses {
            let o = report.summary.overall
            inputRows.append([name, "analysis", report.dump.path, "\(o.analyzed) analysed, \(o.skipped) skipped",
                              report.dictionary.kind == "identity" ? "exact DMD" : "m = \(report.dictionary.m ?? 0), \(report.settings.estimator)"])
        }
        for run in runs { inputRows.append([run.name, "training run", run.path, "\(run.steps.count) steps", ""]) }
        for (name, profile) in profiles {
            inputRows.append([name, "layer profile", profile.header.dump.path, "\(profile.layers.count) layers", ""])
        }
        for (name, c) in comparisons {
            inputRows.append([name, "comparison", "\(c.pathA) · \(c.pathB)", "\(c.pairs.count) pairs", ""])
        }
        if !analyses.isEmpty {
            var spectra: [Figure] = [], pooled: [Figure] = [], residual: [Figure] = [], groups: [Figure] = []
            var pseudospectra: [Figure] = []
            for (name, report) in analyses {
                let chosen = report.trajectories.first { $0.index == options.trajectory && $0.isAnalyzed }
                    ?? report.trajectories.first(where: \.isAnalyzed)
                if let chosen { spectra.append(AnalysisFigures.spectrum(of: chosen, input: name, id: nextID())) }
                let withPseudospectrum = report.trajectories.first { $0.index == options.trajectory && $0.pseudospectrum != nil }
                    ?? report.trajectories.first { $0.pseudospectrum != nil }
                if let t = withPseudospectrum, let p = t.pseudospectrum {
                    pseudospectra.append(AnalysisFigures.pseudospectrum(of: t, p, input: name,
                                                                       threshold: report.settings.residualThreshold,
                                                                       id: nextID()))
                }
                pooled.append(AnalysisFigures.pooledSpectrum(report, input: name, id: nextID()))
                residual.append(AnalysisFigures.residualAgainstMagnitude(report, input: name, id: nextID()))
                if !report.summary.groups.isEmpty { groups.append(AnalysisFigures.byGroup(report, input: name, id: nextID())) }
            }
            figures.append(("Spectrum of one trajectory", "The eigenvalues of K against the unit circle; colour is the "
                            + "ResDMD residual (dark: well supported by the data).", spectra))
            figures.append(("Pseudospectrum", "From analyses run with --pseudospectrum.", pseudospectra))
            figures.append(("Eigenvalues of all trajectories", "Every eigenvalue of every analysed trajectory.", pooled))
            figures.append(("Residual against |λ|", "Spurious eigenvalues have large residuals.", residual))
            figures.append(("DSD distributions", "Each input's distribution, overlaid.",
                            DSDKind.allCases.map { AnalysisFigures.distribution(analyses, kind: $0, id: nextID()) }))
            if !groups.isEmpty { figures.append(("DSD by group", "Trajectories grouped by prompt (/group_ids).", groups)) }
        }
        if !profiles.isEmpty {
            figures.append(("Layers", "DSD and spectral radius of every layer of a dump (analyze --all-layers).",
                            profiles.flatMap { StudyFigures.layers($0.profile, input: $0.name, id: nextID()) }))
        }
        if !comparisons.isEmpty {
            figures.append(("Comparisons", "Two analyses of the same prompts, trajectory by trajectory (koopscope compare).",
                            comparisons.flatMap { StudyFigures.comparison($0.comparison, input: $0.name, id: nextID()) }))
        }
        if !runs.isEmpty {
            let runFigures = RunFigures.figures(runs, startingID: id + 1)
            id += runFigures.count
            figures.append(("Training", "Metrics per step from each run's metrics.jsonl, runs overlaid.", runFigures))
        }

        var page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
            + "<title>\(Markup.escape(options.title))</title><style>\(Self.css)</style></head><body>"
        page += "<h1>\(Markup.escape(options.title))</h1>"
        page += "<section><h2>Inputs</h2>" + Table(headers: ["name", "kind", "path", "size", "settings"], rows: inputRows).html
        page += "<p class=\"note\">Large inputs are reduced, never sampled at random: more than "
            + "\(AnalysisFigures.scatterLimit) points in a scatter are binned on a \(AnalysisFigures.densityBins)×"
            + "\(AnalysisFigures.densityBins) grid coloured by log(1 + count); training curves longer than 1200 steps keep "
            + "each bucket's lowest and highest value. Tables always use every value.</p></section>"
        for section in figures where !section.row.isEmpty {
            page += "<section><h2>\(Markup.escape(section.section))</h2><p>\(Markup.escape(section.intro))</p>"
                + "<div class=\"row\">" + section.row.map(\.html).joined() + "</div></section>"
        }
        if analyses.count >= 2 { page += Self.comparison(analyses) }
        page += "<footer>koopscope report; DSD as defined in docs/math.md §6.</footer></body></html>\n"
        html = page
        svgFiles = figures.flatMap(\.row).map { ($0.name, $0.chart.svg(standalone: true) + "\n") }
    }

    /// Each later input's DSDs against the first's: differences and two tests.
    private static func comparison(_ analyses: [(name: String, report: AnalysisReport)]) -> String {
        var s = "<section><h2>Differences</h2><p>Each input against \(Markup.escape(analyses[0].name)): difference of "
            + "means and medians (later minus first), Mann–Whitney U (ranks; normal approximation with tie and continuity "
            + "corrections) and Welch's t-test, both two-sided.</p>"
        for kind in DSDKind.allCases {
            let base = kind.values(analyses[0].report)
            var rows: [[String]] = []
            for (name, report) in analyses.dropFirst() {
                let c = SampleComparison(base, kind.values(report))
                rows.append([name, "\(c.countA) / \(c.countB)", Markup.number(c.differenceOfMeans),
                             Markup.number(c.differenceOfMedians), Markup.number(c.mannWhitney.u),
                             Markup.number(c.mannWhitney.p), Markup.number(c.welch.t), Markup.number(c.welch.p)])
            }
            s += "<h3>\(kind.name)</h3>" + Table(headers: ["input", "n (first / this)", "Δ mean", "Δ median", "U",
                                                          "p (Mann–Whitney)", "t (Welch)", "p (Welch)"], rows: rows).html
        }
        return s + "</section>"
    }

    static let css = """
        body{font-family:sans-serif;margin:24px;color:#222;max-width:1800px}h1{font-size:22px}h2{font-size:18px;\
        border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:14px}.row{display:flex;flex-wrap:wrap;gap:20px}\
        figure{margin:0;max-width:580px}figcaption{font-size:12px;color:#444;margin:4px 0}table{border-collapse:collapse;\
        font-size:12px;margin:4px 0 12px}th,td{border:1px solid #ddd;padding:2px 6px;text-align:right}th{background:#f4f4f4}\
        td:first-child,th:first-child{text-align:left}.note{font-size:12px;color:#555}footer{margin-top:24px;font-size:11px;\
        color:#777}svg{max-width:100%;height:auto}
        """
}
