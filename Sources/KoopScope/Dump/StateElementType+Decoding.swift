extension StateElementType {
    /// Decodes `count` values of this type at `source` into Float32 (float64 rounds to nearest)
    /// and returns how many are NaN or infinite.
    ///
    /// ```swift
    /// let halves: [UInt16] = [0x3C00, 0x7C00]          // 1.0 and +∞ in float16
    /// var out = [Float](repeating: 0, count: 2)
    /// let bad = halves.withUnsafeBytes { StateElementType.float16.decode($0.baseAddress!, count: 2, into: &out) }
    /// ```
    public func decode(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) -> Int {
        switch self {
        case .float16:
            return HalfPrecision.decodeFloat16(source.assumingMemoryBound(to: UInt16.self), count: count, into: destination)
        case .bfloat16:
            return HalfPrecision.decodeBFloat16(source.assumingMemoryBound(to: UInt16.self), count: count, into: destination)
        case .float32:
            let values = source.assumingMemoryBound(to: Float.self)
            destination.update(from: values, count: count)
            return HalfPrecision.countNonFinite(destination, count: count)
        case .float64:
            let values = source.assumingMemoryBound(to: Double.self)
            for i in 0..<count { destination[i] = Float(values[i]) }
            return HalfPrecision.countNonFinite(destination, count: count)
        }
    }
}
