import FoundationEssentials
import Glibc

/// A chart drawn as SVG: axes with ticks and labelled units, a title, a legend, and layers of
/// points, lines, bars, circles and binned densities.
///
/// ```swift
/// var chart = Chart(title: "Eigenvalues", xLabel: "Re λ", yLabel: "Im λ")
/// chart.equalAspect = true
/// chart.layers.append(.circle(x: 0, y: 0, radius: 1, label: "unit circle"))
/// chart.layers.append(.points(xs: re, ys: im, colors: colors, label: nil))
/// let svg = chart.svg()
/// ```
struct Chart {
    enum Layer {
        /// Markers, one colour each (or one for all), optionally named in the legend.
        case points(xs: [Double], ys: [Double], colors: [String], label: String?)
        case line(xs: [Double], ys: [Double], color: String, label: String?)
        /// A histogram: `edges` has one more entry than `counts`.
        case bars(edges: [Double], counts: [Double], color: String, label: String?)
        case circle(x: Double, y: Double, radius: Double, label: String?)
        /// Cells of a regular grid coloured by `values` (row-major, `yBins` rows), zeros blank.
        case density(xEdges: [Double], yEdges: [Double], values: [Double], label: String?)
        /// Cells of a regular grid coloured by `values` mapped linearly from `range` onto the
        /// colour scale (row-major, one row per y cell); NaN cells blank.
        case heat(xEdges: [Double], yEdges: [Double], values: [Double], range: ClosedRange<Double>)
        /// Vertical error bars from `low` to `high` at each x.
        case ranges(xs: [Double], low: [Double], high: [Double], color: String)
        /// A shaded region between `low` and `high` along x (a spread around a line).
        case band(xs: [Double], low: [Double], high: [Double], color: String)
    }

    var title: String
    /// Distinguishes this chart's internal ids from other charts' in the same page.
    var id = "chart"
    var xLabel: String
    var yLabel: String
    var width = 560.0
    var height = 400.0
    var layers: [Layer] = []
    /// One unit is as long on both axes (for the complex plane).
    var equalAspect = false
    /// Force the axis ranges (otherwise they fit the data).
    var xRange: ClosedRange<Double>?
    var yRange: ClosedRange<Double>?
    /// A colour bar: its label and the values of its two ends.
    var colorBar: (label: String, low: Double, high: Double)?
    /// Category names for integer x positions (a strip plot by group).
    var xCategories: [Int: String]?

    private let left = 68.0, right = 16.0, top = 34.0, bottom = 52.0

