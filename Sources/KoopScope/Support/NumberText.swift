import Foundation

/// A number for people reading a terminal: whole numbers without a fraction, others with four
/// significant digits, `-` when undefined.
///
/// ```swift
/// print(shortNumber(39.5))        // "39.5"
/// print(shortNumber(0.0861234))   // "0.08612"
/// ```
public func shortNumber(_ x: Double) -> String {
    if x.isNaN { return "-" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded() && abs(x) < 1e6 { return String(Int(x)) }
    return String(format: "%.4g", x)
}
