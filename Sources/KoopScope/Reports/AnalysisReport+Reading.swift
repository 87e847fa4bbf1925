import ComplexModule
import FoundationEssentials
import Glibc

extension AnalysisReport {
    /// Reads an analysis that `koopscope analyze --format json` wrote. The summary is
    /// recomputed from the trajectories.
    public init(json data: Data, path: String) throws {
        try self.init(root: try ReportDocument.root(data, path: path), path: path)
    }

    /// Reads an analysis's parsed top-level object.
    init(root: [String: JSONValue], path: String) throws {
        try ReportDocument.requireFormat(root, Self.formatName, version: Self.formatVersion, path: path)
        header = try Self.header(from: root, path: path)
        func number(_ o: [String: JSONValue], _ key: String) -> Double? { o[key]?.double }
        guard let rows = root["trajectories"]?.array?.compactMap(\.object),
              rows.count == root["trajectories"]?.array?.count else {
            throw ReportError.malformedAnalysis(path: path, detail: "\"trajectories\" is missing or not a list")
        }
        trajectories = try rows.enumerated().map { k, row in
            guard let index = row["index"]?.int, let length = row["length"]?.int else {
                throw ReportError.malformedAnalysis(path: path, detail: "trajectory \(k) has no index or length")
            }
            var t = TrajectoryAnalysis(index: index, length: length, group: row["group"]?.int,
                                       reward: number(row, "reward"))
            t.skipped = row["skipped"]?.string
            t.flags = row["flags"]?.array?.compactMap(\.string) ?? []
            t.dsd = number(row, "dsd") ?? .nan
            t.dsdReference = number(row, "dsd_reference") ?? .nan
            t.dsdFiltered = number(row, "dsd_filtered") ?? .nan
            // Present (a number, or null for NaN) only where the analysis computed it.
            if let rank = row["effective_rank"] { t.effectiveRank = rank.double ?? .nan }
            t.kept = row["kept"]?.int ?? 0
            t.rank = row["rank"]?.int
            t.eigenvalues = (row["eigenvalues"]?.array ?? []).map {
                Complex($0[0]?.double ?? .nan, $0[1]?.double ?? .nan)
            }
            // A null residual is an infinite one (Ψ_X v = 0).
            t.residuals = (row["residuals"]?.array ?? []).map { $0.double ?? .infinity }
            t.singularValues = (row["singular_values"]?.array ?? []).compactMap(\.double)
            if let p = row["pseudospectrum"]?.object {
                if let error = p["error"]?.string {
                    t.pseudospectrumError = error
                } else {
                    let re = p["re"]?.array?.compactMap(\.double) ?? []
                    let im = p["im"]?.array?.compactMap(\.double) ?? []
                    let points = p["points"]?.int ?? 0
                    let rows = p["values"]?.array?.compactMap(\.array) ?? []
                    guard re.count == 2, im.count == 2, re[0] < re[1], im[0] < im[1], points >= 2, rows.count == points,
                          rows.allSatisfy({ $0.count == points }) else {
                        throw ReportError.malformedAnalysis(path: path, detail: "trajectory \(index): malformed pseudospectrum")
                    }
                    t.pseudospectrum = Pseudospectrum(
                        grid: .init(real: re[0]...re[1], imaginary: im[0]...im[1], points: points),
                        values: rows.flatMap { $0.map { $0.double ?? .nan } })
                }
            }
            guard t.eigenvalues.count == t.residuals.count else {
                throw ReportError.malformedAnalysis(path: path, detail: "trajectory \(index): eigenvalues and residuals differ in count")
            }
            return t
        }
        summary = AnalysisSummary(trajectories.map(SummaryRecord.init))
    }

    /// The dump, dictionary and settings of an analysis's JSON (or of a layer profile's).
    static func header(from root: [String: JSONValue], path: String) throws -> AnalysisHeader {
        func object(_ key: String) throws -> [String: JSONValue] {
            guard let o = root[key]?.object else {
                throw ReportError.malformedAnalysis(path: path, detail: "\"\(key)\" is missing or not an object")
            }
            return o
        }
        func number(_ o: [String: JSONValue], _ key: String) -> Double? { o[key]?.double }
        let dump = try object("dump"), dictionary = try object("dictionary"), settings = try object("settings")
        var attributes: [(name: String, value: AttributeValue)] = []
        for (name, value) in (dump["attributes"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            attributes.append((name, Self.attribute(value)))
        }
        return AnalysisHeader(
            dump: .init(path: dump["path"]?.string ?? path, layout: dump["layout"]?.string ?? "?",
                        count: dump["count"]?.int ?? 0,
                        dimension: dump["dimension"]?.int ?? 0,
                        elementType: dump["element_type"]?.string ?? "?", attributes: attributes,
                        layer: dump["layer"]?.int, promptsSHA256: dump["prompts_sha256"]?.string),
            dictionary: .init(kind: dictionary["kind"]?.string ?? "?", source: dictionary["source"]?.string ?? "?",
                              m: dictionary["m"]?.int, d: dictionary["d"]?.int ?? 0,
                              hasBias: dictionary["bias"]?.bool ?? false, sha256: dictionary["sha256"]?.string),
            settings: .init(estimator: settings["estimator"]?.string ?? "?", ridge: number(settings, "ridge"),
                            rcond: number(settings, "rcond"), rank: settings["rank"]?.string,
                            residualThreshold: number(settings, "residual_threshold") ?? .nan,
                            variance: VarianceKind(rawValue: settings["variance"]?.string ?? "") ?? .sample,
                            effectiveRank: settings["effective_rank"]?.bool ?? false))
    }

    private static func attribute(_ value: JSONValue) -> AttributeValue {
        switch value {
        case let .string(s): return .string(s)
        case let .integer(i): return .integer(i)
        case let .number(d): return .real(d)
        case let .array(items) where items.allSatisfy({ $0.string != nil }): return .strings(items.compactMap(\.string))
        case let .array(items) where items.allSatisfy({ $0.double != nil }): return .reals(items.compactMap(\.double))
        default: return .unsupported("JSON value")
        }
    }
}
