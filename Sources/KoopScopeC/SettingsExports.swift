import FoundationEssentials
import Glibc
import KoopScope
import _KoopScopeABI

/// A settings table as JSON: each key's name, kind, default, bounds and help.
private func tableJSON<C: SettingsTable>(_ type: C.Type) -> [[String: String]] {
    C.keys.map { ["name": $0.name, "kind": $0.kind.rawValue, "default": $0.defaultText, "bounds": $0.bounds, "help": $0.help] }
}

/// The bounds of ``Limits`` as JSON: name → [lowest, highest].
private let limitsJSON: [String: [Int]] = [
    "koopman_dim": Limits.koopmanDimension, "d": Limits.stateDimension, "trajectory_length": Limits.trajectoryLength,
    "trajectories": Limits.trajectoryCount, "shards": Limits.shardCount, "elements": Limits.elementCount,
].mapValues { [$0.lowerBound, $0.upperBound] }

@_cdecl("koopscope_settings")
public func koopscope_settings(
    _ table: UnsafePointer<CChar>?, _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ status: UnsafeMutablePointer<koopscope_status>?
) -> Int32 {
    abiCall(status) {
        try returnText(json, named: "json") {
            guard let table else { throw ABIFailure.argument("table is NULL") }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data: Data
            switch String(cString: table) {
            case "analyze": data = try encoder.encode(tableJSON(AnalysisConfiguration.self))
            case "fit_dictionary": data = try encoder.encode(tableJSON(DictionaryFitConfiguration.self))
            case "limits": data = try encoder.encode(limitsJSON)
            case let other: throw ABIFailure.argument("table \"\(other)\" is none of analyze, fit_dictionary, limits")
            }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
