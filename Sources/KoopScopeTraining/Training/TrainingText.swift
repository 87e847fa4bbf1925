import Foundation

/// How a training run turns problems into token ids and responses back into text: koopscope's
/// character tokenizer with its beginning-of-sequence token, or a checkpoint's tokenizer with its
/// prompt form (a chat template or `{prompt}` text) and its end-of-sequence tokens.
///
/// ```swift
/// let text = TrainingText.character
/// let prompt = try text.prompt("12+30=")          // [bos, 2, 3, …]
/// let answer = try text.demonstration("42")      // the answer and end-of-sequence
/// ```
public struct TrainingText: Sendable {
    public let tokenizer: any TextTokenizer
    /// The form each problem's prompt takes before it is tokenized.
    public let template: PromptTemplate
    /// Ids before every prompt's own (the character tokenizer's beginning-of-sequence).
    public let prefix: [Int32]
    /// Whether prompts get the tokenizer's own special tokens (its post-processor's); not when a
    /// chat template frames the text itself, as `apply_chat_template` does.
    let specialTokensInPrompts: Bool
    /// Tokens that end a response.
    public let stopTokens: Set<Int32>
    /// The token demonstrations end with (the first stop token).
    public let endOfSequence: Int32
    /// What fills the positions past a sequence's end (never scored).
    public let padding: Int32

    /// The built-in tasks' tokenizer.
    public static let character: TrainingText = {
        let t = CharacterTokenizer.standard
        return TrainingText(tokenizer: t, template: .plain, prefix: [Int32(t.bos)], specialTokensInPrompts: false,
                            stopTokens: [Int32(t.eos)], endOfSequence: Int32(t.eos), padding: Int32(t.pad))
    }()

    /// The tokenizer of the checkpoint folder `folder`, its end-of-sequence tokens, and `template`
    /// (nil: its chat template where koopscope recognises it, else the prompt as it is).
    public init(checkpoint folder: CheckpointFolder, template: PromptTemplate? = nil) throws {
        guard let path = folder.tokenizerPath else {
            throw ModelFileError.unreadable(file: folder.path, detail: "no tokenizer.json in the checkpoint folder")
        }
        let tokenizer = try ByteLevelBPETokenizer(contentsOf: path)
        let chat = template == nil ? try PromptTemplate.chat(inCheckpoint: folder.path) : nil
        guard let first = folder.eosTokenIDs.first else {
            throw ModelFileError.invalid(file: folder.path, entry: "eos_token_id",
                                         detail: "neither config.json nor generation_config.json names an end-of-sequence token")
        }
        if let bad = folder.eosTokenIDs.first(where: { !(0..<folder.configuration.vocab_size).contains($0) }) {
            throw ModelFileError.invalid(file: folder.path, entry: "eos_token_id",
                                         detail: "\(bad) is outside the vocabulary of \(folder.configuration.vocab_size)")
        }
        self.init(tokenizer: tokenizer, template: template ?? chat ?? .plain, prefix: [], specialTokensInPrompts: chat == nil,
                  stopTokens: Set(folder.eosTokenIDs.map(Int32.init)), endOfSequence: Int32(first), padding: Int32(first))
    }

    init(tokenizer: any TextTokenizer, template: PromptTemplate, prefix: [Int32], specialTokensInPrompts: Bool,
         stopTokens: Set<Int32>, endOfSequence: Int32, padding: Int32) {
        self.tokenizer = tokenizer
        self.template = template
        self.prefix = prefix
        self.specialTokensInPrompts = specialTokensInPrompts
        self.stopTokens = stopTokens
        self.endOfSequence = endOfSequence
        self.padding = padding
    }

    /// The ids of a problem's prompt, through the template.
    public func prompt(_ text: String) throws -> [Int32] {
        prefix + (try encode(template.apply(text), special: specialTokensInPrompts)).map(Int32.init)
    }

    /// The ids of a response to learn from: its text, then end-of-sequence.
    public func demonstration(_ text: String) throws -> [Int32] {
        try encode(text, special: false).map(Int32.init) + [endOfSequence]
    }

    /// A response's text, stop and special tokens left out.
    public func text(_ response: [Int32]) -> String {
        tokenizer.decode(response.map(Int.init))
    }

    private func encode(_ text: String, special: Bool) throws -> [Int] {
        if let bpe = tokenizer as? ByteLevelBPETokenizer { return bpe.encode(text, addingSpecialTokens: special) }
        return try tokenizer.encode(text)
    }
}
