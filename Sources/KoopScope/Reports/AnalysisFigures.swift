import ComplexModule
import FoundationEssentials
import Glibc
import RealModule

/// The pictures of one or more analyses.
enum AnalysisFigures {
    /// Above this many points a scatter becomes a binned density.
    static let scatterLimit = 3000
    static let densityBins = 64

    /// Eigenvalues of one trajectory against the unit circle, coloured by residual.
    static func spectrum(of t: TrajectoryAnalysis, input: String, id: String) -> Figure {
        var chart = Chart(title: "\(input): spectrum of trajectory \(t.index)", xLabel: "Re λ", yLabel: "Im λ")
        chart.id = id
        chart.equalAspect = true
        chart.layers.append(.circle(x: 0, y: 0, radius: 1, label: "|λ| = 1"))
        chart.layers.append(.points(xs: t.eigenvalues.map(\.real), ys: t.eigenvalues.map(\.imaginary),
                                    colors: t.residuals.map { ColorScale.viridis($0) }, label: nil))
        chart.colorBar = ("residual (1 and above: top colour)", 0, 1)
        let order = t.eigenvalues.indices.sorted { t.eigenvalues[$0].length > t.eigenvalues[$1].length }
        var rows = order.prefix(10).map { j in
            [Markup.number(t.eigenvalues[j].real), Markup.number(t.eigenvalues[j].imaginary),
             Markup.number(t.eigenvalues[j].length), Markup.number(t.residuals[j])]
        }
        if order.count > 10 { rows.append(["…", "", "", "(\(order.count) eigenvalues)"]) }
        return Figure(name: id, chart: chart,
                      caption: "Eigenvalues of K for trajectory \(t.index) (T = \(t.length)); dsd \(Markup.number(t.dsd)), "
                        + "dsd_reference \(Markup.number(t.dsdReference)), dsd_filtered \(Markup.number(t.dsdFiltered)) "
                        + "over \(t.kept) kept. The table lists the largest |λ|.",
                      table: Table(headers: ["Re λ", "Im λ", "|λ|", "residual"], rows: rows))
    }

    /// The ResDMD pseudospectrum of one trajectory as a map of log₁₀ res(z), its eigenvalues on top.
    static func pseudospectrum(of t: TrajectoryAnalysis, _ p: Pseudospectrum, input: String, threshold: Double,
                               id: String) -> Figure {
        let g = p.grid, n = g.points
        // Grid points are cell centres: edges halfway between neighbours.
        func edges(_ range: ClosedRange<Double>) -> [Double] {
            let step = (range.upperBound - range.lowerBound) / Double(n - 1)
            return (0...n).map { range.lowerBound + (Double($0) - 0.5) * step }
        }
        let logs = p.values.map { $0 > 0 ? log10($0) : -16 }
        let finite = logs.filter(\.isFinite)
        let lo = finite.min() ?? -3, hi = finite.max() ?? 0
        var chart = Chart(title: "\(input): pseudospectrum of trajectory \(t.index)", xLabel: "Re z", yLabel: "Im z")
        chart.id = id
        chart.equalAspect = true
        chart.xRange = edges(g.real).first!...edges(g.real).last!
        chart.yRange = edges(g.imaginary).first!...edges(g.imaginary).last!
        chart.layers.append(.heat(xEdges: edges(g.real), yEdges: edges(g.imaginary), values: logs,
                                  range: lo...(hi > lo ? hi : lo + 1)))
        chart.layers.append(.circle(x: 0, y: 0, radius: 1, label: "|z| = 1"))
        chart.layers.append(.points(xs: t.eigenvalues.map(\.real), ys: t.eigenvalues.map(\.imaginary),
                                    colors: ["#e8412c"], label: "eigenvalues"))
        chart.colorBar = ("log₁₀ res(z)", lo, hi > lo ? hi : lo + 1)
        let thresholds = [0.01, 0.1, threshold, 1].sorted().reduce(into: [Double]()) { if $0.last != $1 { $0.append($1) } }
        let rows = thresholds.map { e in
            [Markup.number(e), Markup.number(Double(p.values.filter { $0 <= e }.count) / Double(p.values.count))]
        }
        return Figure(name: id, chart: chart,
                      caption: "res(z) = σ_min(Ψ_Y R⁻¹ − zQ) on a \(n)×\(n) grid, dark where the data admit a mode of "
                        + "eigenvalue z; the ε-pseudospectrum is where res(z) ≤ ε. Minimum res(z) "
                        + "\(Markup.number(p.values.filter(\.isFinite).min() ?? .nan)).",
                      table: Table(headers: ["ε", "share of the grid with res(z) ≤ ε"], rows: rows))
    }

