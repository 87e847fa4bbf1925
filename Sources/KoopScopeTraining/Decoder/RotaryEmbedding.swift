import Foundation

/// Rotary position embeddings as Llama-family models apply them: each head's vector is split in
/// halves, and element i of the first half and element i of the second are rotated together by
/// the angle `position · frequencies[i]`.
///
/// ```swift
/// let rotary = RotaryEmbedding(headDimension: 64, theta: 10_000, scaling: .none)
/// ```
public struct RotaryEmbedding: Sendable {
    /// The `headDimension / 2` inverse wavelengths, scaling applied.
    public let frequencies: [Double]

    public init(headDimension: Int, theta: Double, scaling: DecoderConfiguration.RopeScaling) {
        let half = headDimension / 2
        var inverse = (0..<half).map { i in 1 / pow(theta, Double(2 * i) / Double(headDimension)) }
        if case let .llama3(factor, low, high, original) = scaling {
            // Long wavelengths are stretched by `factor`, short ones kept, the band between blended.
            let lowWavelength = Double(original) / low, highWavelength = Double(original) / high
            inverse = inverse.map { f in
                let wavelength = 2 * Double.pi / f
                if wavelength < highWavelength { return f }
                if wavelength > lowWavelength { return f / factor }
                let smooth = (Double(original) / wavelength - low) / (high - low)
                return (1 - smooth) * f / factor + smooth * f
            }
        }
        frequencies = inverse
    }
}
