import FoundationEssentials
import Glibc

/// Combines the JSON parts of a sharded analysis (`koopscope analyze --shard K/N`) into the
/// report one unsharded run writes, byte for byte: the header of the parts, every
/// trajectory exactly as its part wrote it, in dump order, and the summary recomputed from
/// all of them (means, medians and per-group blocks alike).
///
/// ```swift
/// let parts = try paths.map { (path: $0, text: try String(contentsOfFile: $0, encoding: .utf8)) }
/// let report = try AnalysisMerge.merge(parts)   // the text `koopscope analyze --format json` writes
/// ```
public enum AnalysisMerge {
    /// The merged report of `parts`, given in any order; throws unless they are every shard
    /// of one analysis of one dump, each exactly once.
    public static func merge(_ parts: [(path: String, text: String)]) throws -> String {
        guard !parts.isEmpty else { throw MergeError.noParts }
        let read = try parts.map { try Part(path: $0.path, text: $0.text) }
        let first = read[0]
        var byIndex: [Int: Part] = [:]
        for part in read {
            for (what, mine, theirs) in [("dump", part.shard.dumpFingerprint, first.shard.dumpFingerprint),
                                         ("dictionary", part.dictionaryLine, first.dictionaryLine),
                                         ("settings", part.settingsLine, first.settingsLine),
                                         ("format", part.formatLines, first.formatLines)] where mine != theirs {
                throw MergeError.mismatch(path: part.path, what: what, other: first.path)
            }
            guard part.shard.shard.count == first.shard.shard.count else {
                throw MergeError.mismatch(path: part.path, what: "number of shards", other: first.path)
            }
            if let other = byIndex[part.shard.shard.index] {
                throw MergeError.repeated(path: part.path, shard: part.shard.shard.description, other: other.path)
            }
            byIndex[part.shard.shard.index] = part
        }
        let count = first.shard.shard.count
        guard byIndex.count == count else {
            let named = Array((1...count).lazy.filter { byIndex[$0] == nil }.prefix(8))
            throw MergeError.missing(shards: named, count: count, missing: count - byIndex.count)
        }
        let ordered = (1...count).map { byIndex[$0]! }
        // Dumps of the same fingerprint have the same N; check each part covers its share.
        let total = ordered.last!.shard.trajectories.upperBound
        for part in ordered where part.shard.trajectories != part.shard.shard.trajectories(of: total) {
            throw MergeError.malformed(path: part.path, detail: "shard \(part.shard.shard) of \(total) trajectories "
                                       + "should hold \(part.shard.shard.trajectories(of: total)), it says \(part.shard.trajectories)")
        }
        let lines = ordered.flatMap(\.trajectoryLines)
        let summary = AnalysisSummary(ordered.flatMap(\.records))
        var out = "{\n" + first.formatLines + "\n" + ordered[0].dumpLine + "\n" + first.dictionaryLine + "\n"
            + first.settingsLine + "\n\"trajectories\": ["
        out += lines.isEmpty ? "" : "\n" + lines.joined(separator: ",\n") + "\n"
        out += "],\n\"summary\": \(try compactJSON(summary))\n}\n"
        return out
    }

    /// One part as its writer laid it out: one header key per line, one trajectory per line.
    private struct Part {
        let path: String
        let formatLines: String
        let dumpLine: String
        let dictionaryLine: String
        let settingsLine: String
        let shard: AnalysisHeader.ShardInfo
        let trajectoryLines: [String]
        let records: [SummaryRecord]

        init(path: String, text: String) throws {
            self.path = path
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            func line(_ prefix: String) throws -> Int {
                guard let k = lines.firstIndex(where: { $0.hasPrefix(prefix) }) else {
                    throw MergeError.malformed(path: path, detail: "no line starting with \(prefix)")
                }
                return k
            }
            let format = try line("\"format\":"), dump = try line("\"dump\":")
            let dictionary = try line("\"dictionary\":"), settings = try line("\"settings\":")
            guard let shardLine = lines.firstIndex(where: { $0.hasPrefix("\"shard\":") }) else {
                throw MergeError.notAPart(path: path)
            }
            let open = try line("\"trajectories\": [")
            guard lines[format] == "\"format\": \"\(AnalysisReport.formatName)\",", format + 1 < lines.count,
                  lines[format + 1] == "\"format_version\": \(AnalysisReport.formatVersion),"
            else {
                throw MergeError.malformed(path: path, detail: "not format \"\(AnalysisReport.formatName)\" version "
                                           + "\(AnalysisReport.formatVersion)")
            }
            formatLines = lines[format] + "\n" + lines[format + 1]
            dumpLine = lines[dump]
            dictionaryLine = lines[dictionary]
            settingsLine = lines[settings]
            guard let shard = Self.shard(lines[shardLine], path: path) else {
                throw MergeError.malformed(path: path, detail: "unreadable \"shard\" entry")
            }
            self.shard = shard
            var body: [String] = []
            if lines[open] != "\"trajectories\": []," {
                var k = open + 1
                while k < lines.count, lines[k] != "]," {
                    body.append(lines[k].hasSuffix(",") ? String(lines[k].dropLast()) : lines[k])
                    k += 1
                }
            }
            // JSONDecoder reads numbers exactly (JSONSerialization may not, on Linux), so the
            // recomputed summary sees the very values the parts' runs summarised.
            let decoder = JSONDecoder()
            let fields = try body.map { line in
                do { return try decoder.decode(SummaryFields.self, from: Data(line.utf8)) } catch {
                    throw MergeError.malformed(path: path, detail: "a trajectory entry cannot be read: \(error)")
                }
            }
            guard fields.count == shard.trajectories.count, fields.map(\.index).elementsEqual(shard.trajectories) else {
                throw MergeError.malformed(path: path, detail: "its trajectories are not the \(shard.trajectories.count) "
                                           + "of shard \(shard.shard) (\(shard.trajectories)) in order")
            }
            trajectoryLines = body
            records = fields.map(SummaryRecord.init)
        }

