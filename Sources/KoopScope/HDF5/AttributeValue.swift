import FoundationEssentials
import Glibc

/// The value of an HDF5 attribute, as koopscope reads and writes them.
///
/// Dumps carry free-form root attributes (`format_version`, `model`, `layer`, `step`, …);
/// they are kept and echoed in reports.
public enum AttributeValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    case real(Double)
    case strings([String])
    case integers([Int64])
    case reals([Double])
    /// An attribute of a type koopscope does not interpret (compound, enum, …), described.
    case unsupported(String)

    /// The value as an integer, when it is one (or a list of one).
    public var integerValue: Int64? {
        switch self {
        case .integer(let i): i
        case .integers(let list) where list.count == 1: list[0]
        default: nil
        }
    }

    /// The value as a string, when it is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var description: String {
        func quoted(_ s: String) -> String {
            "\"" + s.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        }
        switch self {
        case .string(let s): return quoted(s)
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .strings(let v): return "[" + v.map(quoted).joined(separator: ", ") + "]"
        case .integers(let v): return "[" + v.map(String.init).joined(separator: ", ") + "]"
        case .reals(let v): return "[" + v.map { String($0) }.joined(separator: ", ") + "]"
        case .unsupported(let what): return "<\(what)>"
        }
    }
}

extension AttributeValue: Encodable {
    /// Encodes the bare value (a string, a number, or an array of them); JSON has no NaN or
    /// infinity, so those become null.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let v): try c.encode(v)
        case .integer(let v): try c.encode(v)
        case .real(let v): if v.isFinite { try c.encode(v) } else { try c.encodeNil() }
        case .strings(let v): try c.encode(v)
        case .integers(let v): try c.encode(v)
        case .reals(let v): try c.encode(v.map { $0.isFinite ? $0 : nil })
        case .unsupported(let what): try c.encode("<\(what)>")
        }
    }
}
