import Foundation

/// A byte-level BPE tokenizer read from a checkpoint's `tokenizer.json` (GPT-2, Llama 3, Qwen,
/// SmolLM): added and special tokens matched first, NFC when the file asks for it, the
/// pre-tokenizer's `Split`, `Digits` and `ByteLevel` steps, the merges in rank order, and a
/// `TemplateProcessing` post-processor's tokens. Ids equal those of the `tokenizers` library.
///
/// ```swift
/// let tokenizer = try ByteLevelBPETokenizer(contentsOf: "Qwen2.5-0.5B/tokenizer.json")
/// let ids = tokenizer.encode("What is 12 + 30?")
/// print(tokenizer.decode(ids))
/// ```
public struct ByteLevelBPETokenizer: TextTokenizer {
    let vocabulary: [String: Int]
    /// Each id's token (nil for an id no token has).
    let tokens: [String?]
    /// A pair of ids to its merge's rank and the merged id.
    let merges: [MergePair: (rank: Int, merged: Int)]
    let addedTokens: [AddedToken]
    let preTokenizer: [PreTokenizer]
    let nfc: Bool
    /// Whole pieces found in the vocabulary skip the merges (Llama 3).
    let ignoreMerges: Bool
    /// Ids the post-processor puts before and after the text.
    let prefixIDs: [Int], suffixIDs: [Int]

    struct MergePair: Hashable { let left: Int, right: Int }

    public var vocabularySize: Int { tokens.count }

    /// The id of `token` (an added token or one of the vocabulary's).
    public func id(of token: String) -> Int? {
        addedTokens.first { $0.content == token }?.id ?? vocabulary[token]
    }

    /// The special tokens' contents and ids.
    public var specialTokens: [(content: String, id: Int)] {
        addedTokens.filter(\.special).map { ($0.content, $0.id) }
    }

