import Foundation
import KoopScope
import TOMLKit

/// A training configuration as TOML (read by TOMLKit): top-level `key = value` settings with
/// strings, integers, floats and booleans. Tables and arrays are refused by name, so a typo
/// never passes silently; errors name the file and the line.
///
/// ```swift
/// let entries = try TOMLFile.parse(contentsOf: "run.toml")   // [("group-size", "16", line 3), …]
/// ```
public enum TOMLFile {
    /// One `key = value` line: the value as text (strings unquoted and unescaped).
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int
    }

    public static func parse(contentsOf path: String) throws -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError.configurationFile(path: path, detail: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TrainingError.configurationFile(path: path, detail: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// The entries of `text` in the order of their lines; `path` names it in errors.
    public static func parse(_ text: String, path: String) throws -> [Entry] {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw TrainingError.configurationFile(path: "\(path):\(error.source.begin.line)", detail: error.description)
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var entries: [Entry] = []
        for (key, value) in table {
            let number = line(of: key, in: lines)
            func fail(_ detail: String) -> TrainingError { .configurationFile(path: "\(path):\(number)", detail: detail) }
            let text: String
            switch value.type {
            case .string: text = value.string ?? ""
            case .int: text = String(value.int ?? 0)
            case .double: text = "\(value.double ?? .nan)"
            case .bool: text = value.bool == true ? "true" : "false"
            case .table: throw fail("[\(key)]: tables are not supported; write every key at the top level")
            case .array: throw fail("\(key): arrays are not supported")
            default: throw fail("\(key): a \(value.type) is not a setting's value")
            }
            entries.append(Entry(key: key, value: text, line: number))
        }
        return entries.sorted { $0.line < $1.line }
    }

    /// The line (from 1) where `key` is set or its table begins, for messages.
    private static func line(of key: String, in lines: [String]) -> Int {
        let forms = [key, "\"\(key)\"", "'\(key)'"]
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("[\(key)]") || trimmed.hasPrefix("[\(key).") { return index + 1 }
            for form in forms where trimmed.hasPrefix(form) {
                if trimmed.dropFirst(form.count).drop(while: { $0 == " " || $0 == "\t" }).first == "=" { return index + 1 }
            }
        }
        return 0
    }

    /// `key = value` text for values that are strings (quoted) or literals.
    public static func render(_ pairs: [(key: String, value: String, quoted: Bool)]) -> String {
        pairs.map { p in p.quoted ? "\(p.key) = \(basicString(p.value))" : "\(p.key) = \(p.value)" }.joined(separator: "\n") + "\n"
    }

    /// `s` as a TOML basic string: JSON's escapes are TOML's.
    private static func basicString(_ s: String) -> String { (try? compactJSON(s)) ?? "\"\"" }
}
