import Foundation

/// The JSON options object some calls take, read with the keys it may hold; an unknown key, a
/// value of the wrong type or text that is not a JSON object is an argument error naming it.
struct ABIOptions {
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

    private let values: [String: Value]

    init(_ json: UnsafePointer<CChar>?, allowed: [String]) throws {
        guard let json else { values = [:]; return }
        let text = String(decoding: UnsafeRawBufferPointer(start: json, count: strlen(json)), as: UTF8.self)
        if text.allSatisfy(\.isWhitespace) { values = [:]; return }
        do {
            values = try JSONDecoder().decode([String: Value].self, from: Data(text.utf8))
        } catch {
            throw ABIFailure.argument("options_json is not a JSON object of booleans, numbers and strings: \(text.prefix(200))")
        }
        for key in values.keys.sorted() where !allowed.contains(key) {
            throw ABIFailure.argument("options_json: unknown option \"\(key)\" (known: \(allowed.joined(separator: ", ")))")
        }
    }

    func bool(_ key: String) throws -> Bool? {
        switch values[key] {
        case nil: return nil
        case .bool(let b): return b
        default: throw ABIFailure.argument("options_json: \"\(key)\" must be true or false")
        }
    }

    func number(_ key: String) throws -> Double? {
        switch values[key] {
        case nil: return nil
        case .number(let x) where x.isFinite: return x
        default: throw ABIFailure.argument("options_json: \"\(key)\" must be a finite number")
        }
    }

    func integer(_ key: String, atLeast minimum: Int) throws -> Int? {
        guard let x = try number(key) else { return nil }
        guard x == x.rounded(), x >= Double(minimum), x <= 1e15 else {
            throw ABIFailure.argument("options_json: \"\(key)\" must be an integer ≥ \(minimum), got \(x)")
        }
        return Int(x)
    }

    /// A string, or a number written as the command line would take it.
    func text(_ key: String) throws -> String? {
        switch values[key] {
        case nil: return nil
        case .string(let s): return s
        case .number(let x): return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
        case .bool: throw ABIFailure.argument("options_json: \"\(key)\" must be a string or a number")
        }
    }
}
