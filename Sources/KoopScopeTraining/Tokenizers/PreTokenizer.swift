import Foundation

/// One step of a `tokenizer.json` pre-tokenizer: each cuts every piece of text it is given into
/// smaller pieces; BPE then runs within each piece.
enum PreTokenizer {
    /// Pieces cut at a regular expression's matches; each match and each stretch between two is
    /// a piece (`Split` with behaviour `Isolated`).
    case split(TokenizerPattern)
    /// Digits cut apart, one by one or in runs.
    case digits(individual: Bool)
    /// The byte-level step: optionally GPT-2's own split, then the bytes as the byte-level alphabet.
    case byteLevel(addPrefixSpace: Bool, split: TokenizerPattern?)

    /// GPT-2's pattern, which `ByteLevel` applies when `use_regex` is true.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// The steps of a `pre_tokenizer` object (one step or a `Sequence`); anything else is refused,
    /// naming its type. `file` names the tokenizer in errors.
    static func steps(_ object: [String: Any]?, file: String) throws -> [PreTokenizer] {
        guard let object else { return [] }
        let fields = JSONFields(object, file: file, prefix: "pre_tokenizer")
        let type = try fields.string("type")
        switch type {
        case "Sequence":
            guard let list = object["pretokenizers"] as? [[String: Any]] else {
                throw ModelFileError.invalid(file: file, entry: "pre_tokenizer.pretokenizers", detail: "must be a list of objects")
            }
            return try list.flatMap { try steps($0, file: file) }
        case "Split":
            guard let pattern = object["pattern"] as? [String: Any] else {
                throw ModelFileError.invalid(file: file, entry: "pre_tokenizer.pattern", detail: "must be an object")
            }
            let expression: String
            if let regex = pattern["Regex"] as? String {
                expression = regex
            } else if let literal = pattern["String"] as? String {
                expression = NSRegularExpression.escapedPattern(for: literal)
            } else {
                throw ModelFileError.invalid(file: file, entry: "pre_tokenizer.pattern", detail: "has neither Regex nor String")
            }
            let behavior = try fields.optionalString("behavior") ?? "Isolated"
            guard behavior == "Isolated", try fields.optionalBool("invert") != true else {
                throw ModelFileError.unsupported(file: file, entry: "pre_tokenizer.behavior",
                                                 detail: "Split with behavior \(behavior)\(try fields.optionalBool("invert") == true ? ", inverted" : ""): only Isolated is implemented")
            }
            return [.split(try TokenizerPattern(expression, file: file))]
        case "Digits":
            return [.digits(individual: try fields.optionalBool("individual_digits") ?? false)]
        case "ByteLevel":
            let split = try fields.optionalBool("use_regex") ?? true
            return [.byteLevel(addPrefixSpace: try fields.optionalBool("add_prefix_space") ?? true,
                               split: split ? try TokenizerPattern(gpt2Pattern, file: file) : nil)]
        default:
            throw ModelFileError.unsupported(file: file, entry: "pre_tokenizer.type",
                                             detail: "\(type): koopscope reads byte-level BPE tokenizers (Split, Digits, ByteLevel)")
        }
    }

    /// Cuts each of `pieces` further. Pieces are cut between Unicode scalars, never inside one,
    /// as the Rust library cuts between `char`s (a combining mark may be cut from its letter).
    func apply(_ pieces: [String]) -> [String] {
        switch self {
        case .split(let pattern):
            return pieces.flatMap { pattern.isolate($0) }
        case .digits(let individual):
            return pieces.flatMap { piece -> [String] in
                var result: [String] = []
                var current = String.UnicodeScalarView()
                var previousIsDigit: Bool?
                for scalar in piece.unicodeScalars {
                    let isDigit = [.decimalNumber, .letterNumber, .otherNumber].contains(scalar.properties.generalCategory)
                    if let previous = previousIsDigit, previous != isDigit || (isDigit && individual) {
                        result.append(String(current))
                        current = String.UnicodeScalarView()
                    }
                    previousIsDigit = isDigit
                    current.append(scalar)
                }
                if !current.isEmpty { result.append(String(current)) }
                return result
            }
        case .byteLevel(let addPrefixSpace, let split):
            let prefixed = addPrefixSpace ? pieces.map { $0.hasPrefix(" ") ? $0 : " " + $0 } : pieces
            let cut = split.map { pattern in prefixed.flatMap { pattern.isolate($0) } } ?? prefixed
            return cut.map(ByteLevelAlphabet.encode)
        }
    }
}

/// A pre-tokenizer's regular expression, run by ICU. The patterns tokenizers use (`\p{L}`,
/// `\p{N}`, `\s` as Unicode's White_Space, `(?i:…)`, `(?!\S)`) mean the same there as in the
/// Oniguruma engine of the Rust `tokenizers` library.
struct TokenizerPattern: @unchecked Sendable {
    let expression: NSRegularExpression

    init(_ pattern: String, file: String) throws {
        do {
            expression = try NSRegularExpression(pattern: pattern)
        } catch {
            throw ModelFileError.invalid(file: file, entry: "pre_tokenizer.pattern",
                                         detail: "the regular expression \(pattern) does not compile (\(error.localizedDescription))")
        }
    }

    /// `text` cut into the pattern's matches and the stretches between them.
    func isolate(_ text: String) -> [String] {
        let utf16 = text.utf16
        var pieces: [String] = []
        var last = 0
        func piece(_ lower: Int, _ upper: Int) -> String {
            let start = String.Index(utf16Offset: lower, in: text), end = String.Index(utf16Offset: upper, in: text)
            return String(String.UnicodeScalarView(text.unicodeScalars[start..<end]))
        }
        for match in expression.matches(in: text, range: NSRange(location: 0, length: utf16.count))
        where match.range.length > 0 {
            if last < match.range.location { pieces.append(piece(last, match.range.location)) }
            pieces.append(piece(match.range.location, NSMaxRange(match.range)))
            last = NSMaxRange(match.range)
        }
        if last < utf16.count { pieces.append(piece(last, utf16.count)) }
        return pieces
    }
}
