/// Summary statistics of a list of numbers: count, mean, standard deviation, min, median, max.
///
/// ```swift
/// let s = Statistics([3, 1, 2])   // s.median == 2, s.standardDeviation == 1
/// ```
public struct Statistics: Sendable, Equatable, Encodable {
    public var count: Int
    public var mean: Double
    /// Sample standard deviation (divisor n − 1); zero for fewer than two values.
    public var standardDeviation: Double
    public var min: Double
    public var median: Double
    public var max: Double

    /// The statistics of `values`; every field is NaN when `values` is empty.
    public init<S: Sequence>(_ values: S) where S.Element: BinaryFloatingPoint {
        let sorted = values.map { Double($0) }.sorted()
        count = sorted.count
        guard let first = sorted.first, let last = sorted.last else {
            mean = .nan; standardDeviation = .nan; min = .nan; median = .nan; max = .nan
            return
        }
        min = first
        max = last
        let n = Double(count)
        mean = sorted.reduce(0, +) / n
        let m = mean
        standardDeviation = count < 2 ? 0 : (sorted.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot()
        median = count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
    }

    /// Statistics given field by field (read back from a report).
    public init(count: Int, mean: Double, standardDeviation: Double, min: Double, median: Double, max: Double) {
        self.count = count
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.min = min
        self.median = median
        self.max = max
    }

    enum CodingKeys: String, CodingKey {
        case count, mean, std, min, median, max
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        // JSON has no NaN: an empty list's statistics are null.
        for (key, value) in [(CodingKeys.mean, mean), (.std, standardDeviation), (.min, min),
                             (.median, median), (.max, max)] {
            if value.isFinite { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
    }
}
