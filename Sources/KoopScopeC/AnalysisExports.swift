import FoundationEssentials
import KoopScope
import _KoopScopeABI

/// The analyzer the options JSON asks for (the keys of ``AnalysisConfiguration/keys``, the
/// `koopscope analyze` flags of the same names), for states of width `d`.
private func analyzer(_ json: UnsafePointer<CChar>?, d: Int) throws -> Analyzer {
    try ABIOptions.configuration(json, as: AnalysisConfiguration.self).analyzer(dimension: d)
}

@_cdecl("koopscope_analyze_states")
public func koopscope_analyze_states(
    _ states: UnsafeRawPointer?, _ dtype: Int32, _ batch: Int64, _ maxLength: Int64, _ d: Int64,
    _ lengths: UnsafePointer<Int64>?, _ optionsJSON: UnsafePointer<CChar>?,
    _ reportJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ status: UnsafeMutablePointer<koopscope_status>?
) -> Int32 {
    abiCall(status) {
        try returnText(reportJSON) {
            let type = try ABIBatch.elementType(dtype)
            let shape = try ABIBatch(batch: batch, maxLength: maxLength, width: d, lengths: lengths, widthName: .d)
            let analyzer = try analyzer(optionsJSON, d: shape.width)
            let trajectories = try shape.floatTrajectories(states, type, name: "states")
            let batch = try TrajectoryBatch(trajectories: trajectories)
            return try analyzer.analyze(batch, source: "memory", elementType: type).text(.json)
        }
    }
}

@_cdecl("koopscope_analyze_file")
public func koopscope_analyze_file(
    _ path: UnsafePointer<CChar>?, _ optionsJSON: UnsafePointer<CChar>?,
    _ reportJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ status: UnsafeMutablePointer<koopscope_status>?
) -> Int32 {
    abiCall(status) {
        try returnText(reportJSON) {
            guard let path else { throw ABIFailure.argument("path is NULL") }
            let configuration = try ABIOptions.configuration(optionsJSON, as: AnalysisConfiguration.self)
            let dump = try Dump(path: String(cString: path), layer: configuration.layer)
            let report = try configuration.analyzer(dimension: dump.dimension).analyze(dump)
            return try report.text(.json)
        }
    }
}

@_cdecl("koopscope_compare")
public func koopscope_compare(
    _ aJSON: UnsafePointer<CChar>?, _ bJSON: UnsafePointer<CChar>?, _ aName: UnsafePointer<CChar>?,
    _ bName: UnsafePointer<CChar>?, _ reportJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ status: UnsafeMutablePointer<koopscope_status>?
) -> Int32 {
    abiCall(status) {
        try returnText(reportJSON) {
            guard let aJSON, let bJSON else { throw ABIFailure.argument("a_json or b_json is NULL") }
            let names = (aName.map { String(cString: $0) } ?? "A", bName.map { String(cString: $0) } ?? "B")
            do {
                let a = try AnalysisReport(json: Data(String(cString: aJSON).utf8), path: names.0)
                let b = try AnalysisReport(json: Data(String(cString: bJSON).utf8), path: names.1)
                return try SpectralComparison(a, path: names.0, b, path: names.1).text(.json)
            } catch let error as ReportError {
                throw ABIFailure.argument(error.description)
            }
        }
    }
}

@_cdecl("koopscope_merge")
public func koopscope_merge(
    _ parts: UnsafePointer<UnsafePointer<CChar>?>?, _ names: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int64,
    _ reportJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ status: UnsafeMutablePointer<koopscope_status>?
) -> Int32 {
    abiCall(status) {
        try returnText(reportJSON) {
            guard count >= 1, count <= 1 << 20 else { throw ABIFailure.argument("count is \(count); it must lie in 1…2²⁰") }
            guard let parts else { throw ABIFailure.argument("parts is NULL") }
            let texts = try (0..<Int(count)).map { k -> (path: String, text: String) in
                guard let text = parts[k] else { throw ABIFailure.argument("parts[\(k)] is NULL") }
                let name = names?[k].map { String(cString: $0) } ?? "part \(k + 1)"
                return (name, String(cString: text))
            }
            do {
                return try AnalysisMerge.merge(texts)
            } catch let error as MergeError {
                throw ABIFailure.argument(error.description)
            }
        }
    }
}
