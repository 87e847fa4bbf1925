import FoundationEssentials
import Glibc

/// A JSON document as a value, read with `JSONDecoder` (numbers exactly as written): what the
/// readers of koopscope's own JSON files walk.
///
/// ```swift
/// let value = try JSONValue(parsing: Data(#"{"count": 3, "names": ["a"]}"#.utf8))
/// print(value["count"]?.int ?? 0, value["names"]?[0]?.string ?? "")
/// ```
public enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    /// A number written without a fraction or exponent that fits 64 bits.
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The document `data` holds; throws when it is not JSON.
    public init(parsing data: Data) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case let .array(items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    public var string: String? { if case let .string(s) = self { return s }; return nil }
    public var bool: Bool? { if case let .bool(b) = self { return b }; return nil }
    public var array: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    public var object: [String: JSONValue]? { if case let .object(o) = self { return o }; return nil }

    /// Any number, as a Double.
    public var double: Double? {
        switch self {
        case let .integer(i): Double(i)
        case let .number(d): d
        default: nil
        }
    }

    /// A whole number (an integer, or a number with no fraction that fits).
    public var int: Int? {
        switch self {
        case let .integer(i): Int(exactly: i)
        case let .number(d): d == d.rounded() && abs(d) < 9e15 ? Int(d) : nil
        default: nil
        }
    }
}
