import Foundation
import KoopScope
import _KoopScopeABI

@_cdecl("koopscope_default_dictionary")
public func koopscope_default_dictionary(_ d: Int64, _ m: Int64, _ seed: UInt64, _ weight: UnsafeMutablePointer<Float>?,
                                         _ status: UnsafeMutablePointer<koopscope_status>?) -> Int32 {
    abiCall(status) {
        guard d >= 1, d <= 1 << 20 else { throw ABIFailure.argument("d is \(d); it must lie in 1…2²⁰") }
        guard m >= 1, m <= 1 << 16 else { throw ABIFailure.argument("m is \(m); it must lie in 1…65536") }
        guard m * d <= 1 << 31 else { throw ABIFailure.argument("m × d = \(m) × \(d) is too large") }
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
        let shape = try ABIBatch(batch: batch, maxLength: maxLength, width: d, lengths: lengths, widthName: "d")
        guard m >= 1, m <= 1 << 16 else { throw ABIFailure.argument("m is \(m); it must lie in 1…65536") }
        guard m * Int64(shape.width) <= 1 << 31 else { throw ABIFailure.argument("m × d = \(m) × \(d) is too large") }
        guard let weight else { throw ABIFailure.argument("weight is NULL") }
        let o = try ABIOptions(optionsJSON, allowed: ["variant", "epochs", "steps", "batch", "lr", "max_positions",
                                                      "seed", "bias", "holdout"])
        let variantName = try o.text("variant") ?? "paper"
        guard let variant = ResKoopNetLoss.Variant(rawValue: variantName) else {
            throw ABIFailure.argument("options_json: \"variant\" \"\(variantName)\" is neither paper nor reference")
        }
        let learnsBias = try o.bool("bias") ?? false
        if learnsBias && bias == nil { throw ABIFailure.argument("options ask for a bias, and bias is NULL") }
        let lr = try o.number("lr") ?? variant.defaultLearningRate
        guard lr > 0 else { throw ABIFailure.argument("options_json: \"lr\" must be positive") }
        let holdout = try o.number("holdout") ?? 0
        guard holdout >= 0 && holdout < 1 else { throw ABIFailure.argument("options_json: \"holdout\" must lie in [0, 1)") }
        let seed = UInt64(try o.integer("seed", atLeast: 0) ?? 42)
        let options = DictionaryFitter.Options(
            variant: variant, batch: try o.integer("batch", atLeast: 1) ?? 64, epochs: try o.integer("epochs", atLeast: 1) ?? 1,
            steps: try o.integer("steps", atLeast: 1), learningRate: lr,
            maxPositions: try o.integer("max_positions", atLeast: 2) ?? 512, seed: seed, holdout: holdout, bias: learnsBias)
        let trajectories = try shape.floatTrajectories(states, type, name: "states")
        let start = KoopmanDictionary.kaimingUniform(dimension: shape.width, koopmanDimension: Int(m), seed: seed)
        let result = try DictionaryFitter(options: options).fit(trajectories.map(\.states), source: "memory", initial: start)
        let fitted = result.dictionary
        for (k, x) in fitted.weight.elements.enumerated() { weight[k] = x }
        if learnsBias, let bias, let b = fitted.bias { for (k, x) in b.enumerated() { bias[k] = x } }
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