        static func shard(_ line: String, path: String) -> AnalysisHeader.ShardInfo? {
            var json = line.dropFirst("\"shard\": ".count)
            if json.hasSuffix(",") { json = json.dropLast() }
            guard let o = (try? JSONValue(parsing: Data(json.utf8)))?.object,
                  let index = whole(o["index"], Limits.shardCount), let count = whole(o["count"], Limits.shardCount),
                  let first = whole(o["first"], Limits.trajectoryCount), let end = whole(o["end"], Limits.trajectoryCount),
                  let fingerprint = o["dump_fingerprint"]?.string, first <= end,
                  let shard = AnalysisShard(index: index, count: count)
            else { return nil }
            return AnalysisHeader.ShardInfo(shard: shard, trajectories: first..<end, dumpFingerprint: fingerprint)
        }

        /// A JSON number that is a whole number within `bounds`, else nil.
        private static func whole(_ value: JSONValue?, _ bounds: ClosedRange<Int>) -> Int? {
            guard let number = value?.double else { return nil }
            return try? Limits.count(number, "", within: bounds)
        }
    }
}

/// The keys of a trajectory entry that its summary record needs.
private struct SummaryFields: Decodable {
    let index: Int
    let group: Int?
    let reward: Double?
    let skipped: String?
    let flags: [String]
    let dsd: Double?
    let dsdReference: Double?
    let dsdFiltered: Double?
    let effectiveRank: Double?

    enum CodingKeys: String, CodingKey {
        case index, group, reward, skipped, flags, dsd, dsdReference = "dsd_reference", dsdFiltered = "dsd_filtered"
        case effectiveRank = "effective_rank"
    }
}

extension SummaryRecord {
    fileprivate init(_ fields: SummaryFields) {
        self.init(group: fields.group, reward: fields.reward, analyzed: fields.skipped == nil,
                  flagged: !fields.flags.isEmpty, dsd: fields.dsd ?? .nan, dsdReference: fields.dsdReference ?? .nan,
                  dsdFiltered: fields.dsdFiltered ?? .nan, effectiveRank: fields.effectiveRank ?? .nan)
    }
}

/// Why parts of a sharded analysis cannot be merged. Every case names the part concerned.
public enum MergeError: Error, Equatable, CustomStringConvertible {
    case noParts
    /// A file that is not an analysis JSON as `koopscope analyze` writes it.
    case malformed(path: String, detail: String)
    /// An analysis of a whole dump, not a part.
    case notAPart(path: String)
    /// A part of another dump, dictionary, settings or shard count than the first part.
    case mismatch(path: String, what: String, other: String)
    case repeated(path: String, shard: String, other: String)
    /// Parts missing: the first few of them, the shard count, and how many are missing in all.
    case missing(shards: [Int], count: Int, missing: Int)

    public var description: String {
        switch self {
        case .noParts: "no parts given: name the JSON files that koopscope analyze --shard K/N wrote"
        case .malformed(let p, let d): "\(p): not a part of a sharded analysis: \(d)"
        case .notAPart(let p): "\(p): an analysis of a whole dump (no \"shard\" entry), not a part to merge"
        case .mismatch(let p, let what, let other): "\(p): its \(what) differs from that of \(other); "
            + "parts must come from one dump analysed with one dictionary and the same settings"
        case .repeated(let p, let shard, let other): "\(p): shard \(shard) is given twice (also \(other))"
        case .missing(let shards, let count, let missing):
            "shard\(missing > 1 ? "s" : "") \(shards.map { "\($0)/\(count)" }.joined(separator: ", "))"
                + (missing > shards.count ? " and \(missing - shards.count) more" : "") + " missing"
        }
    }
}
