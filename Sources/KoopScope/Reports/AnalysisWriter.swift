import FoundationEssentials
import Glibc

/// The formats an analysis is written in.
public enum AnalysisFormat: String, Sendable, CaseIterable {
    /// Aligned columns for a terminal, then the summary.
    case table
    /// One object: `format`, `format_version`, `dump`, `dictionary`, `settings`, `shard` (only
    /// for a part of a sharded analysis), `trajectories`
    /// (one object per line), `summary`.
    case json
    /// One row per trajectory with the scalar columns.
    case csv
}

/// Writes an analysis as it is produced — header, one trajectory at a time, summary — so
/// that no report needs all trajectories in memory.
///
/// ```swift
/// let writer = AnalysisWriter(format: .csv) { text in FileHandle.standardOutput.write(Data(text.utf8)) }
/// let (header, summary) = try analyzer.analyze(dump) { try writer.add($0) }
/// try writer.finish(summary)
/// ```
public final class AnalysisWriter {
    public let format: AnalysisFormat
    private let emit: (String) throws -> Void
    private var first = true
    /// Whether the table has the effective-rank column.
    private var withEffectiveRank = false

    /// A writer that hands its text, piece by piece, to `emit`.
    public init(format: AnalysisFormat, emit: @escaping (String) throws -> Void) {
        self.format = format
        self.emit = emit
    }

    /// Writes what precedes the trajectories.
    public func begin(_ header: AnalysisHeader) throws {
        switch format {
        case .json:
            try emit(ReportDocument.opening(format: AnalysisReport.formatName, version: AnalysisReport.formatVersion,
                                            try ReportDocument.headerMembers(header)))
            if let shard = header.shard { try emit("\"shard\": \(try compactJSON(shard)),\n") }
            try emit("\"trajectories\": [")
        case .csv:
            try emit("index,length,group,reward,dsd,dsd_reference,dsd_filtered,kept,spectral_radius,rank,skipped,flags"
                     + (header.settings.effectiveRank ? ",effective_rank\n" : "\n"))
        case .table:
            withEffectiveRank = header.settings.effectiveRank
            try emit(tableHeader(header))
        }
    }

    /// Writes one trajectory.
    public func add(_ t: TrajectoryAnalysis) throws {
        switch format {
        case .json:
            try emit((first ? "\n" : ",\n") + (try compactJSON(t)))
        case .csv:
            let analysed = t.isAnalyzed
            let fields: [String] = [
                String(t.index), String(t.length), t.group.map(String.init) ?? "", csvNumber(t.reward),
                analysed ? csvNumber(t.dsd) : "", analysed ? csvNumber(t.dsdReference) : "",
                analysed ? csvNumber(t.dsdFiltered) : "", analysed ? String(t.kept) : "",
                analysed ? csvNumber(t.spectralRadius) : "", t.rank.map(String.init) ?? "",
                csvText(t.skipped ?? ""), csvText(t.flags.joined(separator: "; ")),
            ] + (t.effectiveRank.map { [csvNumber($0)] } ?? [])
            try emit(fields.joined(separator: ",") + "\n")
        case .table:
            let note = t.skipped.map { "skipped: " + $0 } ?? t.flags.joined(separator: "; ")
            let rank = withEffectiveRank ? [t.effectiveRank.map(shortNumber) ?? "-"] : []
            let cells: [String] = t.isAnalyzed
                ? [String(t.index), String(t.length), t.group.map(String.init) ?? "-", t.reward.map(shortNumber) ?? "-",
                   shortNumber(t.dsd), shortNumber(t.dsdReference), shortNumber(t.dsdFiltered),
                   "\(t.kept)/\(t.eigenvalues.count)", shortNumber(t.spectralRadius)] + rank + [note]
                : [String(t.index), String(t.length), t.group.map(String.init) ?? "-", t.reward.map(shortNumber) ?? "-",
                   "-", "-", "-", "-", "-"] + rank + [note]
            try emit(tableRow(cells))
        }
        first = false
    }

    /// Writes what follows the trajectories.
    public func finish(_ summary: AnalysisSummary) throws {
        switch format {
        case .json:
            try emit((first ? "" : "\n") + "],\n\"summary\": \(try compactJSON(summary))\n}\n")
        case .csv:
            break
        case .table:
            try emit(tableSummary(summary))
        }
    }

    // MARK: Table

    private var widths: [Int] { [6, 6, 6, 7, 10, 14, 13, 6, 8] + (withEffectiveRank ? [7] : []) }

