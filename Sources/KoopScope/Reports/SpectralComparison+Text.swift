import FoundationEssentials

/// A comparison as `koopscope compare` writes it (table, JSON or CSV), and read back for `report`.
extension SpectralComparison {
    /// The value of the top-level `format` key of the JSON form.
    public static let formatName = "koopscope-comparison"
    public static let formatVersion = 1

    /// The comparison in `format`. JSON: `format`, `a` and `b` (the paths), `dictionary`,
    /// `settings`, `pooled`, `distance` (statistics of the per-pair W1), `dsd` (the paired test),
    /// and `pairs`, one object per trajectory.
    public func text(_ format: AnalysisFormat) throws -> String {
        switch format {
        case .json:
            var out = ReportDocument.opening(
                format: Self.formatName, version: Self.formatVersion,
                [("a", try compactJSON(pathA)), ("b", try compactJSON(pathB))] + (try ReportDocument.headerMembers(header, dump: false))
                    + [("pooled", try compactJSON(pooled)), ("distance", try compactJSON(distances)),
                       ("dsd", try compactJSON(PairedJSON(dsd)))])
            out += "\"pairs\": [\n" + (try pairs.map { try compactJSON($0) }.joined(separator: ",\n"))
            return out + "\n]\n}\n"
        case .csv:
            var out = "index,group,w1,dsd_a,dsd_b\n"
            for p in pairs {
                out += [String(p.index), p.group.map(String.init) ?? "", csvNumber(p.distance), csvNumber(p.dsdA),
                        csvNumber(p.dsdB)].joined(separator: ",") + "\n"
            }
            return out
        case .table:
            var out = "A: \(pathA)\nB: \(pathB)\n\(pairs.count) pairs of trajectories; dictionary "
                + (header.dictionary.kind == "identity" ? "identity (exact DMD)" : "\(header.dictionary.source), m = \(header.dictionary.m ?? 0)")
                + "\n\n"
            out += "W1 between eigenvalue sets (|z − w| in the complex plane)\n"
            out += aligned([
                ["", "count", "mean", "std", "min", "median", "max"],
                ["per pair", String(distances.count), shortNumber(distances.mean), shortNumber(distances.standardDeviation),
                 shortNumber(distances.min), shortNumber(distances.median), shortNumber(distances.max)],
            ])
            out += "pooled: \(shortNumber(pooled.distance)) (\(pooled.method)"
                + (pooled.bound > 0 ? ", within \(shortNumber(pooled.bound))" : "")
                + "; \(pooled.eigenvaluesA) and \(pooled.eigenvaluesB) eigenvalues)\n\n"
            out += "DSD, B − A over \(dsd.pairs) pairs\n"
            out += aligned([
                ["mean difference", "95% bootstrap interval", "paired t", "p", "Wilcoxon W", "p"],
                [shortNumber(dsd.meanDifference),
                 "[\(shortNumber(dsd.confidenceInterval[0])), \(shortNumber(dsd.confidenceInterval[1]))]",
                 shortNumber(dsd.t.statistic), shortNumber(dsd.t.p), shortNumber(dsd.wilcoxon.statistic),
                 shortNumber(dsd.wilcoxon.p)],
            ])
            return out
        }
    }

    /// Reads the JSON form back: the pairs and the pooled distance, the test recomputed from the
    /// pairs (of the two analyses' headers only the dictionary and settings are kept).
    public init(json data: Data, path: String) throws {
        try self.init(root: try ReportDocument.root(data, path: path), path: path)
    }

    /// Reads the JSON form's parsed top-level object.
    init(root: [String: JSONValue], path: String) throws {
        try ReportDocument.requireFormat(root, Self.formatName, version: Self.formatVersion, path: path)
        var full = root
        full["dump"] = .object(["path": .string(path)])
        let header = try AnalysisReport.header(from: full, path: path)
        guard let rows = root["pairs"]?.array?.compactMap(\.object), let pooled = root["pooled"]?.object else {
            throw ReportError.malformedAnalysis(path: path, detail: "\"pairs\" or \"pooled\" is missing")
        }
        pathA = root["a"]?.string ?? "A"
        pathB = root["b"]?.string ?? "B"
        self.header = header
        pairs = try rows.enumerated().map { k, row in
            guard let index = row["index"]?.int else { throw ReportError.malformedAnalysis(path: path, detail: "pair \(k) has no index") }
            return Pair(index: index, group: row["group"]?.int, distance: row["w1"]?.double,
                        dsdA: row["dsd_a"]?.double ?? .nan, dsdB: row["dsd_b"]?.double ?? .nan)
        }
        self.pooled = Pooled(distance: pooled["w1"]?.double ?? .nan, bound: pooled["bound"]?.double ?? 0,
                             method: pooled["method"]?.string ?? "?", eigenvaluesA: pooled["eigenvalues_a"]?.int ?? 0,
                             eigenvaluesB: pooled["eigenvalues_b"]?.int ?? 0)
        dsd = PairedComparison(baseline: pairs.map(\.dsdA), method: pairs.map(\.dsdB))
        distances = Statistics(pairs.compactMap(\.distance))
    }
}

extension SpectralComparison.Pooled: Encodable {
    enum Keys: String, CodingKey { case w1, bound, method, eigenvaluesA = "eigenvalues_a", eigenvaluesB = "eigenvalues_b" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeNumber(distance, forKey: .w1)
        try c.encodeNumber(bound, forKey: .bound)
        try c.encode(method, forKey: .method)
        try c.encode(eigenvaluesA, forKey: .eigenvaluesA)
        try c.encode(eigenvaluesB, forKey: .eigenvaluesB)
    }
}

private struct PairedJSON: Encodable {
    let value: PairedComparison
    init(_ value: PairedComparison) { self.value = value }
    enum Keys: String, CodingKey {
        case pairs, meanDifference = "mean_difference", interval = "bootstrap_interval_95", t, tP = "t_p"
        case wilcoxon, wilcoxonP = "wilcoxon_p"
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(value.pairs, forKey: .pairs)
        try c.encodeNumber(value.meanDifference, forKey: .meanDifference)
        try c.encode(value.confidenceInterval.map { $0.isFinite ? $0 : nil }, forKey: .interval)
        try c.encodeNumber(value.t.statistic, forKey: .t)
        try c.encodeNumber(value.t.p, forKey: .tP)
        try c.encodeNumber(value.wilcoxon.statistic, forKey: .wilcoxon)
        try c.encodeNumber(value.wilcoxon.p, forKey: .wilcoxonP)
    }
}

extension SpectralComparison.Pair: Encodable {
    enum Keys: String, CodingKey { case index, group, w1, dsdA = "dsd_a", dsdB = "dsd_b" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(index, forKey: .index)
        try c.encodeIfPresent(group, forKey: .group)
        try c.encodeNumber(distance, forKey: .w1)
        try c.encodeNumber(dsdA, forKey: .dsdA)
        try c.encodeNumber(dsdB, forKey: .dsdB)
    }
}
