/// Why a ``Decoder`` refused a request.
public enum DecoderError: Error, CustomStringConvertible, Equatable {
    /// A token id outside the vocabulary.
    case tokenOutOfRange(token: Int, vocabulary: Int)
    /// More positions than the cache holds for a sequence.
    case cacheFull(sequence: Int, capacity: Int)
    /// A sequence number outside the cache.
    case noSuchSequence(Int, sequences: Int)
    /// A key/value cache larger than the memory the system gives (`bytes` nil: past 2⁶³).
    case cacheTooLarge(sequences: Int, capacity: Int, bytes: Int?)
    /// A layer index outside `hidden_states` (0 … num_hidden_layers).
    case noSuchLayer(Int, layers: Int)

    public var description: String {
        switch self {
        case let .tokenOutOfRange(token, vocabulary): "token id \(token) is outside the vocabulary 0..<\(vocabulary)"
        case let .cacheFull(sequence, capacity): "sequence \(sequence) would pass the cache's \(capacity) positions"
        case let .noSuchSequence(s, sequences): "sequence \(s) is outside the cache's 0..<\(sequences)"
        case let .cacheTooLarge(sequences, capacity, bytes):
            "a key/value cache of \(sequences) sequences × \(capacity) positions"
                + (bytes.map { " needs \($0 >> 20) MiB, more than the system gives" } ?? " is past any memory")
                + "; lower --batch or --max-new-tokens"
        case let .noSuchLayer(k, layers):
            "layer \(k) is outside the model's hidden states 0…\(layers) (or −\(layers + 1)…−1 from the end)"
        }
    }
}
