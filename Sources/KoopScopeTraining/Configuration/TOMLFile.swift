import Foundation

/// The flat TOML subset a training configuration uses: `key = value` lines with strings,
/// integers, floats and booleans, `#` comments and blank lines. Tables and arrays are refused
/// by name, so a typo never passes silently.
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

    public static func parse(_ text: String, path: String) throws -> [Entry] {
        var entries: [Entry] = [], seen: Set<String> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            func fail(_ detail: String) -> TrainingError { .configurationFile(path: "\(path):\(number)", detail: detail) }
            let line = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") { throw fail("tables are not supported; write every key at the top level") }
            guard let equals = line.firstIndex(of: "=") else { throw fail("expected `key = value`, found \"\(line)\"") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw fail("\"\(key)\" is not a bare key")
            }
            guard !value.isEmpty else { throw fail("\(key) has no value") }
            if value.hasPrefix("[") || value.hasPrefix("{") { throw fail("\(key): arrays and inline tables are not supported") }
            if value.hasPrefix("\"") {
                guard value.count >= 2, value.hasSuffix("\"") else { throw fail("\(key): unterminated string") }
                value = unescape(String(value.dropFirst().dropLast()))
            } else if value.hasPrefix("'") {
                guard value.count >= 2, value.hasSuffix("'") else { throw fail("\(key): unterminated string") }
                value = String(value.dropFirst().dropLast())
            } else {
                value = value.replacingOccurrences(of: "_", with: "")
            }
            guard seen.insert(key).inserted else { throw fail("\(key) is set twice") }
            entries.append(Entry(key: key, value: value, line: number))
        }
        return entries
    }

    /// `key = value` text for values that are strings (quoted) or literals.
    public static func render(_ pairs: [(key: String, value: String, quoted: Bool)]) -> String {
        pairs.map { p in
            p.quoted ? "\(p.key) = \"\(p.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
                : "\(p.key) = \(p.value)"
        }.joined(separator: "\n") + "\n"
    }

    private static func stripComment(_ line: String) -> String {
        var inString: Character? = nil
        var previous: Character = " "
        for (offset, c) in line.enumerated() {
            if let q = inString {
                if c == q && !(q == "\"" && previous == "\\") { inString = nil }
            } else if c == "\"" || c == "'" {
                inString = c
            } else if c == "#" {
                return String(line.prefix(offset))
            }
            previous = c
        }
        return line
    }

    private static func unescape(_ s: String) -> String {
        var out = "", escaping = false
        for c in s {
            if escaping {
                switch c { case "n": out.append("\n"); case "t": out.append("\t"); default: out.append(c) }
                escaping = false
            } else if c == "\\" { escaping = true } else { out.append(c) }
        }
        return out
    }
}
