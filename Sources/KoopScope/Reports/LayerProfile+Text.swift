import FoundationEssentials

/// A layer profile as `koopscope analyze --all-layers` writes it (table, JSON or CSV), and read back.
extension LayerProfile {
    /// The value of the top-level `format` key of the JSON form.
    public static let formatName = "koopscope-layers"
    public static let formatVersion = 1

    /// The profile in `format`: the JSON has `format`, `dump`, `dictionary`, `settings` (as an
    /// analysis has them) and `layers`, one object per layer with its statistics.
    public func text(_ format: AnalysisFormat) throws -> String {
        switch format {
        case .json:
            var out = ReportDocument.opening(format: Self.formatName, version: Self.formatVersion,
                                             try ReportDocument.headerMembers(header))
            out += "\"layers\": [\n" + (try layers.map { try compactJSON(LayerJSON(layer: $0)) }.joined(separator: ",\n"))
            return out + "\n]\n}\n"
        case .csv:
            var out = "layer,depth,dataset,count,analyzed,dsd_mean,dsd_std,dsd_median,dsd_reference_mean,dsd_filtered_mean,"
                + "spectral_radius_mean,spectral_radius_max,effective_rank_mean\n"
            for l in layers {
                let s = l.summary
                out += [l.layer.map(String.init) ?? "", l.depth.map(String.init) ?? "", csvText(l.dataset), String(s.count),
                        String(s.analyzed), csvNumber(s.dsd.mean), csvNumber(s.dsd.standardDeviation), csvNumber(s.dsd.median),
                        csvNumber(s.dsdReference.mean), csvNumber(s.dsdFiltered.mean), csvNumber(l.spectralRadius.mean),
                        csvNumber(l.spectralRadius.max), csvNumber(s.effectiveRank.mean)].joined(separator: ",") + "\n"
            }
            return out
        case .table:
            let h = header
            var out = "\(h.dump.path): \(h.dump.count) trajectories, d = \(h.dump.dimension), \(layers.count) layers\n"
            out += "dictionary: " + (h.dictionary.kind == "identity" ? "identity — exact DMD, rank \(h.settings.rank ?? "?")"
                                     : "\(h.dictionary.source); m = \(h.dictionary.m ?? 0)") + "\n\n"
            let withRank = layers.contains { $0.summary.effectiveRank.count > 0 }
            var rows = [["layer", "depth", "analysed", "dsd mean", "dsd std", "dsd median", "max|λ| mean", "max|λ| max"]
                        + (withRank ? ["erank mean"] : [])]
            for l in layers {
                let s = l.summary
                rows.append([l.name, l.depth.map(String.init) ?? "-", "\(s.analyzed)/\(s.count)", shortNumber(s.dsd.mean),
                             shortNumber(s.dsd.standardDeviation), shortNumber(s.dsd.median),
                             shortNumber(l.spectralRadius.mean), shortNumber(l.spectralRadius.max)]
                            + (withRank ? [shortNumber(s.effectiveRank.mean)] : []))
            }
            return out + aligned(rows)
        }
    }

    /// Reads the JSON form back (for `koopscope report`).
    public init(json data: Data, path: String) throws {
        try self.init(root: try ReportDocument.root(data, path: path), path: path)
    }

    /// Reads the JSON form's parsed top-level object.
    init(root: [String: JSONValue], path: String) throws {
        try ReportDocument.requireFormat(root, Self.formatName, version: Self.formatVersion, path: path)
        let header = try AnalysisReport.header(from: root, path: path)
        guard let entries = root["layers"]?.array?.compactMap(\.object), entries.count == root["layers"]?.array?.count else {
            throw ReportError.malformedAnalysis(path: path, detail: "\"layers\" is missing or not a list")
        }
        func statistics(_ o: [String: JSONValue], _ key: String) -> Statistics {
            guard let s = o[key]?.object else { return Statistics([Double]()) }
            return Statistics(count: s["count"]?.int ?? 0, mean: s["mean"]?.double ?? .nan, standardDeviation: s["std"]?.double ?? .nan,
                              min: s["min"]?.double ?? .nan, median: s["median"]?.double ?? .nan, max: s["max"]?.double ?? .nan)
        }
        let layers = try entries.enumerated().map { k, o -> Layer in
            guard let dataset = o["dataset"]?.string, let count = o["count"]?.int, let analyzed = o["analyzed"]?.int else {
                throw ReportError.malformedAnalysis(path: path, detail: "layer entry \(k) lacks its dataset or counts")
            }
            let block = AnalysisSummary.Block(count: count, analyzed: analyzed, dsd: statistics(o, "dsd"),
                                              dsdReference: statistics(o, "dsd_reference"),
                                              dsdFiltered: statistics(o, "dsd_filtered"),
                                              effectiveRank: statistics(o, "effective_rank"))
            return Layer(layer: o["layer"]?.int, depth: o["depth"]?.int, dataset: dataset, summary: block,
                         spectralRadius: statistics(o, "spectral_radius"))
        }
        self.init(header: header, layers: layers)
    }
}

/// One layer's entry in the JSON form.
private struct LayerJSON: Encodable {
    let layer: LayerProfile.Layer

    enum Keys: String, CodingKey { case layer, depth, dataset, spectralRadius = "spectral_radius" }

    /// The summary block's keys as an analysis's summary has them, and the layer's own beside them.
    func encode(to encoder: Encoder) throws {
        try layer.summary.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(layer.layer, forKey: .layer)
        try c.encode(layer.depth, forKey: .depth)
        try c.encode(layer.dataset, forKey: .dataset)
        try c.encode(layer.spectralRadius, forKey: .spectralRadius)
    }
}
