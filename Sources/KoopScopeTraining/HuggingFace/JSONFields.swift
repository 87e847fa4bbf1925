import Foundation

/// Typed reading of a JSON object's fields, each failure naming the file and the field
/// (`rope_scaling.factor`) and what was wrong.
struct JSONFields {
    let object: [String: Any]
    let file: String
    /// The path of this object inside the document ("" at the top).
    let prefix: String

    init(_ object: [String: Any], file: String, prefix: String = "") {
        self.object = object
        self.file = file
        self.prefix = prefix
    }

    private func name(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    private func fail(_ key: String, _ detail: String) -> ModelFileError {
        .invalid(file: file, entry: name(key), detail: detail)
    }

    /// The value of `key`, nil when absent or JSON null.
    func value(_ key: String) -> Any? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value as? String else { throw fail(key, "must be a string") }
        return text
    }

    func string(_ key: String) throws -> String {
        guard let text = try optionalString(key) else { throw fail(key, "is missing") }
        return text
    }

    func strings(_ key: String) throws -> [String] {
        guard let value = value(key) else { throw fail(key, "is missing") }
        guard let texts = value as? [String] else { throw fail(key, "must be a list of strings") }
        return texts
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard let number = value as? NSNumber, Self.isBoolean(number) else { throw fail(key, "must be true or false") }
        return number.boolValue
    }

    func optionalInt(_ key: String, within bounds: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let value = value(key) else { return nil }
        return try wholeNumber(value, key, within: bounds)
    }

    func int(_ key: String, within bounds: ClosedRange<Int>) throws -> Int {
        guard let n = try optionalInt(key, within: bounds) else { throw fail(key, "is missing") }
        return n
    }

    /// A whole number or a list of them (`eos_token_id`); empty when absent.
    func intOrInts(_ key: String, within bounds: ClosedRange<Int>) throws -> [Int] {
        guard let value = value(key) else { return [] }
        if let list = value as? [Any] { return try list.map { try wholeNumber($0, key, within: bounds) } }
        return [try wholeNumber(value, key, within: bounds)]
    }

    func optionalDouble(_ key: String, within bounds: ClosedRange<Double>) throws -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value as? NSNumber, !Self.isBoolean(number) else { throw fail(key, "must be a number") }
        let x = number.doubleValue
        guard x.isFinite, bounds.contains(x) else { throw fail(key, "\(x) is outside \(bounds)") }
        return x
    }

    func double(_ key: String, within bounds: ClosedRange<Double>) throws -> Double {
        guard let x = try optionalDouble(key, within: bounds) else { throw fail(key, "is missing") }
        return x
    }

    func optionalObject(_ key: String) throws -> JSONFields? {
        guard let value = value(key) else { return nil }
        guard let object = value as? [String: Any] else { throw fail(key, "must be an object") }
        return JSONFields(object, file: file, prefix: name(key))
    }

    private func wholeNumber(_ value: Any, _ key: String, within bounds: ClosedRange<Int>) throws -> Int {
        guard let number = value as? NSNumber, !Self.isBoolean(number) else { throw fail(key, "must be a whole number") }
        let x = number.doubleValue
        guard x.rounded() == x, let n = Int(exactly: x) else { throw fail(key, "\(number) is not a whole number") }
        guard bounds.contains(n) else { throw fail(key, "\(n) is outside \(bounds.lowerBound)…\(bounds.upperBound)") }
        return n
    }

    /// JSON's true and false, which Foundation hands over as numbers of C type `char`
    /// (`as? Bool` also accepts 0 and 1).
    static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }
}
