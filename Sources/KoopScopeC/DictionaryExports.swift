import FoundationEssentials
import Glibc
import KoopScope
import _KoopScopeABI

@_cdecl("koopscope_default_dictionary")
public func koopscope_default_dictionary(_ d: Int64, _ m: Int64, _ seed: UInt64, _ weight: UnsafeMutablePointer<Float>?,
                                         _ status: UnsafeMutablePointer<koopscope_status>?) -> Int32 {
    abiCall(status) {
        try Limits.check(Int(m), "m", within: Limits.koopmanDimension)
        try Limits.check(Int(d), "d", within: Limits.stateDimension)
        guard let weight else { throw ABIFailure.argument("weight is NULL") }
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: Int(d), koopmanDimension: Int(m), seed: seed)
        for (k, x) in dictionary.weight.elements.enumerated() { weight[k] = x }
    }
}

@_cdecl("koopscope_fit_dictionary")
public func koopscope_fit_dictionary(
    _ states: UnsafeRawPointer?, _ dtype: Int32, _ batch: Int64, _ maxLength: Int64, _ d: Int64,
    _ lengths: UnsafePointer<Int64>?, _ m: Int64, _ optionsJSON: UnsafePointer<CChar>?,
    _ weight: UnsafeMutablePointer<Float>?, _ bias: UnsafeMutablePointer<Float>?,
    _ reportJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ status: UnsafeMutablePointer<koopscope_status>?
) -> Int32 {
    abiCall(status) {
        reportJSON?.pointee = nil
        let type = try ABIBatch.elementType(dtype)
        let shape = try ABIBatch(batch: batch, maxLength: maxLength, width: d, lengths: lengths, widthName: .d)
        try Limits.check(Int(m), "m", within: Limits.koopmanDimension)
        guard let weight else { throw ABIFailure.argument("weight is NULL") }
        var settings = try ABIOptions.configuration(optionsJSON, as: DictionaryFitConfiguration.self)
        if settings.bias && bias == nil { throw ABIFailure.argument("options ask for a bias, and bias is NULL") }
        if settings.isGiven("koopman_dim") && settings.koopmanDimension != Int(m) {
            throw ABIFailure.argument("options_json: \"koopman_dim\" is \(settings.koopmanDimension); the call's m is \(m)")
        }
        settings.koopmanDimension = Int(m)
        let start = try settings.start(dimension: shape.width)
        guard start.koopmanDimension == Int(m), start.dimension == shape.width else {
            throw ABIFailure.argument("options_json: \"init\" is \(start.koopmanDimension)×\(start.dimension) (m×d); "
                                      + "the call gives m = \(m), d = \(shape.width)")
        }
        let options = settings.options
        let trajectories = try shape.floatTrajectories(states, type, name: "states")
        let result = try DictionaryFitter(options: options).fit(trajectories.map(\.states), source: "memory", initial: start)
        let fitted = result.dictionary
        for (k, x) in fitted.weight.elements.enumerated() { weight[k] = x }
        if settings.bias, let bias, let b = fitted.bias { for (k, x) in b.enumerated() { bias[k] = x } }
        if let reportJSON {
            let report = FitReport(losses: result.losses, validation_losses: result.validationLosses,
                                   effective_rank_before: result.effectiveRankBefore,
                                   effective_rank_after: result.effectiveRankAfter,
                                   saturated_before: result.saturatedBefore, saturated_after: result.saturatedAfter,
                                   skipped: result.skipped, warnings: result.warnings)
            let encoder = JSONEncoder()
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            reportJSON.pointee = allocatedCString(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }
}

/// What a fit reports besides the dictionary.
private struct FitReport: Encodable {
    var losses: [Double]
    var validation_losses: [Double]
    var effective_rank_before: Double
    var effective_rank_after: Double
    var saturated_before: Double
    var saturated_after: Double
    var skipped: Int
    var warnings: [String]
}
