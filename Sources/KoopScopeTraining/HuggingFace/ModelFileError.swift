/// Why a model folder (a Hugging Face checkpoint, its weights, tokenizer or prompts) could not be
/// used; each case names the file and the tensor, field or line at fault.
public enum ModelFileError: Error, CustomStringConvertible, Equatable {
    /// A file that does not exist or cannot be read.
    case unreadable(file: String, detail: String)
    /// A file whose structure is broken (a safetensors header, a JSON document).
    case malformed(file: String, detail: String)
    /// One entry of a file (a tensor, a field, a line) that is wrong.
    case invalid(file: String, entry: String, detail: String)
    /// Something the file asks for that koopscope does not implement (an architecture, a
    /// `rope_scaling` type, a tokenizer model).
    case unsupported(file: String, entry: String, detail: String)

    public var description: String {
        switch self {
        case let .unreadable(file, detail): "\(file): \(detail)"
        case let .malformed(file, detail): "\(file): \(detail)"
        case let .invalid(file, entry, detail): "\(file): \(entry): \(detail)"
        case let .unsupported(file, entry, detail): "\(file): \(entry): \(detail)"
        }
    }
}
