import Foundation

/// How a record's prompt becomes the text the model continues: a template with `{prompt}`, or
/// the checkpoint's chat template where it is one of the plain forms koopscope recognises.
///
/// Recognised chat templates (from `tokenizer_config.json`'s `chat_template`): ChatML as Qwen2,
/// Qwen2.5 and Qwen3 write it (`<|im_start|>user … <|im_end|>`, with Qwen2.5's default system
/// message where its template carries one), and Llama 3's header form
/// (`<|start_header_id|>user<|end_header_id|>`). Any other template — with dates, tools or
/// thinking switches — needs an explicit `--template`.
///
/// ```swift
/// let template = try PromptTemplate(text: "Question: {prompt}\nAnswer:")
/// print(template.apply("What is 2 + 2?"))
/// ```
public struct PromptTemplate: Sendable, Equatable {
    /// The text before and after the prompt.
    public let prefix: String, suffix: String
    /// What the template is, for the dump's attributes and progress lines.
    public let name: String

    /// A template containing `{prompt}` exactly once.
    public init(text: String, name: String = "custom") throws {
        let parts = text.components(separatedBy: "{prompt}")
        guard parts.count == 2 else {
            throw ModelFileError.invalid(file: "--template", entry: "{prompt}",
                                         detail: "the template must contain {prompt} exactly once (it has \(parts.count - 1))")
        }
        prefix = parts[0]
        suffix = parts[1]
        self.name = name
    }

    /// The prompt as it is.
    public static let plain = try! PromptTemplate(text: "{prompt}", name: "plain")

    /// The chat template of the checkpoint folder at `folder`, when it is a recognised form; nil
    /// when the folder has no chat template; an error naming the file when it has another one.
    public static func chat(inCheckpoint folder: String) throws -> PromptTemplate? {
        let root = URL(fileURLWithPath: folder)
        var template: String?
        var source = root.appendingPathComponent("tokenizer_config.json").path
        if let data = FileManager.default.contents(atPath: source),
           let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
            template = object["chat_template"] as? String
        }
        let jinja = root.appendingPathComponent("chat_template.jinja").path
        if template == nil, let data = FileManager.default.contents(atPath: jinja) {
            template = String(decoding: data, as: UTF8.self)
            source = jinja
        }
        guard let template else { return nil }
        if template.contains("<|im_start|>") && template.contains("<|im_end|>") {
            let qwenSystem = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
            let system = template.contains(qwenSystem) ? "<|im_start|>system\n\(qwenSystem)<|im_end|>\n" : ""
            return try PromptTemplate(text: system + "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n", name: "chatml")
        }
        if template.contains("<|start_header_id|>") && template.contains("<|eot_id|>")
            && !template.contains("Cutting Knowledge Date") {
            return try PromptTemplate(text: "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|>"
                                      + "<|start_header_id|>assistant<|end_header_id|>\n\n", name: "llama3")
        }
        throw ModelFileError.unsupported(file: source, entry: "chat_template",
                                         detail: "not a plain ChatML (Qwen) or Llama 3 template; give the prompt form with --template \"…{prompt}…\"")
    }

    public func apply(_ prompt: String) -> String { prefix + prompt + suffix }
}
