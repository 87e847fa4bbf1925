import Foundation

/// One line of a prompts file: a JSON object with `prompt` (or `question`, as GSM8K's files have
/// it), and `answer` when a verifier is to score the responses. Other fields are kept (a
/// countdown record's `numbers` or `nums`, say).
///
/// ```swift
/// let records = try PromptRecord.read(jsonl: "prompts.jsonl")
/// print(records[0].prompt, records[0].answer ?? "no answer")
/// ```
public struct PromptRecord: Sendable, Equatable {
    public var prompt: String
    /// The reference answer as text (a JSON number is kept as it was written), nil when absent.
    public var answer: String?
    /// Every other field, as compact JSON text.
    public var fields: [String: String]

    public init(prompt: String, answer: String? = nil, fields: [String: String] = [:]) {
        self.prompt = prompt
        self.answer = answer
        self.fields = fields
    }

    /// The records of the JSON Lines file `path` (blank lines skipped); a line that is not a JSON
    /// object with a string `prompt` is refused, naming the file and the line.
    public static func read(jsonl path: String) throws -> [PromptRecord] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelFileError.unreadable(file: path, detail: "cannot read it (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ModelFileError.malformed(file: path, detail: "not UTF-8 text")
        }
        var records: [PromptRecord] = []
        for (k, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let entry = "line \(k + 1)"
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw ModelFileError.invalid(file: path, entry: entry, detail: "not a JSON object")
            }
            let key = object["prompt"] == nil && object["question"] != nil ? "question" : "prompt"
            guard let prompt = object[key] as? String else {
                throw ModelFileError.invalid(file: path, entry: entry, detail: "has no string field \"prompt\" (or \"question\")")
            }
            var fields: [String: String] = [:]
            for (name, value) in object where name != key && name != "answer" {
                fields[name] = Self.compact(value)
            }
            let answer: String?
            switch object["answer"] {
            case nil, is NSNull: answer = nil
            case let text as String: answer = text
            case let number as NSNumber where !JSONFields.isBoolean(number): answer = Self.compact(number)
            default: throw ModelFileError.invalid(file: path, entry: entry, detail: "\"answer\" must be a string or a number")
            }
            records.append(PromptRecord(prompt: prompt, answer: answer, fields: fields))
        }
        guard !records.isEmpty else { throw ModelFileError.invalid(file: path, entry: "line 1", detail: "no records") }
        return records
    }

    /// A JSON value as compact text (fragments allowed).
    static func compact(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) else {
            return "\(value)"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A field holding a list of whole numbers (`numbers`, `nums`), nil when absent or not one.
    public func integers(_ key: String) -> [Int]? {
        guard let text = fields[key], let values = try? JSONDecoder().decode([Int].self, from: Data(text.utf8)) else { return nil }
        return values
    }
}
