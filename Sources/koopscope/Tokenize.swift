import ArgumentParser
import KoopScope
import Foundation
import KoopScopeTraining

/// `koopscope tokenize MODEL_DIR`: token ids of the lines on standard input, or text of ids.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode lines of text with a checkpoint's tokenizer (or decode ids).",
        discussion: """
            Reads standard input line by line. Without --decode each line is encoded and its ids \
            printed as a JSON array, one line each (the tokenizer's added tokens, such as a \
            beginning-of-text token, included). With --decode each line must be a JSON array of \
            ids, and its text is printed as a JSON string (special tokens left out). MODEL_DIR is \
            a checkpoint folder with tokenizer.json, or a tokenizer.json file.
            """)

    @Argument(help: "A checkpoint folder holding tokenizer.json, or the tokenizer.json file.")
    var model: String

    @Flag(help: "Read JSON arrays of ids and print their text.")
    var decode = false

    @Flag(help: "Leave out the post-processor's tokens (a beginning-of-text token, say).")
    var noSpecialTokens = false

    func run() throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory)
        let path = exists && isDirectory.boolValue ? URL(fileURLWithPath: model).appendingPathComponent("tokenizer.json").path : model
        let tokenizer = try ByteLevelBPETokenizer(contentsOf: path)
        var number = 0
        while let line = readLine(strippingNewline: true) {
            number += 1
            if decode {
                guard let ids = try? JSONDecoder().decode([Int].self, from: Data(line.utf8)) else {
                    throw ModelFileError.invalid(file: "standard input", entry: "line \(number)", detail: "not a JSON array of whole numbers")
                }
                print(try compactJSON(tokenizer.decode(ids)))
            } else {
                let ids = tokenizer.encode(line, addingSpecialTokens: !noSpecialTokens)
                print("[" + ids.map(String.init).joined(separator: ",") + "]")
            }
        }
    }
}
