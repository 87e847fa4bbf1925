import KoopScope
import _KoopScopeABI

/// The analysis settings the options JSON asks for — the `koopscope analyze` flags of the same
/// names — for states of width `d`.
private func analyzer(_ json: UnsafePointer<CChar>?, d: Int) throws -> Analyzer {
    let o = try ABIOptions(json, allowed: ["dictionary", "identity", "rank", "koopman_dim", "seed", "ridge", "pinv",
                                           "rcond", "residual_threshold", "population_variance", "shard"])
    let identity = try o.bool("identity") ?? false
    let pinv = try o.bool("pinv") ?? false
    let ridge = try o.number("ridge"), rcond = try o.number("rcond")
    let rankText = try o.text("rank")
    if let ridge, ridge < 0 { throw ABIFailure.argument("options_json: \"ridge\" must be a δ ≥ 0") }
    if pinv && ridge != nil { throw ABIFailure.argument("options_json: \"ridge\" and \"pinv\" exclude each other") }
    if let rcond, !(rcond > 0 && rcond < 1) || !pinv {
        throw ABIFailure.argument("options_json: \"rcond\" applies to \"pinv\" and must lie in (0, 1)")
    }
    if rankText != nil && !identity { throw ABIFailure.argument("options_json: \"rank\" applies to \"identity\"") }
    let lifting: AnalysisDictionary
    if identity {
        guard let rule = rankText.map(RankSelection.init(argument:)) ?? .optimal else {
            throw ABIFailure.argument("options_json: \"rank\" \"\(rankText!)\" is none of: a positive integer, a fraction in (0,1), optimal")
        }
        lifting = .identity(rule)
    } else if let path = try o.text("dictionary") {
        lifting = .sigmoid(try KoopmanDictionary(contentsOf: path))
    } else {
        let m = try o.integer("koopman_dim", atLeast: 1) ?? 50
        let seed = try o.integer("seed", atLeast: 0) ?? 42
        lifting = .sigmoid(.kaimingUniform(dimension: max(d, 1), koopmanDimension: m, seed: UInt64(seed)))
    }
    let threshold = try o.number("residual_threshold") ?? 0.5
    guard threshold >= 0 else { throw ABIFailure.argument("options_json: \"residual_threshold\" must be ≥ 0") }
    var settings = AnalysisSettings(estimator: pinv ? .pseudoInverse(rcond: rcond ?? 1e-12) : .ridge(delta: ridge ?? 1e-3),
                                    residualThreshold: threshold,
                                    variance: try o.bool("population_variance") ?? false ? .population : .sample)
    if let shard = try o.text("shard") {
        guard let parsed = AnalysisShard(argument: shard) else {
            throw ABIFailure.argument("options_json: \"shard\" \"\(shard)\" is not K/N with 1 ≤ K ≤ N")
        }
        settings.shard = parsed
    }
    return Analyzer(dictionary: lifting, settings: settings)
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
            let shape = try ABIBatch(batch: batch, maxLength: maxLength, width: d, lengths: lengths, widthName: "d")
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
            let dump = try Dump(path: String(cString: path))
            let report = try analyzer(optionsJSON, d: dump.dimension).analyze(dump)
            return try report.text(.json)
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