    /// Reads `path`; a tokenizer of another kind (Unigram, WordPiece, SentencePiece-style BPE) is
    /// refused, naming the file and its type.
    public init(contentsOf path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelFileError.unreadable(file: path, detail: "cannot read it (\(error.localizedDescription))")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelFileError.malformed(file: path, detail: "not a JSON object")
        }
        try self.init(json: object, file: path)
    }

    init(json object: [String: Any], file: String) throws {
        guard let model = object["model"] as? [String: Any] else {
            throw ModelFileError.invalid(file: file, entry: "model", detail: "missing, or not an object")
        }
        let modelFields = JSONFields(model, file: file, prefix: "model")
        let type = try modelFields.optionalString("type") ?? "BPE"
        guard type == "BPE" else {
            throw ModelFileError.unsupported(file: file, entry: "model.type", detail: "\(type): koopscope reads byte-level BPE tokenizers only")
        }
        if try modelFields.optionalBool("byte_fallback") == true {
            throw ModelFileError.unsupported(file: file, entry: "model.byte_fallback",
                                             detail: "a SentencePiece-style BPE (byte fallback): koopscope reads byte-level BPE tokenizers only")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] where try modelFields.optionalString(key).map({ !$0.isEmpty }) == true {
            throw ModelFileError.unsupported(file: file, entry: "model.\(key)", detail: "word-piece affixes are not part of byte-level BPE")
        }
        ignoreMerges = try modelFields.optionalBool("ignore_merges") ?? false
        guard let vocabularyObject = model["vocab"] as? [String: Any] else {
            throw ModelFileError.invalid(file: file, entry: "model.vocab", detail: "missing, or not an object of token ids")
        }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(vocabularyObject.count)
        for (token, value) in vocabularyObject {
            guard let number = value as? NSNumber, !JSONFields.isBoolean(number), let id = Int(exactly: number.doubleValue),
                  (0..<(1 << 24)).contains(id) else {
                throw ModelFileError.invalid(file: file, entry: "model.vocab.\(token)", detail: "must be an id in 0..<2^24")
            }
            vocabulary[token] = id
        }

        var added: [AddedToken] = []
        for (k, entry) in ((object["added_tokens"] as? [[String: Any]]) ?? []).enumerated() {
            let fields = JSONFields(entry, file: file, prefix: "added_tokens[\(k)]")
            added.append(AddedToken(id: try fields.int("id", within: 0...((1 << 24) - 1)), content: try fields.string("content"),
                                    special: try fields.optionalBool("special") ?? false,
                                    normalized: try fields.optionalBool("normalized") ?? false,
                                    singleWord: try fields.optionalBool("single_word") ?? false,
                                    leftStrip: try fields.optionalBool("lstrip") ?? false,
                                    rightStrip: try fields.optionalBool("rstrip") ?? false))
        }
        addedTokens = added

        let size = max((vocabulary.values.max() ?? -1) + 1, (added.map(\.id).max() ?? -1) + 1)
        var tokens = [String?](repeating: nil, count: size)
        for (token, id) in vocabulary { tokens[id] = token }
        for token in added { tokens[token.id] = token.content }
        self.tokens = tokens
        self.vocabulary = vocabulary

        guard let mergeList = model["merges"] as? [Any] else {
            throw ModelFileError.invalid(file: file, entry: "model.merges", detail: "missing, or not a list")
        }
        var merges: [MergePair: (Int, Int)] = [:]
        merges.reserveCapacity(mergeList.count)
        for (rank, entry) in mergeList.enumerated() {
            let pair: [String]
            if let text = entry as? String {
                pair = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            } else if let list = entry as? [String] {
                pair = list
            } else { pair = [] }
            guard pair.count == 2, let left = vocabulary[pair[0]], let right = vocabulary[pair[1]],
                  let merged = vocabulary[pair[0] + pair[1]] else {
                throw ModelFileError.invalid(file: file, entry: "model.merges[\(rank)]",
                                             detail: "\(entry) is not two tokens of the vocabulary whose join is one too")
            }
            if merges[MergePair(left: left, right: right)] == nil { merges[MergePair(left: left, right: right)] = (rank, merged) }
        }
        self.merges = merges

        nfc = try Self.readNormalizer(object["normalizer"], file: file)
        preTokenizer = try PreTokenizer.steps(object["pre_tokenizer"] as? [String: Any], file: file)
        guard preTokenizer.contains(where: { if case .byteLevel = $0 { true } else { false } }) else {
            throw ModelFileError.unsupported(file: file, entry: "pre_tokenizer",
                                             detail: "no ByteLevel step: koopscope reads byte-level BPE tokenizers only")
        }
        (prefixIDs, suffixIDs) = try Self.readPostProcessor(object["post_processor"] as? [String: Any], file: file)
        if let decoder = object["decoder"] as? [String: Any] {
            let types = ((decoder["decoders"] as? [[String: Any]]) ?? [decoder]).compactMap { $0["type"] as? String }
            guard types.contains("ByteLevel") else {
                throw ModelFileError.unsupported(file: file, entry: "decoder.type",
                                                 detail: "\(types.joined(separator: ", ")): byte-level BPE needs the ByteLevel decoder")
            }
        }
    }

    /// Whether the normalizer is NFC (true) or none (false); any other is refused by name.
    private static func readNormalizer(_ value: Any?, file: String) throws -> Bool {
        guard let object = value as? [String: Any] else { return false }
        let type = object["type"] as? String ?? "?"
        switch type {
        case "NFC": return true
        case "Sequence":
            let parts = (object["normalizers"] as? [Any]) ?? []
            var nfc = false
            for part in parts { nfc = try readNormalizer(part, file: file) || nfc }
            return nfc
        default:
            throw ModelFileError.unsupported(file: file, entry: "normalizer.type", detail: "\(type): only NFC (or none) is implemented")
        }
    }

    /// The ids a `TemplateProcessing` post-processor puts around a single text; none for
    /// `ByteLevel`, which changes no id.
    private static func readPostProcessor(_ object: [String: Any]?, file: String) throws -> ([Int], [Int]) {
        guard let object else { return ([], []) }
        let type = object["type"] as? String ?? "?"
        switch type {
        case "ByteLevel": return ([], [])
        case "Sequence":
            var result: ([Int], [Int]) = ([], [])
            for part in (object["processors"] as? [[String: Any]]) ?? [] {
                let (prefix, suffix) = try readPostProcessor(part, file: file)
                result = (result.0 + prefix, suffix + result.1)
            }
            return result
        case "TemplateProcessing":
            guard let single = object["single"] as? [[String: Any]] else {
                throw ModelFileError.invalid(file: file, entry: "post_processor.single", detail: "must be a list")
            }
            let specials = object["special_tokens"] as? [String: [String: Any]] ?? [:]
            var prefix: [Int] = [], suffix: [Int] = [], seenText = false
            for item in single {
                if item["Sequence"] != nil { seenText = true; continue }
                guard let special = item["SpecialToken"] as? [String: Any], let name = special["id"] as? String,
                      let ids = specials[name]?["ids"] as? [Int] else {
                    throw ModelFileError.invalid(file: file, entry: "post_processor.single", detail: "an item is neither a Sequence nor a known SpecialToken")
                }
                if seenText { suffix += ids } else { prefix += ids }
            }
            return (prefix, suffix)
        default:
            throw ModelFileError.unsupported(file: file, entry: "post_processor.type", detail: "\(type): only ByteLevel and TemplateProcessing are implemented")
        }
    }

    /// The ids of `text`, with the post-processor's tokens (a beginning-of-text token, say).
    public func encode(_ text: String) -> [Int] { encode(text, addingSpecialTokens: true) }

    /// The ids of `text`; without the post-processor's tokens when `addingSpecialTokens` is false
    /// (for text a chat template already framed).
    public func encode(_ text: String, addingSpecialTokens: Bool) -> [Int] {
        var ids = addingSpecialTokens ? prefixIDs : []
        for (raw, token) in AddedToken.split(text, on: addedTokens.filter { !$0.normalized }) {
            if let token { ids.append(token.id); continue }
            let normalized = nfc ? raw.precomposedStringWithCanonicalMapping : raw
            for (piece, token) in AddedToken.split(normalized, on: addedTokens.filter(\.normalized)) {
                if let token { ids.append(token.id); continue }
                for word in preTokenizer.reduce([piece], { $1.apply($0) }) where !word.isEmpty {
                    ids += bpe(word)
                }
            }
        }
        return addingSpecialTokens ? ids + suffixIDs : ids
    }

    /// The merges applied to one pre-tokenized word (of byte-level characters): the adjacent
    /// pair of lowest rank is merged wherever it occurs, until no pair has a merge.
    func bpe(_ word: String) -> [Int] {
        if ignoreMerges, let id = vocabulary[word] { return [id] }
        var symbols = word.map { vocabulary[String($0)] ?? -1 }.filter { $0 >= 0 }
        while symbols.count > 1 {
            var best: (rank: Int, merged: Int, left: Int, right: Int)?
            for k in 0..<(symbols.count - 1) {
                if let merge = merges[MergePair(left: symbols[k], right: symbols[k + 1])], merge.rank < (best?.rank ?? .max) {
                    best = (merge.rank, merge.merged, symbols[k], symbols[k + 1])
                }
            }
            guard let best else { break }
            var merged: [Int] = []
            merged.reserveCapacity(symbols.count)
            var k = 0
            while k < symbols.count {
                if k + 1 < symbols.count && symbols[k] == best.left && symbols[k + 1] == best.right {
                    merged.append(best.merged)
                    k += 2
                } else {
                    merged.append(symbols[k])
                    k += 1
                }
            }
            symbols = merged
        }
        return symbols
    }

    /// The text of `ids`: special tokens left out unless asked for, byte-level characters turned
    /// back into bytes (a token with other characters as its own UTF-8), invalid UTF-8 as U+FFFD.
    public func decode(_ ids: [Int]) -> String { decode(ids, skippingSpecialTokens: true) }

    public func decode(_ ids: [Int], skippingSpecialTokens: Bool) -> String {
        let special = Set(addedTokens.filter(\.special).map(\.id))
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < tokens.count {
            guard let token = tokens[id], !(skippingSpecialTokens && special.contains(id)) else { continue }
            var mapped: [UInt8] = []
            var allMapped = true
            for character in token {
                guard let byte = ByteLevelAlphabet.bytes[character] else { allMapped = false; break }
                mapped.append(byte)
            }
            bytes += allMapped ? mapped : Array(token.utf8)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
