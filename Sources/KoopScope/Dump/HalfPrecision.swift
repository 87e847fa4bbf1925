import _KoopScopeKernels

/// Conversions between Float32 and the 16-bit formats dumps store states in.
public enum HalfPrecision {
    /// Decodes IEEE binary16 bit patterns into Float32 (with F16C where the CPU has it);
    /// returns how many were NaN or infinite.
    public static func decodeFloat16(_ source: UnsafePointer<UInt16>, count: Int,
                              into destination: UnsafeMutablePointer<Float>) -> Int {
        Int(ks_decode_float16(source, count, destination))
    }

    /// Decodes bfloat16 bit patterns (the upper half of a Float32) into Float32.
    public static func decodeBFloat16(_ source: UnsafePointer<UInt16>, count: Int,
                               into destination: UnsafeMutablePointer<Float>) -> Int {
        var nonFinite = 0
        for i in 0..<count {
            let bits = source[i]
            destination[i] = Float(bitPattern: UInt32(bits) << 16)
            nonFinite &+= (bits & 0x7F80) == 0x7F80 ? 1 : 0
        }
        return nonFinite
    }

    /// Counts NaN and infinite values.
    static func countNonFinite(_ values: UnsafePointer<Float>, count: Int) -> Int {
        var n = 0
        for i in 0..<count { n &+= (values[i].bitPattern & 0x7F80_0000) == 0x7F80_0000 ? 1 : 0 }
        return n
    }

    /// The float16 nearest to `x` (ties to even), as bits.
    public static func float16Bits(_ x: Float) -> UInt16 { Float16(x).bitPattern }

    /// The bfloat16 nearest to `x` (ties to even), as bits; NaN stays NaN.
    public static func bfloat16Bits(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        if x.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }
}
