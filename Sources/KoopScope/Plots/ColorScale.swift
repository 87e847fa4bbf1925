/// A perceptually ordered colour scale (viridis, sampled at 6 stops) and the series palette.
enum ColorScale {
    private static let stops: [(Double, Double, Double)] = [
        (68, 1, 84), (65, 68, 135), (42, 120, 142), (34, 168, 132), (122, 209, 81), (253, 231, 37),
    ]

    /// The colour of `t` ∈ [0, 1] (clamped) as `#rrggbb`.
    static func viridis(_ t: Double) -> String {
        let x = max(0, min(1, t.isFinite ? t : 1)) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2)
        let f = x - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * f).rounded()) }
        return hex(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// Distinct colours for overlaid series (colour-blind-safe order).
    static let series = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"]

    static func series(_ k: Int) -> String { series[k % series.count] }

    private static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
        func two(_ v: Int) -> String {
            let s = String(max(0, min(255, v)), radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return "#" + two(r) + two(g) + two(b)
    }
}
