import Foundation
import KoopScope

/// The analysis's lift on the GPU: one cuBLAS GEMM z = x Wᵀ per batch and the sigmoid kernel
/// widening to Float64; the per-trajectory m×m work (Gram products, solve, eigendecomposition,
/// residuals) stays on the CPU in Float64, where LAPACK has it anyway.
///
/// ```swift
/// settings.lifter = try CUDALifter()
/// ```
public final class CUDALifter: BatchLifter, @unchecked Sendable {
    public let device: CUDADevice
    public var name: String { "cuda:0 (\(device.name))" }

    /// Lifts on `device`, loading the lift's kernel there.
    public init(device: CUDADevice) throws {
        try device.load(.lift)
        self.device = device
    }

    public convenience init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try self.init(device: try CUDADevice.open(environment: environment))
    }

    public func lift(_ states: UnsafeBufferPointer<Float>, rows: Int, dictionary: KoopmanDictionary) throws -> [Double] {
        let m = dictionary.koopmanDimension, d = dictionary.dimension
        let x = try device.allocate(bytes: rows * d * 4), w = try device.allocate(bytes: m * d * 4)
        let z = try device.allocate(bytes: rows * m * 4), out = try device.allocate(bytes: rows * m * 8)
        let b = dictionary.bias == nil ? 0 : try device.allocate(bytes: m * 4)
        defer { for p in [x, w, z, out, b] where p != 0 { device.free(p) } }
        try device.copy(from: states.baseAddress!, to: x, bytes: rows * d * 4)
        try dictionary.weight.withUnsafeBufferPointer { try device.copy(from: $0.baseAddress!, to: w, bytes: m * d * 4) }
        if let bias = dictionary.bias { try bias.withUnsafeBytes { try device.copy(from: $0.baseAddress!, to: b, bytes: m * 4) } }
        try device.gemm(transposeA: false, transposeB: true, m: rows, n: m, k: d, alpha: Float(1), a: x, lda: d, b: w, ldb: d,
                        beta: Float(0), c: z, ldc: m)
        try device.launch("ks_sigmoid_rows", threads: rows * m, [.pointer(z), .pointer(b), .int(rows), .int(m), .pointer(out)])
        var result = [Double](repeating: 0, count: rows * m)
        try result.withUnsafeMutableBytes { try device.copy(from: out, to: $0.baseAddress!, bytes: rows * m * 8) }
        return result
    }
}
