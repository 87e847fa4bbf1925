import Foundation
import Testing
import _TestSupport
@testable import KoopScopeTraining

/// Byte-level BPE against the `tokenizers` library: the ids it gave for every text of a corpus
/// of 5 000+ varied lines (scripts/make-hf-fixtures.py), and the round trip back to the text.
@Suite("Byte-level BPE against tokenizers")
struct TokenizerParityTests {
    static func corpus() throws -> [String] {
        try String(contentsOfFile: fixturePath("hf/tokenizer/corpus.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONDecoder().decode(String.self, from: Data($0.utf8)) }
    }

    @Test(arguments: ["qwen2", "llama3", "smollm2"])
    func idsEqualTheLibrarys(pattern: String) throws {
        let tokenizer = try ByteLevelBPETokenizer(contentsOf: fixturePath("hf/tokenizer/\(pattern).json"))
        let texts = try Self.corpus() + ["<|im_start|>user\n2+2?<|im_end|>", "<think>so</think> 4<|endoftext|>"]
        let expected = try String(contentsOfFile: fixturePath("hf/tokenizer/\(pattern).ids.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONDecoder().decode([Int].self, from: Data($0.utf8)) }
        #expect(texts.count >= 5000 && texts.count == expected.count)
        var mismatches: [String] = []
        for (text, ids) in zip(texts, expected) where tokenizer.encode(text) != ids {
            mismatches.append("\(text.debugDescription): \(tokenizer.encode(text)) ≠ \(ids)")
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) texts differ, first: \(mismatches.prefix(3))")
    }

    @Test(arguments: ["qwen2", "llama3", "smollm2"])
    func decodingGivesTheTextBack(pattern: String) throws {
        let tokenizer = try ByteLevelBPETokenizer(contentsOf: fixturePath("hf/tokenizer/\(pattern).json"))
        let nfc = pattern == "qwen2"
        var failures: [String] = []
        for text in try Self.corpus() {
            let expected = nfc ? text.precomposedStringWithCanonicalMapping : text
            if tokenizer.decode(tokenizer.encode(text)) != expected { failures.append(text.debugDescription) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test func specialTokensAreKeptOrLeftOutOnDecoding() throws {
        let tokenizer = try ByteLevelBPETokenizer(contentsOf: fixturePath("hf/tokenizer/llama3.json"))
        let ids = tokenizer.encode("<think>hi</think>")
        #expect(ids.first == 0)   // the template's beginning-of-text token
        #expect(tokenizer.decode(ids) == "<think>hi</think>")
        #expect(tokenizer.decode(ids, skippingSpecialTokens: false) == "<|endoftext|><think>hi</think>")
        #expect(tokenizer.id(of: "<|im_end|>") == 2)
    }

    /// Merges worked by hand: the vocabulary a b c ab bc abc and the merges (b c), (a b). "abc"
    /// merges b c first (rank 0) and then has no merge for (a, bc); with `ignore_merges` the whole
    /// word is in the vocabulary and taken as it is.
    @Test(arguments: [false, true])
    func mergesByHand(ignoreMerges: Bool) throws {
        let json: [String: Any] = [
            "model": ["type": "BPE", "ignore_merges": ignoreMerges, "merges": ["b c", "a b"],
                      "vocab": ["a": 0, "b": 1, "c": 2, "ab": 3, "bc": 4, "abc": 5]],
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true],
        ]
        let tokenizer = try ByteLevelBPETokenizer(json: json, file: "hand.json")
        #expect(tokenizer.encode("abc") == (ignoreMerges ? [5] : [0, 4]))
        #expect(tokenizer.encode("ab") == [3])
        #expect(tokenizer.encode("cab") == [2, 3])
    }

    /// GPT-2's alphabet: printable bytes stand for themselves, the space is Ġ (U+0120), the
    /// newline Ċ (U+010A).
    @Test func byteLevelAlphabet() {
        #expect(ByteLevelAlphabet.characters[Int(UInt8(ascii: "a"))] == "a")
        #expect(ByteLevelAlphabet.characters[32] == "\u{120}")
        #expect(ByteLevelAlphabet.characters[10] == "\u{10A}")
        #expect(Set(ByteLevelAlphabet.characters).count == 256)
    }

    @Test func otherTokenizersAreRefusedByName() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = try JSONSerialization.jsonObject(with: Data(contentsOf: fixturesURL.appendingPathComponent("hf/tokenizer/qwen2.json"))) as! [String: Any]
        func refusal(_ change: (inout [String: Any]) -> Void) throws -> String {
            var object = base
            change(&object)
            let path = dir.appendingPathComponent("tokenizer-\(UUID().uuidString).json").path
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
            do { _ = try ByteLevelBPETokenizer(contentsOf: path) } catch let error as ModelFileError {
                #expect(error.description.hasPrefix(path))
                return error.description
            }
            return "accepted"
        }
        #expect(try refusal { $0["model"] = ["type": "Unigram", "vocab": [["a", -1.0]]] }.contains("model.type: Unigram"))
        #expect(try refusal { $0["model"] = ["type": "WordPiece", "vocab": ["a": 0]] }.contains("model.type: WordPiece"))
        #expect(try refusal {
            var model = $0["model"] as! [String: Any]
            model["byte_fallback"] = true
            $0["model"] = model
            $0["pre_tokenizer"] = ["type": "Metaspace", "replacement": "▁"]
        }.contains("byte_fallback"))
        #expect(try refusal { $0["pre_tokenizer"] = ["type": "Whitespace"] }.contains("pre_tokenizer.type: Whitespace"))
        #expect(try refusal { $0["normalizer"] = ["type": "Lowercase"] }.contains("normalizer.type: Lowercase"))
        #expect(try refusal {
            var model = $0["model"] as! [String: Any]
            model["merges"] = [["Ġ", "zzzz"]]
            $0["model"] = model
        }.contains("model.merges[0]"))
        #expect(try refusal { $0["model"] = "BPE" }.contains("model: missing, or not an object"))
        let broken = dir.appendingPathComponent("broken.json").path
        try Data("{\"model\": ".utf8).write(to: URL(fileURLWithPath: broken))
        #expect(throws: ModelFileError.malformed(file: broken, detail: "not a JSON object")) {
            try ByteLevelBPETokenizer(contentsOf: broken)
        }
    }
}
