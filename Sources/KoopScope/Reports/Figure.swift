/// A picture of a report with the numbers behind it.
struct Figure {
    /// A file-safe name (`--svg DIR` writes `name.svg`).
    var name: String
    var chart: Chart
    var caption: String
    var table: Table

    /// The figure as HTML: the inline SVG, a caption, and its table.
    var html: String {
        "<figure id=\"\(name)\">" + chart.svg() + "<figcaption>\(Markup.escape(caption))</figcaption>"
            + table.html + "</figure>"
    }
}

/// A small table of numbers under a picture.
struct Table {
    var headers: [String]
    var rows: [[String]]

    var html: String {
        guard !headers.isEmpty || !rows.isEmpty else { return "" }
        var s = "<table><thead><tr>" + headers.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { s += "<tr>" + row.map { "<td>\(Markup.escape($0))</td>" }.joined() + "</tr>" }
        return s + "</tbody></table>"
    }
}

/// Histogram counts of `values` over `bins` equal bins spanning `range`.
func histogram(_ values: [Double], range: ClosedRange<Double>, bins: Int) -> (edges: [Double], counts: [Double]) {
    let width = (range.upperBound - range.lowerBound) / Double(bins)
    let edges = (0...bins).map { range.lowerBound + Double($0) * width }
    var counts = [Double](repeating: 0, count: bins)
    for v in values where v.isFinite {
        let k = width > 0 ? min(bins - 1, max(0, Int((v - range.lowerBound) / width))) : 0
        counts[k] += 1
    }
    return (edges, counts)
}

/// Counts of points on a `bins`×`bins` grid over the given ranges (row-major, y rows).
func grid(_ xs: [Double], _ ys: [Double], x: ClosedRange<Double>, y: ClosedRange<Double>, bins: Int)
    -> (xEdges: [Double], yEdges: [Double], counts: [Double])
{
    let wx = (x.upperBound - x.lowerBound) / Double(bins), wy = (y.upperBound - y.lowerBound) / Double(bins)
    var counts = [Double](repeating: 0, count: bins * bins)
    for i in xs.indices where xs[i].isFinite && ys[i].isFinite {
        let a = min(bins - 1, max(0, Int((xs[i] - x.lowerBound) / wx)))
        let b = min(bins - 1, max(0, Int((ys[i] - y.lowerBound) / wy)))
        counts[b * bins + a] += 1
    }
    return ((0...bins).map { x.lowerBound + Double($0) * wx }, (0...bins).map { y.lowerBound + Double($0) * wy }, counts)
}

/// At most about `limit` points of a series in step order: beyond that, each bucket of
/// consecutive points keeps its lowest and its highest, so spikes survive.
func decimate(_ points: [(Double, Double)], limit: Int = 1200) -> [(Double, Double)] {
    guard points.count > limit else { return points }
    let bucket = (points.count + limit / 2 - 1) / (limit / 2)
    var out: [(Double, Double)] = []
    var start = 0
    while start < points.count {
        let slice = points[start..<min(points.count, start + bucket)]
        let lo = slice.indices.min { slice[$0].1 < slice[$1].1 }!, hi = slice.indices.max { slice[$0].1 < slice[$1].1 }!
        for k in [lo, hi].sorted() where out.last.map({ $0 != points[k] }) ?? true { out.append(points[k]) }
        start += bucket
    }
    return out
}
