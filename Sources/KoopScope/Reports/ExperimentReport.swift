import FoundationEssentials
import Glibc

/// The page of an experiment: for each metric, every arm's curve as the mean over its seeds with a
/// band from the lowest to the highest seed, and the experiment's tables.
///
/// ```swift
/// let report = ExperimentReport(title: "countdown-trace", arms: [("grpo", grpoRuns), ("relax", relaxRuns)],
///                               tables: [])
/// try report.html.write(toFile: "report.html", atomically: true, encoding: .utf8)
/// ```
public struct ExperimentReport {
    /// The metrics drawn, with their titles and axis labels.
    public static let metrics: [(key: String, title: String, axis: String)] = [
        (Metric.evalMeanAt1, "Held-out accuracy (greedy)", "mean@1"),
        (Metric.criticScoreMean, "Reward", "mean verifier reward of the rollouts"),
        (Metric.actorDSDMean, "DSD", "mean DSD of the rollouts (Var |λ|)"),
        (Metric.actorDSDWindowMean, "Windowed DSD", "mean DSD over the first W pairs"),
        (Metric.evalDSDMean, "Held-out DSD", "mean DSD of the greedy held-out responses"),
        (Metric.actorEntropy, "Token entropy", "entropy (nats per token)"),
        (Metric.responseLengthMean, "Response length", "tokens"),
        (Metric.actorDSDShortFraction, "Short trajectories", "fraction with T − 1 < m"),
    ]

    /// A table under the pictures.
    public struct Section: Sendable {
        public var title: String
        public var headers: [String]
        public var rows: [[String]]
        public init(title: String, headers: [String], rows: [[String]]) {
            self.title = title
            self.headers = headers
            self.rows = rows
        }
    }

    public let html: String
    /// Every picture as a standalone SVG document, by file-safe name.
    public let svgFiles: [(name: String, svg: String)]

    public init(title: String, arms: [(name: String, runs: [TrainingRun])], tables: [Section]) {
        var figures: [Figure] = []
        let evalKeys = Set(arms.flatMap { $0.runs.flatMap(\.keys) }).filter { $0.hasPrefix(Metric.evalMeanPrefix) || $0.hasPrefix(Metric.evalPassPrefix) }
        let extra = evalKeys.subtracting([Metric.evalMeanAt1]).sorted().map { ($0, "Held-out " + $0.dropFirst(Metric.evalPrefix.count), $0) }
        for (index, metric) in (Self.metrics + extra).enumerated() {
            var chart = Chart(title: metric.title, xLabel: "training step", yLabel: metric.axis)
            chart.id = "experiment-\(index)"
            var rows: [[String]] = []
            for (k, arm) in arms.enumerated() {
                let curve = Self.meanCurve(arm.runs.map { $0.series(metric.key) })
                guard !curve.isEmpty else { continue }
                let color = ColorScale.series(k)
                chart.layers.append(.band(xs: curve.map(\.step), low: curve.map(\.low), high: curve.map(\.high), color: color))
                chart.layers.append(.line(xs: curve.map(\.step), ys: curve.map(\.mean), color: color,
                                          label: "\(arm.name) (\(arm.runs.count) seeds)"))
                rows.append([arm.name, String(arm.runs.count), Markup.number(curve.first!.mean), Markup.number(curve.last!.mean),
                             Markup.number(curve.last!.low), Markup.number(curve.last!.high)])
            }
            guard !rows.isEmpty else { continue }
            let name = "experiment-" + metric.key.replacing("/", with: "-").replacing("@", with: "-at-")
            figures.append(Figure(name: name, chart: chart,
                                  caption: "\(metric.title) (\(metric.key)): the line is the mean over seeds at each step, "
                                      + "the band spans the lowest to the highest seed.",
                                  table: Table(headers: ["arm", "seeds", "first (mean)", "last (mean)", "last (lowest seed)",
                                                         "last (highest seed)"], rows: rows)))
        }
        var page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
            + "<title>\(Markup.escape(title))</title><style>\(HTMLReport.css)</style></head><body>"
        page += "<h1>\(Markup.escape(title))</h1>"
        for table in tables {
            page += "<section><h2>\(Markup.escape(table.title))</h2>" + Table(headers: table.headers, rows: table.rows).html + "</section>"
        }
        page += "<section><h2>Curves</h2><div class=\"row\">" + figures.map(\.html).joined() + "</div></section>"
        page += "<footer>koopscope experiment; DSD as defined in the project's math notes.</footer></body></html>\n"
        html = page
        svgFiles = figures.map { ($0.name, $0.chart.svg(standalone: true) + "\n") }
    }

    /// Mean, lowest and highest over the runs at each step that every run logged.
    static func meanCurve(_ series: [[(Double, Double)]]) -> [(step: Double, mean: Double, low: Double, high: Double)] {
        guard let first = series.first, !first.isEmpty else { return [] }
        let maps = series.map { Dictionary($0, uniquingKeysWith: { $1 }) }
        return first.map(\.0).compactMap { step in
            let values = maps.compactMap { $0[step] }
            guard values.count == maps.count else { return nil }
            return (step, values.reduce(0, +) / Double(values.count), values.min()!, values.max()!)
        }
    }
}
