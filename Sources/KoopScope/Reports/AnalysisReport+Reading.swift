import ComplexModule
import Foundation

extension AnalysisReport {
    /// Reads an analysis that `koopscope analyze --format json` wrote. The summary is
    /// recomputed from the trajectories.
    public init(json data: Data, path: String) throws {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ReportError.unrecognized(path: path, detail: "not a JSON object")
        }
        guard let format = root["format"] as? String else {
            throw ReportError.unsupportedFormat(path: path, found: "no \"format\" key")
        }
        let version = (root["format_version"] as? NSNumber)?.intValue
        guard format == Self.formatName, version == Self.formatVersion else {
            throw ReportError.unsupportedFormat(path: path, found: "\"\(format)\" version \(version.map(String.init) ?? "?")")
        }
        func object(_ key: String) throws -> [String: Any] {
            guard let o = root[key] as? [String: Any] else {
                throw ReportError.malformedAnalysis(path: path, detail: "\"\(key)\" is missing or not an object")
            }
            return o
        }
        func number(_ o: [String: Any], _ key: String) -> Double? { (o[key] as? NSNumber)?.doubleValue }
        let dump = try object("dump"), dictionary = try object("dictionary"), settings = try object("settings")
        var attributes: [(name: String, value: AttributeValue)] = []
        for (name, value) in ((dump["attributes"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) {
            attributes.append((name, Self.attribute(value)))
        }
        header = AnalysisHeader(
            dump: .init(path: dump["path"] as? String ?? path, layout: dump["layout"] as? String ?? "?",
                        count: (dump["count"] as? NSNumber)?.intValue ?? 0,
                        dimension: (dump["dimension"] as? NSNumber)?.intValue ?? 0,
                        elementType: dump["element_type"] as? String ?? "?", attributes: attributes),
            dictionary: .init(kind: dictionary["kind"] as? String ?? "?", source: dictionary["source"] as? String ?? "?",
                              m: (dictionary["m"] as? NSNumber)?.intValue, d: (dictionary["d"] as? NSNumber)?.intValue ?? 0,
                              hasBias: dictionary["bias"] as? Bool ?? false, sha256: dictionary["sha256"] as? String),
            settings: .init(estimator: settings["estimator"] as? String ?? "?", ridge: number(settings, "ridge"),
                            rcond: number(settings, "rcond"), rank: settings["rank"] as? String,
                            residualThreshold: number(settings, "residual_threshold") ?? .nan,
                            variance: VarianceKind(rawValue: settings["variance"] as? String ?? "") ?? .sample))
        guard let rows = root["trajectories"] as? [[String: Any]] else {
            throw ReportError.malformedAnalysis(path: path, detail: "\"trajectories\" is missing or not a list")
        }
        trajectories = try rows.enumerated().map { k, row in
            guard let index = (row["index"] as? NSNumber)?.intValue, let length = (row["length"] as? NSNumber)?.intValue else {
                throw ReportError.malformedAnalysis(path: path, detail: "trajectory \(k) has no index or length")
            }
            var t = TrajectoryAnalysis(index: index, length: length, group: (row["group"] as? NSNumber)?.intValue,
                                       reward: number(row, "reward"))
            t.skipped = row["skipped"] as? String
            t.flags = row["flags"] as? [String] ?? []
            t.dsd = number(row, "dsd") ?? .nan
            t.dsdReference = number(row, "dsd_reference") ?? .nan
            t.dsdFiltered = number(row, "dsd_filtered") ?? .nan
            t.kept = (row["kept"] as? NSNumber)?.intValue ?? 0
            t.rank = (row["rank"] as? NSNumber)?.intValue
            t.eigenvalues = ((row["eigenvalues"] as? [[NSNumber]]) ?? []).map {
                Complex($0.first?.doubleValue ?? .nan, $0.count > 1 ? $0[1].doubleValue : .nan)
            }
            // A null residual is an infinite one (Ψ_X v = 0).
            t.residuals = ((row["residuals"] as? [Any]) ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .infinity }
            t.singularValues = ((row["singular_values"] as? [NSNumber]) ?? []).map(\.doubleValue)
            if let p = row["pseudospectrum"] as? [String: Any] {
                if let error = p["error"] as? String {
                    t.pseudospectrumError = error
                } else {
                    let re = (p["re"] as? [NSNumber])?.map(\.doubleValue) ?? []
                    let im = (p["im"] as? [NSNumber])?.map(\.doubleValue) ?? []
                    let points = (p["points"] as? NSNumber)?.intValue ?? 0
                    let rows = p["values"] as? [[Any]] ?? []
                    guard re.count == 2, im.count == 2, re[0] < re[1], im[0] < im[1], points >= 2, rows.count == points,
                          rows.allSatisfy({ $0.count == points }) else {
                        throw ReportError.malformedAnalysis(path: path, detail: "trajectory \(index): malformed pseudospectrum")
                    }
                    t.pseudospectrum = Pseudospectrum(
                        grid: .init(real: re[0]...re[1], imaginary: im[0]...im[1], points: points),
                        values: rows.flatMap { $0.map { ($0 as? NSNumber)?.doubleValue ?? .nan } })
                }
            }
            guard t.eigenvalues.count == t.residuals.count else {
                throw ReportError.malformedAnalysis(path: path, detail: "trajectory \(index): eigenvalues and residuals differ in count")
            }
            return t
        }
        summary = AnalysisSummary(trajectories.map(SummaryRecord.init))
    }

    private static func attribute(_ value: Any) -> AttributeValue {
        switch value {
        case let s as String: return .string(s)
        case let n as NSNumber:
            let d = n.doubleValue
            return d == d.rounded() && abs(d) < 9e15 && !"\(n)".contains(".") ? .integer(Int64(d)) : .real(d)
        case let list as [String]: return .strings(list)
        case let list as [NSNumber]: return .reals(list.map(\.doubleValue))
        default: return .unsupported("JSON value")
        }
    }
}
