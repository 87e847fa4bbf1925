import FoundationEssentials
import Glibc

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
    return printfText(x, "%.4g")
}

/// `x` as C's printf writes it with one conversion (`"%.4g"`, `"%.2f"`, `"%.3e"`).
///
/// ```swift
/// print(printfText(0.0861234, "%.3g"))   // "0.0861"
/// ```
public func printfText(_ x: Double, _ format: String) -> String {
    // Measured first: "%.2f" of 1e300 is over 300 characters.
    let needed = withVaList([x]) { vsnprintf(nil, 0, format, $0) }
    guard needed >= 0 else { return "" }
    var buffer = [CChar](repeating: 0, count: Int(needed) + 1)
    _ = withVaList([x]) { vsnprintf(&buffer, buffer.count, format, $0) }
    return String(decoding: buffer.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
