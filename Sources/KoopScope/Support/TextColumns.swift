/// Text laid out in columns, as a terminal table needs it (FoundationEssentials has no
/// `padding(toLength:)` or regular-expression replacement).
extension StringProtocol {
    /// Cut or filled with spaces to `width` characters, as `padding(toLength:withPad:" ",startingAt:0)`.
    ///
    /// ```swift
    /// print("dsd".columnPadded(to: 6) + "|")   // "dsd   |"
    /// ```
    public func columnPadded(to width: Int) -> String {
        count >= width ? String(prefix(width)) : String(self) + String(repeating: " ", count: width - count)
    }

    /// Without the white space (spaces, tabs, newlines) at its end.
    public func droppingTrailingWhitespace() -> String {
        var end = endIndex
        while end > startIndex, self[index(before: end)].isWhitespace { end = index(before: end) }
        return String(self[startIndex..<end])
    }

    /// Without spaces and tabs at either end, as `trimmingCharacters(in: .whitespaces)`.
    public func trimmingSpaces() -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
