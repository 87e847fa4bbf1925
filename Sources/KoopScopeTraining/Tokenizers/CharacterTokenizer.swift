/// A character-level tokenizer for the verifiable tasks: one token per character of a small
/// fixed alphabet, plus beginning-of-sequence, end-of-sequence and padding tokens.
///
/// ```swift
/// let tokens = try CharacterTokenizer.standard.encode("12+30=")
/// print(CharacterTokenizer.standard.decode(tokens))   // "12+30="
/// ```
public struct CharacterTokenizer: Sendable, Equatable {
    /// The characters, in token order (token i + `specialCount` is `alphabet[i]`).
    public let alphabet: [Character]
    private let index: [Character: Int]

    /// Padding, beginning and end of sequence.
    public let pad = 0, bos = 1, eos = 2
    static let specialCount = 3

    /// Digits, arithmetic, the punctuation of the prompts, lower-case letters and the space.
    public static let standard = CharacterTokenizer(alphabet: Array("0123456789+-*=:,()[] abcdefghijklmnopqrstuvwxyz"))

    public init(alphabet: [Character]) {
        self.alphabet = alphabet
        var index: [Character: Int] = [:]
        for (k, c) in alphabet.enumerated() { index[c] = k + Self.specialCount }
        self.index = index
    }

    /// Tokens in all, special ones included.
    public var vocabularySize: Int { alphabet.count + Self.specialCount }

    /// Why a text cannot be encoded.
    public struct UnknownCharacter: Error, Equatable, CustomStringConvertible {
        public let character: Character
        public let text: String
        public var description: String { "character \"\(character)\" of \"\(text)\" is not in the tokenizer's alphabet" }
    }

    /// The tokens of `text`, without special tokens.
    public func encode(_ text: String) throws -> [Int] {
        try text.map { c in
            guard let id = index[c] else { throw UnknownCharacter(character: c, text: text) }
            return id
        }
    }

    /// The text of `tokens`, stopping at the first end-of-sequence and skipping padding and
    /// beginning-of-sequence tokens.
    public func decode(_ tokens: [Int]) -> String {
        var text = ""
        for t in tokens {
            if t == eos { break }
            if t >= Self.specialCount && t < vocabularySize { text.append(alphabet[t - Self.specialCount]) }
        }
        return text
    }
}