    /// Every eigenvalue of every analysed trajectory.
    static func pooledSpectrum(_ report: AnalysisReport, input: String, id: String) -> Figure {
        let analysed = report.trajectories.filter(\.isAnalyzed)
        let values = analysed.flatMap(\.eigenvalues), residuals = analysed.flatMap(\.residuals)
        var chart = Chart(title: "\(input): eigenvalues of all trajectories", xLabel: "Re λ", yLabel: "Im λ")
        chart.id = id
        chart.equalAspect = true
        chart.layers.append(.circle(x: 0, y: 0, radius: 1, label: "|λ| = 1"))
        var how = "each eigenvalue a dot, coloured by its residual"
        if values.count > scatterLimit {
            let extent = max(1.05, values.map { max(abs($0.real), abs($0.imaginary)) }.filter(\.isFinite).max() ?? 1)
            let g = grid(values.map(\.real), values.map(\.imaginary), x: -extent...extent, y: -extent...extent,
                         bins: densityBins)
            chart.layers.insert(.density(xEdges: g.xEdges, yEdges: g.yEdges, values: g.counts, label: nil), at: 0)
            chart.colorBar = ("eigenvalues per cell (log scale)", 0, g.counts.max() ?? 0)
            how = "\(values.count) eigenvalues binned on a \(densityBins)×\(densityBins) grid, colour ∝ log(1 + count)"
        } else {
            chart.layers.append(.points(xs: values.map(\.real), ys: values.map(\.imaginary),
                                        colors: residuals.map { ColorScale.viridis($0) }, label: nil))
            chart.colorBar = ("residual (1 and above: top colour)", 0, 1)
        }
        let threshold = report.settings.residualThreshold
        let magnitudes = values.map(\.length)
        let table = Table(headers: ["eigenvalues", "trajectories", "mean |λ|", "share |λ| > 1",
                                    "share residual ≤ \(Markup.number(threshold))"],
                          rows: [[String(values.count), String(analysed.count), Markup.number(Statistics(magnitudes).mean),
                                  share(magnitudes.filter { $0 > 1 }.count, values.count),
                                  share(residuals.filter { $0 <= threshold }.count, values.count)]])
        return Figure(name: id, chart: chart, caption: "Pooled spectrum: \(how).", table: table)
    }

    /// Residual against |λ| for every eigenvalue.
    static func residualAgainstMagnitude(_ report: AnalysisReport, input: String, id: String) -> Figure {
        let analysed = report.trajectories.filter(\.isAnalyzed)
        let magnitudes = analysed.flatMap { $0.eigenvalues.map(\.length) }
        let residuals = analysed.flatMap(\.residuals)
        var chart = Chart(title: "\(input): residual against |λ|", xLabel: "|λ|", yLabel: "residual (capped at 2)")
        chart.id = id
        let capped = residuals.map { min($0, 2) }
        var how = "each eigenvalue a dot"
        if magnitudes.count > scatterLimit {
            let hi = max(1.05, (magnitudes.filter(\.isFinite).max() ?? 1) * 1.02)
            let g = grid(magnitudes, capped, x: 0...hi, y: 0...2.02, bins: densityBins)
            chart.layers.append(.density(xEdges: g.xEdges, yEdges: g.yEdges, values: g.counts, label: nil))
            chart.colorBar = ("eigenvalues per cell (log scale)", 0, g.counts.max() ?? 0)
            how = "\(magnitudes.count) eigenvalues binned on a \(densityBins)×\(densityBins) grid"
        } else {
            chart.layers.append(.points(xs: magnitudes, ys: capped, colors: [ColorScale.series(0)], label: nil))
        }
        // Median residual in five |λ| bands.
        let bands: [(String, ClosedRange<Double>)] = [("< 0.25", 0...0.25), ("0.25–0.5", 0.25...0.5),
                                                      ("0.5–0.75", 0.5...0.75), ("0.75–1", 0.75...1), ("> 1", 1...Double.infinity)]
        let rows = bands.map { name, band -> [String] in
            let inBand = zip(magnitudes, residuals).filter { band.contains($0.0) && !($0.0 == band.upperBound && band.upperBound < .infinity) }
            return [name, String(inBand.count), Markup.number(Statistics(inBand.map(\.1).filter(\.isFinite)).median)]
        }
        return Figure(name: id, chart: chart,
                      caption: "How well the data support each eigenvalue: \(how); residuals above 2 drawn at 2.",
                      table: Table(headers: ["|λ|", "eigenvalues", "median residual"], rows: rows))
    }

