/// A token of `tokenizer.json`'s `added_tokens`: matched in the text as a whole before the
/// pre-tokenizer runs, and never merged.
struct AddedToken: Sendable, Equatable {
    let id: Int
    let content: String
    /// Special tokens are left out of decoded text.
    let special: Bool
    /// Matched in normalized text (else in the raw text).
    let normalized: Bool
    /// Matched only as a whole word.
    let singleWord: Bool
    /// Takes the white space on its left or right with it.
    let leftStrip: Bool, rightStrip: Bool

    /// `text` cut into stretches of plain text and matches of `tokens` (leftmost first, the
    /// longest at one place).
    static func split(_ text: String, on tokens: [AddedToken]) -> [(text: String, token: AddedToken?)] {
        guard !tokens.isEmpty, !text.isEmpty else { return [(text, nil)] }
        let scalars = Array(text.unicodeScalars)
        let contents = tokens.map { Array($0.content.unicodeScalars) }
        var result: [(String, AddedToken?)] = []
        var plainStart = 0, i = 0
        func plain(_ lower: Int, _ upper: Int) {
            if lower < upper { result.append((String(String.UnicodeScalarView(scalars[lower..<upper])), nil)) }
        }
        while i < scalars.count {
            var best: (token: Int, length: Int)?
            for (k, content) in contents.enumerated() where !content.isEmpty && i + content.count <= scalars.count {
                guard scalars[i..<(i + content.count)].elementsEqual(content) else { continue }
                if tokens[k].singleWord {
                    let before = i > 0 ? scalars[i - 1] : nil, after = i + content.count < scalars.count ? scalars[i + content.count] : nil
                    if before.map(isWordScalar) == true || after.map(isWordScalar) == true { continue }
                }
                if best == nil || content.count > best!.length { best = (k, content.count) }
            }
            guard let (k, length) = best else {
                i += 1
                continue
            }
            var lower = i, upper = i + length
            if tokens[k].leftStrip { while lower > plainStart && scalars[lower - 1].properties.isWhitespace { lower -= 1 } }
            if tokens[k].rightStrip { while upper < scalars.count && scalars[upper].properties.isWhitespace { upper += 1 } }
            plain(plainStart, lower)
            result.append((tokens[k].content, tokens[k]))
            plainStart = upper
            i = upper
        }
        plain(plainStart, scalars.count)
        return result
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_"
    }
}
