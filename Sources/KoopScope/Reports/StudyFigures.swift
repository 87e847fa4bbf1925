import FoundationEssentials

/// Pictures of layer profiles (DSD and spectral radius against depth) and of comparisons between
/// two analyses (per-pair distances, DSD of B against A).
enum StudyFigures {
    /// DSD (mean with a band of ± one standard deviation) and the mean spectral radius of each
    /// layer, against its depth (or its place, when the dump does not give the model's depth).
    static func layers(_ profile: LayerProfile, input: String, id: String) -> [Figure] {
        let depth = profile.layers.enumerated().map { k, l in Double(l.depth ?? k) }
        let axis = profile.layers.allSatisfy { $0.depth != nil } ? "depth (index into hidden_states)" : "layer (in order)"
        var dsd = Chart(title: "\(input): dsd by layer", xLabel: axis, yLabel: "dsd (Var |λ|)")
        dsd.id = id + "-dsd"
        let mean = profile.layers.map(\.summary.dsd.mean), std = profile.layers.map(\.summary.dsd.standardDeviation)
        dsd.layers.append(.band(xs: depth, low: zip(mean, std).map { $0 - $1 }, high: zip(mean, std).map { $0 + $1 },
                                color: ColorScale.series(0)))
        dsd.layers.append(.line(xs: depth, ys: mean, color: ColorScale.series(0), label: "mean ± std"))
        dsd.layers.append(.points(xs: depth, ys: mean, colors: [ColorScale.series(0)], label: nil))
        var radius = Chart(title: "\(input): spectral radius by layer", xLabel: axis, yLabel: "max |λ|")
        radius.id = id + "-radius"
        radius.layers.append(.ranges(xs: depth, low: profile.layers.map(\.spectralRadius.min),
                                     high: profile.layers.map(\.spectralRadius.max), color: "#999999"))
        radius.layers.append(.line(xs: depth, ys: profile.layers.map(\.spectralRadius.mean), color: ColorScale.series(1),
                                   label: "mean (bars: min to max)"))
        let rows = profile.layers.map { l in
            [l.name, l.depth.map(String.init) ?? "–", "\(l.summary.analyzed)/\(l.summary.count)", Markup.number(l.summary.dsd.mean),
             Markup.number(l.summary.dsd.standardDeviation), Markup.number(l.spectralRadius.mean)]
        }
        let table = Table(headers: ["layer", "depth", "analysed", "dsd mean", "dsd std", "max |λ| mean"], rows: rows)
        return [Figure(name: dsd.id, chart: dsd, caption: "DSD of each layer's trajectories, same dictionary and settings.",
                       table: table),
                Figure(name: radius.id, chart: radius, caption: "The largest |λ| of each trajectory, by layer.",
                       table: Table(headers: [], rows: []))]
    }

    /// The per-pair W1 as a histogram, and each pair's DSD in B against A with the diagonal.
    static func comparison(_ c: SpectralComparison, input: String, id: String) -> [Figure] {
        let w = c.pairs.compactMap(\.distance)
        var histogram = Chart(title: "\(input): W1 between paired spectra", xLabel: "W1", yLabel: "pairs")
        histogram.id = id + "-w1"
        if let lo = w.min(), let hi = w.max() {
            let (edges, counts) = KoopScope.histogram(w, range: lo...(hi > lo ? hi : lo + 1), bins: 30)
            histogram.layers.append(.bars(edges: edges, counts: counts, color: ColorScale.series(0), label: nil))
        }
        let both = c.pairs.filter { $0.dsdA.isFinite && $0.dsdB.isFinite }
        var scatter = Chart(title: "\(input): dsd of B against A", xLabel: "dsd, A", yLabel: "dsd, B")
        scatter.id = id + "-dsd"
        let all = both.flatMap { [$0.dsdA, $0.dsdB] }
        if let lo = all.min(), let hi = all.max() {
            scatter.layers.append(.line(xs: [lo, hi], ys: [lo, hi], color: "#999999", label: "B = A"))
        }
        scatter.layers.append(.points(xs: both.map(\.dsdA), ys: both.map(\.dsdB), colors: [ColorScale.series(1)], label: nil))
        let d = c.dsd
        let table = Table(headers: ["pairs", "mean W1", "pooled W1", "dsd B − A", "95% interval", "t p", "Wilcoxon p"],
                          rows: [[String(d.pairs), Markup.number(c.distances.mean),
                                  Markup.number(c.pooled.distance) + (c.pooled.bound > 0 ? " (± \(Markup.number(c.pooled.bound)))" : ""),
                                  Markup.number(d.meanDifference),
                                  "[\(Markup.number(d.confidenceInterval[0])), \(Markup.number(d.confidenceInterval[1]))]",
                                  Markup.number(d.t.p), Markup.number(d.wilcoxon.p)]])
        return [Figure(name: histogram.id, chart: histogram, caption: "W1 between each pair's eigenvalue sets.", table: table),
                Figure(name: scatter.id, chart: scatter, caption: "Points above the diagonal: B's DSD is higher.",
                       table: Table(headers: [], rows: []))]
    }
}
