import FoundationEssentials

/// A JSON document koopscope writes and reads back — an analysis, a layer profile or a
/// comparison — told apart by its `format` key, the file parsed once.
///
/// ```swift
/// switch try ReportDocument(json: Data(contentsOf: URL(fileURLWithPath: "input.json")), path: "input.json") {
/// case .analysis(let report): print(report.summary.overall.dsd.mean)
/// case .layers(let profile): print(profile.layers.count)
/// case .comparison(let comparison): print(comparison.pooled.distance)
/// }
/// ```
public enum ReportDocument: Sendable {
    case analysis(AnalysisReport)
    case layers(LayerProfile)
    case comparison(SpectralComparison)

    /// Reads `data` (from `path`) as the document its `format` names; any other format is read
    /// as an analysis, whose reader names what it found.
    public init(json data: Data, path: String) throws {
        let root = try Self.root(data, path: path)
        switch root["format"]?.string {
        case LayerProfile.formatName: self = .layers(try LayerProfile(root: root, path: path))
        case SpectralComparison.formatName: self = .comparison(try SpectralComparison(root: root, path: path))
        default: self = .analysis(try AnalysisReport(root: root, path: path))
        }
    }

    /// The top-level object of a JSON document.
    static func root(_ data: Data, path: String) throws -> [String: JSONValue] {
        guard let root = (try? JSONValue(parsing: data))?.object else {
            throw ReportError.unrecognized(path: path, detail: "not a JSON object")
        }
        return root
    }

    /// Throws unless `root` is of format `name`, version `version`.
    static func requireFormat(_ root: [String: JSONValue], _ name: String, version: Int, path: String) throws {
        guard let format = root["format"]?.string else {
            throw ReportError.unsupportedFormat(path: path, found: "no \"format\" key")
        }
        let found = root["format_version"]?.int
        guard format == name, found == version else {
            throw ReportError.unsupportedFormat(path: path, found: "\"\(format)\" version \(found.map(String.init) ?? "?")")
        }
    }

    /// The opening of a document: `{`, its `format` and `format_version`, then each member
    /// (name and compact JSON value) on a line of its own, each followed by a comma.
    static func opening(format: String, version: Int, _ members: [(name: String, json: String)]) -> String {
        "{\n\"format\": \"\(format)\",\n\"format_version\": \(version),\n"
            + members.map { "\"\($0.name)\": \($0.json),\n" }.joined()
    }

    /// The members every document shares: the analysed dump (when `dump`), the dictionary and the settings.
    static func headerMembers(_ header: AnalysisHeader, dump: Bool = true) throws -> [(name: String, json: String)] {
        (dump ? [("dump", try compactJSON(DumpInfoJSON(header.dump)))] : [])
            + [("dictionary", try compactJSON(header.dictionary)), ("settings", try compactJSON(header.settings))]
    }
}