    /// The chart as an `<svg>` element; `standalone` adds the XML declaration and namespace
    /// attributes a separate `.svg` file needs.
    func svg(standalone: Bool = false) -> String {
        let barWidth = colorBar == nil ? 0.0 : 70.0
        let plotW = width - left - right - barWidth, plotH = height - top - bottom
        var (xr, yr) = ranges()
        if equalAspect {
            // Widen the shorter side so a unit is the same number of pixels both ways.
            let sx = (xr.upperBound - xr.lowerBound) / plotW, sy = (yr.upperBound - yr.lowerBound) / plotH
            if sx > sy {
                let half = sx * plotH / 2, mid = (yr.lowerBound + yr.upperBound) / 2
                yr = (mid - half)...(mid + half)
            } else {
                let half = sy * plotW / 2, mid = (xr.lowerBound + xr.upperBound) / 2
                xr = (mid - half)...(mid + half)
            }
        }
        func px(_ x: Double) -> Double { left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * plotH }
        let c = Markup.coordinate
        var s = standalone ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : ""
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(c(width))\" height=\"\(c(height))\" "
            + "viewBox=\"0 0 \(c(width)) \(c(height))\" class=\"chart\" role=\"img\" "
            + "aria-label=\"\(Markup.escape(title))\" font-family=\"sans-serif\" font-size=\"11\">"
        s += "<title>\(Markup.escape(title))</title>"
        s += "<rect x=\"0\" y=\"0\" width=\"\(c(width))\" height=\"\(c(height))\" fill=\"#ffffff\"/>"
        s += "<text class=\"chart-title\" x=\"\(c(left))\" y=\"20\" font-size=\"13\" font-weight=\"bold\">"
            + "\(Markup.escape(title))</text>"
        // Axes: ticks, grid, labels.
        s += "<g class=\"axis x\">"
        let xTicks = xCategories.map { cats in cats.keys.sorted().filter { xr.contains(Double($0)) }.map(Double.init) }
            ?? niceTicks(xr.lowerBound, xr.upperBound)
        let thinned = xTicks.count > 14 ? stride(from: 0, to: xTicks.count, by: (xTicks.count + 13) / 14).map { xTicks[$0] } : xTicks
        for t in thinned {
            let x = px(t)
            s += "<line x1=\"\(c(x))\" y1=\"\(c(top))\" x2=\"\(c(x))\" y2=\"\(c(top + plotH))\" stroke=\"#e6e6e6\"/>"
            s += "<line x1=\"\(c(x))\" y1=\"\(c(top + plotH))\" x2=\"\(c(x))\" y2=\"\(c(top + plotH + 4))\" stroke=\"#333\"/>"
            let text = xCategories?[Int(t)] ?? Markup.number(t)
            s += "<text x=\"\(c(x))\" y=\"\(c(top + plotH + 16))\" text-anchor=\"middle\">\(Markup.escape(text))</text>"
        }
        s += "<line x1=\"\(c(left))\" y1=\"\(c(top + plotH))\" x2=\"\(c(left + plotW))\" y2=\"\(c(top + plotH))\" stroke=\"#333\"/>"
        s += "<text class=\"axis-label\" x=\"\(c(left + plotW / 2))\" y=\"\(c(height - 12))\" text-anchor=\"middle\">"
            + "\(Markup.escape(xLabel))</text></g>"
        s += "<g class=\"axis y\">"
        for t in niceTicks(yr.lowerBound, yr.upperBound) {
            let y = py(t)
            s += "<line x1=\"\(c(left))\" y1=\"\(c(y))\" x2=\"\(c(left + plotW))\" y2=\"\(c(y))\" stroke=\"#e6e6e6\"/>"
            s += "<line x1=\"\(c(left - 4))\" y1=\"\(c(y))\" x2=\"\(c(left))\" y2=\"\(c(y))\" stroke=\"#333\"/>"
            s += "<text x=\"\(c(left - 6))\" y=\"\(c(y + 4))\" text-anchor=\"end\">\(Markup.number(t))</text>"
        }
        s += "<line x1=\"\(c(left))\" y1=\"\(c(top))\" x2=\"\(c(left))\" y2=\"\(c(top + plotH))\" stroke=\"#333\"/>"
        s += "<text class=\"axis-label\" transform=\"translate(14 \(c(top + plotH / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\">\(Markup.escape(yLabel))</text></g>"
        // Layers, clipped to the plot area.
        let clip = "clip-\(id)"
        s += "<clipPath id=\"\(clip)\"><rect x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(plotW))\" height=\"\(c(plotH))\"/></clipPath>"
        s += "<g class=\"layers\" clip-path=\"url(#\(clip))\">"
        var legend: [(String, String, Bool)] = []
        for layer in layers {
            switch layer {
            case .points(let xs, let ys, let colors, let label):
                s += "<g class=\"points\">"
                for i in xs.indices where xs[i].isFinite && ys[i].isFinite {
                    let color = colors.count == xs.count ? colors[i] : (colors.first ?? "#333")
                    s += "<circle cx=\"\(c(px(xs[i])))\" cy=\"\(c(py(ys[i])))\" r=\"2.6\" fill=\"\(color)\" fill-opacity=\"0.8\"/>"
                }
                s += "</g>"
                if let label { legend.append((label, colors.count == 1 ? colors[0] : "#555", false)) }
            case .line(let xs, let ys, let color, let label):
                var d = ""
                var pen = false
                for i in xs.indices {
                    guard xs[i].isFinite && ys[i].isFinite else { pen = false; continue }
                    d += (pen ? "L" : "M") + c(px(xs[i])) + " " + c(py(ys[i]))
                    pen = true
                }
                s += "<path class=\"series\" d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"/>"
                if let label { legend.append((label, color, true)) }
            case .band(let xs, let low, let high, let color):
                let kept = xs.indices.filter { xs[$0].isFinite && low[$0].isFinite && high[$0].isFinite }
                guard kept.count >= 2 else { break }
                let upper = kept.map { c(px(xs[$0])) + " " + c(py(high[$0])) }
                let lower = kept.reversed().map { c(px(xs[$0])) + " " + c(py(low[$0])) }
                s += "<path class=\"band\" d=\"M" + (upper + lower).joined(separator: "L") + "Z\" fill=\"\(color)\" "
                    + "fill-opacity=\"0.18\" stroke=\"none\"/>"
            case .bars(let edges, let counts, let color, let label):
                s += "<g class=\"bars\">"
                for i in counts.indices where counts[i] > 0 {
                    let x0 = px(edges[i]), x1 = px(edges[i + 1]), y = py(counts[i])
                    s += "<rect x=\"\(c(x0))\" y=\"\(c(y))\" width=\"\(c(max(x1 - x0, 0.5)))\" height=\"\(c(py(yr.lowerBound) - y))\" "
                        + "fill=\"\(color)\" fill-opacity=\"0.45\" stroke=\"\(color)\" stroke-width=\"0.8\"/>"
                }
                s += "</g>"
                if let label { legend.append((label, color, false)) }
            case .circle(let x, let y, let radius, let label):
                let rx = px(x + radius) - px(x), ry = py(y) - py(y + radius)
                s += "<ellipse cx=\"\(c(px(x)))\" cy=\"\(c(py(y)))\" rx=\"\(c(rx))\" ry=\"\(c(ry))\" fill=\"none\" "
                    + "stroke=\"#888\" stroke-dasharray=\"4 3\"/>"
                if let label { legend.append((label, "#888", true)) }
            case .density(let xEdges, let yEdges, let values, let label):
                let peak = values.max() ?? 0
                s += "<g class=\"density\">"
                for j in 0..<(yEdges.count - 1) {
                    for i in 0..<(xEdges.count - 1) {
                        let v = values[j * (xEdges.count - 1) + i]
                        guard v > 0, peak > 0 else { continue }
                        let x0 = px(xEdges[i]), x1 = px(xEdges[i + 1]), y0 = py(yEdges[j + 1]), y1 = py(yEdges[j])
                        s += "<rect x=\"\(c(x0))\" y=\"\(c(y0))\" width=\"\(c(x1 - x0 + 0.3))\" height=\"\(c(y1 - y0 + 0.3))\" "
                            + "fill=\"\(ColorScale.viridis(log1p(v) / log1p(peak)))\"/>"
                    }
                }
                s += "</g>"
                if let label { legend.append((label, ColorScale.viridis(0.6), false)) }
            case .heat(let xEdges, let yEdges, let values, let range):
                s += "<g class=\"heat\">"
                let span = range.upperBound - range.lowerBound
                for j in 0..<(yEdges.count - 1) {
                    for i in 0..<(xEdges.count - 1) {
                        let v = values[j * (xEdges.count - 1) + i]
                        guard v.isFinite else { continue }
                        let x0 = px(xEdges[i]), x1 = px(xEdges[i + 1]), y0 = py(yEdges[j + 1]), y1 = py(yEdges[j])
                        s += "<rect x=\"\(c(x0))\" y=\"\(c(y0))\" width=\"\(c(x1 - x0 + 0.3))\" height=\"\(c(y1 - y0 + 0.3))\" "
                            + "fill=\"\(ColorScale.viridis(span > 0 ? (v - range.lowerBound) / span : 0))\"/>"
                    }
                }
                s += "</g>"
            case .ranges(let xs, let low, let high, let color):
                for i in xs.indices where low[i].isFinite && high[i].isFinite {
                    s += "<line x1=\"\(c(px(xs[i])))\" y1=\"\(c(py(low[i])))\" x2=\"\(c(px(xs[i])))\" y2=\"\(c(py(high[i])))\" "
                        + "stroke=\"\(color)\" stroke-width=\"1\"/>"
                }
            }
        }
        s += "</g>"
        if !legend.isEmpty {
            s += "<g class=\"legend\">"
            let lx = left + plotW - 150
            s += "<rect x=\"\(c(lx - 6))\" y=\"\(c(top + 2))\" width=\"152\" height=\"\(c(Double(legend.count) * 15 + 6))\" "
                + "fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>"
            for (k, (label, color, isLine)) in legend.enumerated() {
                let y = top + 14 + Double(k) * 15
                s += isLine
                    ? "<line x1=\"\(c(lx))\" y1=\"\(c(y - 4))\" x2=\"\(c(lx + 14))\" y2=\"\(c(y - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
                    : "<rect x=\"\(c(lx))\" y=\"\(c(y - 9))\" width=\"12\" height=\"9\" fill=\"\(color)\"/>"
                let short = label.count > 22 ? String(label.prefix(21)) + "…" : label
                s += "<text x=\"\(c(lx + 20))\" y=\"\(c(y))\">\(Markup.escape(short))</text>"
            }
            s += "</g>"
        }
        if let bar = colorBar {
            let bx = width - right - barWidth + 18
            s += "<g class=\"colorbar\">"
            let steps = 24
            for k in 0..<steps {
                let y = top + plotH * Double(k) / Double(steps)
                s += "<rect x=\"\(c(bx))\" y=\"\(c(y))\" width=\"12\" height=\"\(c(plotH / Double(steps) + 0.5))\" "
                    + "fill=\"\(ColorScale.viridis(1 - Double(k) / Double(steps - 1)))\"/>"
            }
            s += "<text x=\"\(c(bx + 15))\" y=\"\(c(top + 8))\">\(Markup.number(bar.high))</text>"
            s += "<text x=\"\(c(bx + 15))\" y=\"\(c(top + plotH))\">\(Markup.number(bar.low))</text>"
            s += "<text class=\"axis-label\" transform=\"translate(\(c(bx + 48)) \(c(top + plotH / 2))) rotate(-90)\" "
                + "text-anchor=\"middle\">\(Markup.escape(bar.label))</text></g>"
        }
        return s + "</svg>"
    }

