/// The pictures of training runs: one metric per picture, runs overlaid.
enum RunFigures {
    /// The metrics a researcher looks at first, with their axis labels (VeRL's key names).
    static let metrics: [(keys: [String], title: String, axis: String)] = [
        ([Metric.criticScoreMean], "Reward", "mean verifier reward"),
        ([Metric.actorDSDMean, Metric.evalDSDMean], "DSD", "mean dsd: rollouts, and held-out greedy responses (Var |λ|)"),
        ([Metric.actorEntropy], "Token entropy", "entropy (nats per token)"),
        ([Metric.responseLengthMean], "Response length", "tokens"),
        ([Metric.actorGradNorm], "Gradient norm", "L2 norm before clipping"),
        ([Metric.actorPPOKL, Metric.actorKLLoss], "KL", "KL (nats per token)"),
        ([Metric.actorPGClipfrac], "Clip fraction", "fraction of tokens clipped"),
    ]

    static func figures(_ runs: [TrainingRun], startingID: Int) -> [Figure] {
        var figures: [Figure] = []
        var id = startingID
        // Accuracies only: the held-out DSD is drawn with the rollouts' DSD.
        let evalKeys = Array(Set(runs.flatMap { $0.keys.filter { $0.hasPrefix(Metric.evalPrefix) && !$0.hasPrefix(Metric.evalDSDPrefix) } })).sorted()
        let all = metrics + (evalKeys.isEmpty ? [] : [(evalKeys, "Held-out accuracy", "accuracy (fraction correct)")])
        for metric in all {
            var series: [(label: String, points: [(Double, Double)], full: [(Double, Double)])] = []
            for run in runs {
                for key in metric.keys {
                    let points = run.series(key)
                    guard !points.isEmpty else { continue }
                    let label = metric.keys.count > 1 ? "\(run.name) \(key)" : run.name
                    series.append((label, decimate(points), points))
                }
            }
            guard !series.isEmpty else { continue }
            var chart = Chart(title: metric.title, xLabel: "training step", yLabel: metric.axis)
            chart.id = "figure-\(id)"
            for (k, s) in series.enumerated() {
                chart.layers.append(.line(xs: s.points.map(\.0), ys: s.points.map(\.1), color: ColorScale.series(k),
                                          label: s.label))
                if s.points.count <= 60 {
                    chart.layers.append(.points(xs: s.points.map(\.0), ys: s.points.map(\.1),
                                                colors: [ColorScale.series(k)], label: nil))
                }
            }
            let decimated = series.contains { $0.points.count < $0.full.count }
            let rows = series.map { s -> [String] in
                let values = s.full.map(\.1)
                let stats = Statistics(values)
                return [s.label, String(s.full.count), Markup.number(values.first ?? .nan), Markup.number(values.last ?? .nan),
                        Markup.number(stats.min), Markup.number(stats.max)]
            }
            figures.append(Figure(
                name: "figure-\(id)", chart: chart,
                caption: "\(metric.title) over training (\(metric.keys.joined(separator: ", ")))"
                    + (decimated ? "; long series drawn with each bucket's lowest and highest value" : "") + ".",
                table: Table(headers: ["run", "steps", "first", "last", "min", "max"], rows: rows)))
            id += 1
        }
        return figures
    }
}
