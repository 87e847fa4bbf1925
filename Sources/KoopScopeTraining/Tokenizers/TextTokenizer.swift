/// What turns text into token ids and back: the character tokenizer of the built-in tasks, or a
/// checkpoint's byte-level BPE tokenizer.
///
/// ```swift
/// let tokenizer: any TextTokenizer = CharacterTokenizer.standard
/// let ids = try tokenizer.encode("12+30=")
/// ```
public protocol TextTokenizer: Sendable {
    /// Ids in all.
    var vocabularySize: Int { get }
    /// The ids of `text`.
    func encode(_ text: String) throws -> [Int]
    /// The text of `tokens`, special tokens left out.
    func decode(_ tokens: [Int]) -> String
}

extension CharacterTokenizer: TextTokenizer {}
