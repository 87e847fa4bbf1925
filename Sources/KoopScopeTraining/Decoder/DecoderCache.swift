/// The keys and values a ``Decoder`` has computed, per sequence and layer, so that each new
/// token attends to the earlier ones without recomputing them.
///
/// ```swift
/// let cache = DecoderCache(decoder.configuration, sequences: 4, capacity: 256)
/// ```
public final class DecoderCache {
    public let sequences: Int
    /// Positions each sequence can hold.
    public let capacity: Int
    /// Positions filled in each sequence.
    public internal(set) var lengths: [Int]
    /// Per layer: sequences × capacity rows of `kvWidth` keys (then values).
    var keys: [[Float]], values: [[Float]]
    let kvWidth: Int

    public init(_ configuration: DecoderConfiguration, sequences: Int, capacity: Int) {
        self.sequences = sequences
        self.capacity = capacity
        kvWidth = configuration.num_key_value_heads * configuration.head_dim
        lengths = Array(repeating: 0, count: sequences)
        let size = sequences * capacity * kvWidth
        keys = Array(repeating: [Float](repeating: 0, count: size), count: configuration.num_hidden_layers)
        values = keys
    }

    /// Bytes held.
    public var byteCount: Int { 2 * keys.count * sequences * capacity * kvWidth * 4 }

    /// Forgets sequence `s`'s tokens.
    public func reset(_ s: Int) { lengths[s] = 0 }
}
