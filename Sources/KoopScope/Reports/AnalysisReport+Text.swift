import Foundation

extension AnalysisReport {
    /// One CSV row per trajectory with the scalar columns; empty fields for undefined values.
    public func csv() -> String {
        var lines = ["index,length,group,reward,dsd,dsd_reference,dsd_filtered,kept,spectral_radius,rank,skipped,flags"]
        for t in trajectories {
            let analysed = t.isAnalyzed
            let fields: [String] = [
                String(t.index), String(t.length), t.group.map(String.init) ?? "", csvNumber(t.reward),
                analysed ? csvNumber(t.dsd) : "", analysed ? csvNumber(t.dsdReference) : "",
                analysed ? csvNumber(t.dsdFiltered) : "", analysed ? String(t.kept) : "",
                analysed ? csvNumber(t.spectralRadius) : "", t.rank.map(String.init) ?? "",
                csvText(t.skipped ?? ""), csvText(t.flags.joined(separator: "; ")),
            ]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A table for a terminal: a header, one row per trajectory, then the summary.
    public func table() -> String {
        var out = "\(dump.path): \(dump.count) trajectories, d = \(dump.dimension), \(dump.elementType)\n"
        switch dictionary.kind {
        case "identity":
            out += "dictionary: identity — exact DMD, rank \(settings.rank ?? "?")\n"
        default:
            out += "dictionary: \(dictionary.source); m = \(dictionary.m ?? 0), d = \(dictionary.d)"
                + (dictionary.hasBias ? ", with bias" : "") + "; sha256 \(dictionary.sha256?.prefix(16) ?? "")…\n"
            out += "estimator: " + (settings.ridge.map { "ridge, δ = \(shortNumber($0))" }
                                    ?? "pseudo-inverse, rcond = \(shortNumber(settings.rcond ?? 0))") + "\n"
        }
        out += "residual threshold \(shortNumber(settings.residualThreshold)); \(settings.variance.rawValue) variance\n\n"
        var rows: [[String]] = [["index", "T", "group", "reward", "dsd", "dsd_reference", "dsd_filtered", "kept",
                                 "max|λ|", "note"]]
        for t in trajectories {
            let note = t.skipped.map { "skipped: " + $0 } ?? t.flags.joined(separator: "; ")
            if t.isAnalyzed {
                rows.append([String(t.index), String(t.length), t.group.map(String.init) ?? "-",
                             t.reward.map(shortNumber) ?? "-", shortNumber(t.dsd), shortNumber(t.dsdReference),
                             shortNumber(t.dsdFiltered), "\(t.kept)/\(t.eigenvalues.count)",
                             shortNumber(t.spectralRadius), note])
            } else {
                rows.append([String(t.index), String(t.length), t.group.map(String.init) ?? "-",
                             t.reward.map(shortNumber) ?? "-", "-", "-", "-", "-", "-", note])
            }
        }
        out += aligned(rows)
        let o = summary.overall
        out += "\n\(o.analyzed) analysed, \(o.skipped) skipped, \(summary.flagged) flagged\n"
        var stats: [[String]] = [["", "count", "mean", "std", "min", "median", "max"]]
        for (name, s) in [("dsd", o.dsd), ("dsd_reference", o.dsdReference), ("dsd_filtered", o.dsdFiltered)] {
            stats.append([name, String(s.count), shortNumber(s.mean), shortNumber(s.standardDeviation),
                          shortNumber(s.min), shortNumber(s.median), shortNumber(s.max)])
        }
        out += aligned(stats)
        if !summary.groups.isEmpty {
            out += "\nper group\n"
            var groupRows: [[String]] = [["group", "n", "reward", "dsd mean", "dsd std", "reference mean",
                                          "filtered mean"]]
            for (group, b) in summary.groups {
                groupRows.append([String(group), "\(b.analyzed)/\(b.count)", b.meanReward.map(shortNumber) ?? "-",
                                  shortNumber(b.dsd.mean), shortNumber(b.dsd.standardDeviation),
                                  shortNumber(b.dsdReference.mean), shortNumber(b.dsdFiltered.mean)])
            }
            out += aligned(groupRows)
        }
        return out
    }
}

/// A number in a few significant digits, `-` when undefined.
func shortNumber(_ x: Double) -> String {
    if x.isNaN { return "-" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded() && abs(x) < 1e6 { return String(Int(x)) }
    return String(format: "%.4g", x)
}

private func csvNumber(_ x: Double?) -> String {
    guard let x, x.isFinite else { return "" }
    return "\(x)"
}

private func csvText(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
        ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}

/// Rows as left-aligned columns separated by two spaces.
private func aligned(_ rows: [[String]]) -> String {
    let widths = (0..<(rows.first?.count ?? 0)).map { j in rows.map { $0[j].count }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { j, cell in
            j == row.count - 1 ? cell : cell.padding(toLength: widths[j], withPad: " ", startingAt: 0)
        }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }.joined(separator: "\n") + "\n"
}
