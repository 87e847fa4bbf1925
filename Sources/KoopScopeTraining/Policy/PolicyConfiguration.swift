/// The shape of a ``TransformerPolicy``.
///
/// ```swift
/// let small = PolicyConfiguration(vocabularySize: 50, dimension: 128, layers: 5, heads: 4)
/// print(small.parameterCount)   // 1 012 658
/// ```
public struct PolicyConfiguration: Codable, Sendable, Equatable {
    public var vocabularySize: Int
    /// The most positions a sequence (prompt and response) may have.
    public var contextLength: Int
    /// Width of the residual stream (the hidden state's d).
    public var dimension: Int
    public var layers: Int
    public var heads: Int
    /// Width of each block's MLP.
    public var mlpDimension: Int

    public init(vocabularySize: Int, contextLength: Int = 64, dimension: Int = 128, layers: Int = 5, heads: Int = 4,
                mlpDimension: Int? = nil) {
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.dimension = dimension
        self.layers = layers
        self.heads = heads
        self.mlpDimension = mlpDimension ?? 4 * dimension
    }

    /// What is wrong with this shape, or nil.
    public var problem: String? {
        if vocabularySize < 3 { return "the vocabulary needs at least 3 tokens" }
        if contextLength < 2 { return "the context must hold at least 2 positions" }
        if dimension < 1 || layers < 1 || heads < 1 || mlpDimension < 1 { return "every size must be positive" }
        if dimension % heads != 0 { return "dimension \(dimension) is not a multiple of heads \(heads)" }
        return nil
    }

    /// Number of trainable scalars.
    public var parameterCount: Int {
        let d = dimension, f = mlpDimension
        let block = 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * f + f) + (f * d + d)
        return vocabularySize * d + contextLength * d + layers * block + 2 * d + d * vocabularySize + vocabularySize
    }
}
