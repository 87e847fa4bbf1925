import FoundationEssentials
import Glibc

/// Text and numbers as they go into SVG and HTML.
enum Markup {
    /// `s` with the five XML special characters escaped.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A coordinate with two decimals (enough for a pixel, short in the file).
    static func coordinate(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : printfText(r, "%.2f")
    }

    /// A number for tables and tick labels: up to 4 significant digits.
    static func number(_ x: Double) -> String {
        if x.isNaN { return "–" }
        if x.isInfinite { return x > 0 ? "∞" : "−∞" }
        if x == 0 { return "0" }
        if x == x.rounded() && abs(x) < 1e6 { return String(Int(x)) }
        let a = abs(x)
        if a >= 1e-3 && a < 1e6 {
            var s = printfText(x, "%.4g")
            if s.contains("e") { s = printfText(x, "%.4f") }
            return s
        }
        return printfText(x, "%.3e")
    }
}

/// Evenly spaced "nice" tick values (steps of 1, 2, 2.5 or 5 × 10ᵏ) covering `lo…hi`, about
/// `count` of them.
func niceTicks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
    guard lo.isFinite, hi.isFinite, hi > lo else { return lo.isFinite ? [lo] : [] }
    let raw = (hi - lo) / Double(max(count - 1, 1))
    let exponent = Int(floor(log10(raw)))
    // The candidate whose number of intervals is closest to count − 1.
    let mantissa = [1.0, 2, 2.5, 5, 10].min { a, b in
        abs((hi - lo) / (a * pow(10, Double(exponent))) - Double(count - 1))
            < abs((hi - lo) / (b * pow(10, Double(exponent))) - Double(count - 1))
    }!
    // Ticks as k·mantissa·10^exponent, divided rather than multiplied by a negative power of
    // ten so that 3 × 0.2 prints as 0.6.
    func tick(_ k: Int) -> Double {
        exponent >= 0 ? Double(k) * mantissa * pow(10, Double(exponent))
                      : Double(k) * mantissa / pow(10, Double(-exponent))
    }
    let step = tick(1)
    var k = Int((lo / step).rounded(.up))
    var ticks: [Double] = []
    while tick(k) <= hi + step * 1e-9 {
        ticks.append(tick(k) == 0 ? 0 : tick(k))
        k += 1
    }
    return ticks
}