    /// Axis ranges that hold every layer, padded by 5 %.
    private func ranges() -> (ClosedRange<Double>, ClosedRange<Double>) {
        var xs: [Double] = [], ys: [Double] = []
        for layer in layers {
            switch layer {
            case .points(let x, let y, _, _), .line(let x, let y, _, _):
                xs += x.filter(\.isFinite); ys += y.filter(\.isFinite)
            case .bars(let edges, let counts, _, _):
                xs += edges; ys += counts + [0]
            case .circle(let x, let y, let r, _):
                xs += [x - r, x + r]; ys += [y - r, y + r]
            case .density(let xe, let ye, _, _), .heat(let xe, let ye, _, _):
                xs += [xe.first ?? 0, xe.last ?? 1]; ys += [ye.first ?? 0, ye.last ?? 1]
            case .ranges(let x, let low, let high, _), .band(let x, let low, let high, _):
                xs += x; ys += low.filter(\.isFinite) + high.filter(\.isFinite)
            }
        }
        func fit(_ v: [Double], _ forced: ClosedRange<Double>?) -> ClosedRange<Double> {
            if let forced { return forced }
            guard let lo = v.min(), let hi = v.max() else { return 0...1 }
            if lo == hi { return (lo - 0.5)...(hi + 0.5) }
            let pad = (hi - lo) * 0.05
            return (lo - pad)...(hi + pad)
        }
        return (fit(xs, xRange), fit(ys, yRange))
    }
}