    /// The distribution of one DSD across inputs, overlaid, with each input's statistics.
    static func distribution(_ inputs: [(name: String, report: AnalysisReport)], kind: DSDKind, id: String) -> Figure {
        let samples = inputs.map { kind.values($0.report) }
        let pooled = samples.flatMap { $0 }
        let lo = pooled.min() ?? 0, hi = pooled.max() ?? 1
        let range = lo < hi ? lo...hi : (lo - 0.5)...(hi + 0.5)
        let bins = max(5, min(40, Int(Double(pooled.count / max(inputs.count, 1)).squareRoot()) + 1))
        var chart = Chart(title: "Distribution of \(kind.name)", xLabel: kind.axis, yLabel: "trajectories")
        chart.id = id
        for (k, sample) in samples.enumerated() {
            let h = histogram(sample, range: range, bins: bins)
            chart.layers.append(.bars(edges: h.edges, counts: h.counts, color: ColorScale.series(k), label: inputs[k].name))
        }
        let rows = zip(inputs, samples).map { input, sample -> [String] in
            let s = Statistics(sample)
            return [input.name, String(s.count), Markup.number(s.mean), Markup.number(s.standardDeviation),
                    Markup.number(s.min), Markup.number(s.median), Markup.number(s.max)]
        }
        return Figure(name: id, chart: chart,
                      caption: "\(kind.name) (\(kind.meaning)) over the analysed trajectories, \(bins) bins.",
                      table: Table(headers: ["input", "count", "mean", "std", "min", "median", "max"], rows: rows))
    }

    /// Each trajectory's DSD by GRPO group, with the group's range.
    static func byGroup(_ report: AnalysisReport, input: String, id: String) -> Figure {
        let analysed = report.trajectories.filter { $0.isAnalyzed && $0.group != nil && $0.dsd.isFinite }
        var chart = Chart(title: "\(input): dsd by group", xLabel: "group (prompt)", yLabel: "dsd (Var |λ|)")
        chart.id = id
        let groups = report.summary.groups
        chart.xCategories = Dictionary(uniqueKeysWithValues: groups.map { ($0.group, String($0.group)) })
        chart.layers.append(.ranges(xs: groups.map { Double($0.group) }, low: groups.map(\.block.dsd.min),
                                    high: groups.map(\.block.dsd.max), color: "#999999"))
        chart.layers.append(.points(xs: analysed.map { Double($0.group!) }, ys: analysed.map(\.dsd),
                                    colors: analysed.map { ($0.reward ?? 0) > 0 ? ColorScale.series(2) : ColorScale.series(1) },
                                    label: nil))
        var rows = groups.prefix(30).map { g, b in
            [String(g), "\(b.analyzed)/\(b.count)", b.meanReward.map(Markup.number) ?? "–", Markup.number(b.dsd.mean),
             Markup.number(b.dsd.standardDeviation)]
        }
        if groups.count > 30 { rows.append(["…", "(\(groups.count) groups)", "", "", ""]) }
        return Figure(name: id, chart: chart,
                      caption: "One dot per trajectory (green: positive reward, orange: zero); grey bars span each group.",
                      table: Table(headers: ["group", "analysed", "mean reward", "dsd mean", "dsd std"], rows: rows))
    }

    private static func share(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "–" : Markup.number(Double(part) / Double(whole))
    }
}

/// The three DSDs a report shows.
enum DSDKind: CaseIterable {
    case paper, reference, filtered

    var name: String {
        switch self {
        case .paper: "dsd"
        case .reference: "dsd_reference"
        case .filtered: "dsd_filtered"
        }
    }

    var meaning: String {
        switch self {
        case .paper: "variance of the eigenvalue magnitudes |λ|"
        case .reference: "variance of √(s² + 10⁻³) over the singular values of K"
        case .filtered: "variance of |λ| over eigenvalues with small residual"
        }
    }

    var axis: String {
        switch self {
        case .paper: "dsd (Var |λ|)"
        case .reference: "dsd_reference (Var √(s² + 10⁻³))"
        case .filtered: "dsd_filtered (Var |λ|, residual ≤ ε)"
        }
    }

    func values(_ report: AnalysisReport) -> [Double] {
        report.trajectories.filter(\.isAnalyzed).map { t in
            switch self {
            case .paper: t.dsd
            case .reference: t.dsdReference
            case .filtered: t.dsdFiltered
            }
        }.filter(\.isFinite)
    }
}
