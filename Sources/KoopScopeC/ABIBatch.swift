import KoopScope
import _KoopScopeABI

/// The shape of a batch of trajectories a caller hands over (batch × maxLength × width,
/// row-major, lengths[i] valid rows each), checked so that no later index can leave it.
struct ABIBatch {
    let count: Int
    let maxLength: Int
    let width: Int
    let lengths: [Int]

    /// Elements of the whole batch, padding rows included.
    var elementCount: Int { count * maxLength * width }

    /// What a batch's rows are: states (width d) or lifted features (width m).
    enum Width: String {
        case d, m

        var bounds: ClosedRange<Int> { self == .m ? Limits.koopmanDimension : Limits.stateDimension }
    }

    /// Checks the sizes against ``Limits`` (the width as `widthName` says) and each length
    /// (0…maxLength).
    init(batch: Int64, maxLength: Int64, width: Int64, lengths: UnsafePointer<Int64>?, widthName: Width) throws {
        try Limits.check(Int(batch), "batch", within: Limits.trajectoryCount)
        try Limits.check(Int(maxLength), "max_length", within: Limits.trajectoryLength)
        try Limits.check(Int(width), widthName.rawValue, within: widthName.bounds)
        let rows = try Limits.product(Int(batch), Int(maxLength), "batch × max_length")
        _ = try Limits.product(rows, Int(width), "batch × max_length × \(widthName.rawValue)")
        count = Int(batch)
        self.maxLength = Int(maxLength)
        self.width = Int(width)
        if let lengths {
            var out: [Int] = []
            out.reserveCapacity(count)
            for i in 0..<count {
                let t = lengths[i]
                guard t >= 0 && t <= maxLength else {
                    throw ABIFailure.argument("lengths[\(i)] is \(t); it must lie in 0…max_length = \(maxLength)")
                }
                out.append(Int(t))
            }
            self.lengths = out
        } else {
            self.lengths = Array(repeating: Int(maxLength), count: Int(batch))
        }
    }

    /// The element type a dtype code names.
    static func elementType(_ dtype: Int32) throws -> StateElementType {
        switch UInt32(bitPattern: dtype) {
        case KOOPSCOPE_FLOAT16.rawValue: return .float16
        case KOOPSCOPE_BFLOAT16.rawValue: return .bfloat16
        case KOOPSCOPE_FLOAT32.rawValue: return .float32
        case KOOPSCOPE_FLOAT64.rawValue: return .float64
        default: throw ABIFailure.argument("dtype \(dtype) is none of KOOPSCOPE_FLOAT16 (1), BFLOAT16 (2), FLOAT32 (3), FLOAT64 (4)")
        }
    }

    /// Each trajectory's valid rows in Float32, with its count of non-finite entries.
    func floatTrajectories(_ data: UnsafeRawPointer?, _ type: StateElementType, name: String) throws -> [Trajectory] {
        guard count == 0 || maxLength == 0 || data != nil else { throw ABIFailure.argument("\(name) is NULL") }
        return (0..<count).map { i in
            let t = lengths[i]
            var elements = [Float](repeating: 0, count: t * width)
            var bad = 0
            if t > 0, let data {
                let offset = i * maxLength * width * type.byteWidth
                bad = elements.withUnsafeMutableBufferPointer { out in
                    type.decode(data + offset, count: t * width, into: out.baseAddress!)
                }
            }
            return Trajectory(index: i, states: Matrix(rows: t, columns: width, elements: elements), nonFiniteCount: bad)
        }
    }

    /// Each trajectory's valid rows of a float64 array, unrounded.
    func doubleTrajectories(_ data: UnsafePointer<Double>?, name: String) throws -> [Matrix<Double>] {
        guard count == 0 || maxLength == 0 || data != nil else { throw ABIFailure.argument("\(name) is NULL") }
        return (0..<count).map { i in
            let t = lengths[i]
            guard t > 0, let data else { return Matrix(rows: 0, columns: width, repeating: 0) }
            let start = data + i * maxLength * width
            return Matrix(rows: t, columns: width, elements: Array(UnsafeBufferPointer(start: start, count: t * width)))
        }
    }

    /// Writes each trajectory's rows (T×width) into `out` at its place, zeros elsewhere.
    func scatter(_ rows: [Matrix<Double>?], into out: UnsafeMutablePointer<Double>) {
        out.initialize(repeating: 0, count: elementCount)
        for (i, matrix) in rows.enumerated() {
            guard let matrix else { continue }
            let start = out + i * maxLength * width
            for (k, x) in matrix.elements.prefix(lengths[i] * width).enumerated() { start[k] = x }
        }
    }
}
