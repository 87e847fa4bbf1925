import RealModule
import _KoopScopeKernels

/// The Koopman dictionary `g(x) = σ(x Wᵀ + b)` that lifts hidden states to m features
/// (docs/math.md §1). W is m×d, stored like a `torch.nn.Linear` weight; the paper uses no bias.
///
/// ```swift
/// let dictionary = KoopmanDictionary.kaimingUniform(dimension: 896)       // m = 50, seed 42
/// let psi = try dictionary.lift(batch.states)                             // (Σ T) × 50
/// ```
public struct KoopmanDictionary: Sendable {
    /// W, m×d.
    public let weight: Matrix<Float>
    /// b (m entries), or nil for none.
    public let bias: [Float]?
    /// Where the dictionary came from, for reports ("file dict.h5", "default …").
    public let source: String
    /// Root attributes of the file it was loaded from (how it was fitted, say).
    public let attributes: [(name: String, value: AttributeValue)]

    /// Number of features m.
    public var koopmanDimension: Int { weight.rows }
    /// State dimension d.
    public var dimension: Int { weight.columns }

    /// A dictionary from its weight and optional bias.
    public init(weight: Matrix<Float>, bias: [Float]? = nil, source: String = "in memory",
                attributes: [(name: String, value: AttributeValue)] = []) throws {
        guard weight.rows > 0, weight.columns > 0 else {
            throw DictionaryError.invalid(file: source, dataset: "/weight",
                                          detail: "shape \(weight.rows)×\(weight.columns) is empty")
        }
        if let bias, bias.count != weight.rows {
            throw DictionaryError.invalid(file: source, dataset: "/bias",
                                          detail: "has \(bias.count) entries, /weight has \(weight.rows) rows")
        }
        if weight.elements.contains(where: { !$0.isFinite }) || bias?.contains(where: { !$0.isFinite }) == true {
            throw DictionaryError.invalid(file: source, dataset: "/weight", detail: "holds NaN or infinite values")
        }
        self.weight = weight
        self.bias = bias
        self.source = source
        self.attributes = attributes
    }

    /// The reference code's initialisation: Kaiming-uniform with a = √7, each weight uniform
    /// in ±gain·√(3/d) with gain = √(2/(1 + a²)) = 0.5, no bias — drawn from koopscope's own
    /// seeded generator (so not the same numbers as PyTorch's).
    public static func kaimingUniform(dimension d: Int,
                                      koopmanDimension m: Int = AnalysisConfiguration.defaults.koopmanDimension,
                                      seed: UInt64 = UInt64(AnalysisConfiguration.defaults.seed))
        -> KoopmanDictionary
    {
        precondition(d > 0 && m > 0)
        var rng = SeededGenerator(seed: seed)
        let bound = Float(0.5 * (3.0 / Double(d)).squareRoot())
        let weight = Matrix<Float>(rows: m, columns: d) { _, _ in Float.random(in: -bound...bound, using: &rng) }
        return try! KoopmanDictionary(
            weight: weight, bias: nil,
            source: "default (Kaiming-uniform, a = √7, seed \(seed))")
    }

    /// SHA-256 of the weights as little-endian Float32 bytes, row-major, then the bias if any.
    public var sha256: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 * (weight.elements.count + (bias?.count ?? 0)))
        for x in weight.elements + (bias ?? []) {
            let bits = x.bitPattern.littleEndian
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
        }
        return sha256Hex(bytes)
    }

    /// Lifts every row of `states` (n×d): `σ(x Wᵀ + b)`, n×m, with one GEMM.
    public func lift(_ states: Matrix<Float>) throws -> Matrix<Float> {
        guard states.columns == dimension else {
            throw KoopmanError.shapeMismatch("states have d = \(states.columns), the dictionary d = \(dimension)")
        }
        guard states.rows > 0 else { return Matrix(rows: 0, columns: koopmanDimension, elements: []) }
        // σ is computed in Float32 either way; the Float64 path only widens the result.
        return states.withUnsafeBufferPointer { liftToDouble($0.baseAddress!, rows: states.rows) }.map(Float.init)
    }

    /// Lifts `rows` states stored row-major at `states` straight into Float64 features
    /// (rows×m): one GEMM, then σ and the widening in one pass.
    func liftToDouble(_ states: UnsafePointer<Float>, rows: Int) -> Matrix<Double> {
        let m = koopmanDimension, d = dimension
        var z = [Float](repeating: 0, count: rows * m)
        guard rows > 0 else { return Matrix(rows: 0, columns: m, elements: []) }
        weight.withUnsafeBufferPointer { w in
            z.withUnsafeMutableBufferPointer { out in
                Float._gemm(transA: false, transB: true, m: rows, n: m, k: d, alpha: 1, a: states, lda: d,
                            b: w.baseAddress!, ldb: d, beta: 0, c: out.baseAddress!, ldc: m)
            }
        }
        var psi = [Double](repeating: 0, count: rows * m)
        z.withUnsafeBufferPointer { pz in
            psi.withUnsafeMutableBufferPointer { out in
                if let bias {
                    ks_sigmoid_rows(pz.baseAddress!, bias, rows, m, out.baseAddress!)
                } else {
                    ks_sigmoid_rows(pz.baseAddress!, nil, rows, m, out.baseAddress!)
                }
            }
        }
        return Matrix(rows: rows, columns: m, elements: psi)
    }
}
