/// The bounds on sizes and counts that every entry point applies — the command line, the Swift
/// API's settings types, the C interface and so Python — before anything is allocated or handed
/// to BLAS and LAPACK.
///
/// Past a bound, a ``LimitError`` names the flag, option or file and the bound; nothing traps.
///
/// ```swift
/// try Limits.check(50, "--koopman-dim", within: Limits.koopmanDimension)   // passes
/// print(Limits.koopmanDimension.upperBound)                                 // 4096
/// ```
public enum Limits {
    /// Dictionary size m. Each trajectory's analysis holds several m×m Float64 matrices (G, A,
    /// K, the complex eigenvectors), 128 MiB each at the bound, on every core at once.
    public static let koopmanDimension: ClosedRange<Int> = 1...4096

    /// Width d of a state (and so of a dictionary's rows).
    public static let stateDimension: ClosedRange<Int> = 1...(1 << 20)

    /// States in one trajectory.
    public static let trajectoryLength: ClosedRange<Int> = 0...(1 << 30)

    /// Trajectories in a dump, a batch handed over in memory, or a report.
    public static let trajectoryCount: ClosedRange<Int> = 0...(1 << 40)

    /// Parts a sharded analysis is cut into.
    public static let shardCount: ClosedRange<Int> = 1...(1 << 20)

    /// Elements in one array that a file's or a caller's counts describe (2³⁸ Float32 values: 1 TiB).
    public static let elementCount: ClosedRange<Int> = 0...(1 << 38)

    /// Sizes and leading dimensions handed to BLAS and LAPACK, whose integers are 32-bit.
    public static let blasSize: ClosedRange<Int> = 0...Int(Int32.max)

    /// Width, MLP width and vocabulary of a policy.
    public static let modelDimension: ClosedRange<Int> = 1...(1 << 18)

    /// Transformer blocks and attention heads of a policy.
    public static let layerCount: ClosedRange<Int> = 1...1024

    /// Positions a policy attends over.
    public static let contextLength: ClosedRange<Int> = 2...(1 << 20)

    /// Throws unless `value` lies in `bounds`; `what` names the flag, option or file field.
    public static func check(_ value: Int, _ what: String, within bounds: ClosedRange<Int>) throws {
        guard bounds.contains(value) else { throw LimitError(what: what, value: String(value), bounds: bounds) }
    }

    /// `value` as a count within `bounds`, for numbers read from JSON or handed over as doubles:
    /// throws unless it is a whole number inside them (so 1e300 and NaN are refused, not converted).
    public static func count(_ value: Double, _ what: String, within bounds: ClosedRange<Int>) throws -> Int {
        guard value == value.rounded(), value >= Double(bounds.lowerBound), value <= Double(bounds.upperBound) else {
            throw LimitError(what: what, value: value.isFinite && value == value.rounded() && abs(value) < 1e18
                                 ? String(Int(value)) : "\(value)", bounds: bounds)
        }
        return Int(value)
    }

    /// `a × b`, throwing unless the product lies in `bounds` (no overflow on the way).
    public static func product(_ a: Int, _ b: Int, _ what: String, within bounds: ClosedRange<Int> = elementCount) throws -> Int {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow, bounds.contains(p) else { throw LimitError(what: what, value: "\(a) × \(b)", bounds: bounds) }
        return p
    }
}

/// A size or count past one of ``Limits``' bounds.
public struct LimitError: Error, Equatable, CustomStringConvertible {
    /// The flag, option or file field that carried the value.
    public let what: String
    /// The value as given.
    public let value: String
    /// The bounds it had to lie in.
    public let bounds: ClosedRange<Int>

    public init(what: String, value: String, bounds: ClosedRange<Int>) {
        self.what = what
        self.value = value
        self.bounds = bounds
    }

    public var description: String {
        "\(what) is \(value); it must be a whole number in \(bounds.lowerBound)…\(bounds.upperBound)"
    }
}