    private func tableRow(_ cells: [String]) -> String {
        var line = ""
        for (j, cell) in cells.enumerated() {
            line += j < widths.count ? cell.columnPadded(to: max(widths[j], cell.count + 1)) + " " : cell
        }
        return line.droppingTrailingWhitespace() + "\n"
    }

    private func tableHeader(_ h: AnalysisHeader) -> String {
        var out = "\(h.dump.path)" + (h.dump.layer.map { " (layer \($0))" } ?? "")
            + ": \(h.dump.count) trajectories, d = \(h.dump.dimension), \(h.dump.elementType)\n"
        if h.dictionary.kind == "identity" {
            out += "dictionary: identity — exact DMD, rank \(h.settings.rank ?? "?")\n"
        } else {
            out += "dictionary: \(h.dictionary.source); m = \(h.dictionary.m ?? 0), d = \(h.dictionary.d)"
                + (h.dictionary.hasBias ? ", with bias" : "") + "; sha256 \(h.dictionary.sha256?.prefix(16) ?? "")…\n"
            out += "estimator: " + (h.settings.ridge.map { "ridge, δ = \(shortNumber($0))" }
                                    ?? "pseudo-inverse, rcond = \(shortNumber(h.settings.rcond ?? 0))") + "\n"
        }
        out += "residual threshold \(shortNumber(h.settings.residualThreshold)); \(h.settings.variance.rawValue) variance\n"
        if let s = h.shard {
            out += "shard \(s.shard): trajectories \(s.trajectories.lowerBound)…\(s.trajectories.upperBound - 1)\n"
        }
        out += "\n"
        return out + tableRow(["index", "T", "group", "reward", "dsd", "dsd_reference", "dsd_filtered", "kept",
                               "max|λ|"] + (withEffectiveRank ? ["erank"] : []) + ["note"])
    }

    private func tableSummary(_ summary: AnalysisSummary) -> String {
        let o = summary.overall
        var out = "\n\(o.analyzed) analysed, \(o.skipped) skipped, \(summary.flagged) flagged\n"
        var stats: [[String]] = [["", "count", "mean", "std", "min", "median", "max"]]
        for (name, s) in [("dsd", o.dsd), ("dsd_reference", o.dsdReference), ("dsd_filtered", o.dsdFiltered)]
            + (o.effectiveRank.count > 0 ? [("effective_rank", o.effectiveRank)] : []) {
            stats.append([name, String(s.count), shortNumber(s.mean), shortNumber(s.standardDeviation),
                          shortNumber(s.min), shortNumber(s.median), shortNumber(s.max)])
        }
        out += aligned(stats)
        if !summary.groups.isEmpty {
            out += "\nper group\n"
            var rows: [[String]] = [["group", "n", "reward", "dsd mean", "dsd std", "reference mean", "filtered mean"]]
            for (group, b) in summary.groups {
                rows.append([String(group), "\(b.analyzed)/\(b.count)", b.meanReward.map(shortNumber) ?? "-",
                             shortNumber(b.dsd.mean), shortNumber(b.dsd.standardDeviation),
                             shortNumber(b.dsdReference.mean), shortNumber(b.dsdFiltered.mean)])
            }
            out += aligned(rows)
        }
        return out
    }
}

extension AnalysisReport {
    /// The report in `format`, whole, as text.
    public func text(_ format: AnalysisFormat) throws -> String {
        var out = ""
        let writer = AnalysisWriter(format: format) { out += $0 }
        try writer.begin(header)
        for t in trajectories { try writer.add(t) }
        try writer.finish(summary)
        return out
    }
}

/// One value as compact JSON with sorted keys (a string as its escaped literal), by Foundation's encoder.
public func compactJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

func csvNumber(_ x: Double?) -> String {
    guard let x, x.isFinite else { return "" }
    return "\(x)"
}

func csvText(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
        ? "\"" + s.replacing("\"", with: "\"\"") + "\"" : s
}

/// Rows as left-aligned columns separated by two spaces.
func aligned(_ rows: [[String]]) -> String {
    let widths = (0..<(rows.first?.count ?? 0)).map { j in rows.map { $0[j].count }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { j, cell in
            j == row.count - 1 ? cell : cell.columnPadded(to: widths[j])
        }.joined(separator: "  ").droppingTrailingWhitespace()
    }.joined(separator: "\n") + "\n"
}
