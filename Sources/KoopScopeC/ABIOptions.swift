import FoundationEssentials
import Glibc
import KoopScope

/// The JSON options object some calls take, as the values of a settings table
/// (``AnalysisConfiguration``, ``DictionaryFitConfiguration``); text that is not a JSON object
/// of booleans, numbers and strings is an argument error, and the table refuses unknown keys.
enum ABIOptions {
    private enum Value: Decodable {
        case bool(Bool), number(Double), string(String)

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let x = try? c.decode(Double.self) { self = .number(x) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a boolean, number or string") }
        }
    }

    /// The settings `json` gives (NULL or blank: none), in key order.
    static func values(_ json: UnsafePointer<CChar>?) throws -> [(String, SettingValue)] {
        guard let json else { return [] }
        let text = String(decoding: UnsafeRawBufferPointer(start: json, count: strlen(json)), as: UTF8.self)
        if text.allSatisfy(\.isWhitespace) { return [] }
        let values: [String: Value]
        do {
            values = try JSONDecoder().decode([String: Value].self, from: Data(text.utf8))
        } catch {
            throw ABIFailure.argument("options_json is not a JSON object of booleans, numbers and strings: \(text.prefix(200))")
        }
        return values.sorted { $0.key < $1.key }.map { key, value in
            switch value {
            case .bool(let b): (key, .flag(b))
            case .number(let x): (key, .number(x))
            case .string(let s): (key, .text(s))
            }
        }
    }

    /// The configuration `json` describes, checked by its table.
    static func configuration<C: SettingsTable>(_ json: UnsafePointer<CChar>?, as type: C.Type = C.self) throws -> C {
        try C(values: values(json), naming: .option)
    }
}
