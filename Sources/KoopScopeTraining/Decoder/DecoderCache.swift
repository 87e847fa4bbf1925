import Foundation

/// The keys and values a ``Decoder`` has computed, per sequence and layer, so that each new
/// token attends to the earlier ones without recomputing them.
///
/// The memory is asked of the system zeroed and untouched, so that positions no sequence reaches
/// (a long `--max-new-tokens` most responses stop short of) cost nothing.
///
/// ```swift
/// let cache = try DecoderCache(decoder.configuration, sequences: 4, capacity: 256)
/// ```
public final class DecoderCache {
    public let sequences: Int
    /// Positions each sequence can hold.
    public let capacity: Int
    /// Positions filled in each sequence.
    public internal(set) var lengths: [Int]
    /// Per layer: sequences × capacity rows of `kvWidth` keys (then values).
    let keys: [UnsafeMutablePointer<Float>], values: [UnsafeMutablePointer<Float>]
    let kvWidth: Int
    /// Bytes held (reserved; pages are touched as positions fill).
    public let byteCount: Int

    /// A cache for `sequences` sequences of up to `capacity` positions each; an error when that
    /// is more memory than the system gives.
    public init(_ configuration: DecoderConfiguration, sequences: Int, capacity: Int) throws {
        self.sequences = sequences
        self.capacity = capacity
        kvWidth = configuration.num_key_value_heads * configuration.head_dim
        lengths = Array(repeating: 0, count: sequences)
        let layers = configuration.num_hidden_layers
        let (rows, o1) = sequences.multipliedReportingOverflow(by: capacity)
        let (size, o2) = rows.multipliedReportingOverflow(by: kvWidth)
        let (total, o3) = size.multipliedReportingOverflow(by: 2 * layers * MemoryLayout<Float>.stride)
        guard sequences > 0, capacity > 0, !o1, !o2, !o3 else {
            throw DecoderError.cacheTooLarge(sequences: sequences, capacity: capacity, bytes: nil)
        }
        byteCount = total
        var keys: [UnsafeMutablePointer<Float>] = [], values: [UnsafeMutablePointer<Float>] = []
        func release() { (keys + values).forEach { free($0) } }
        for _ in 0..<(2 * layers) {
            guard let block = calloc(size, MemoryLayout<Float>.stride) else {
                release()
                throw DecoderError.cacheTooLarge(sequences: sequences, capacity: capacity, bytes: total)
            }
            let floats = block.assumingMemoryBound(to: Float.self)
            if keys.count < layers { keys.append(floats) } else { values.append(floats) }
        }
        self.keys = keys
        self.values = values
    }

    deinit { (keys + values).forEach { free($0) } }

    /// Forgets sequence `s`'s tokens.
    public func reset(_ s: Int) { lengths[s] = 0 }
}
