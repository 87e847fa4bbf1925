import ArgumentParser
import Foundation
import KoopScope
import KoopScopeCUDA

/// The analysis's lift on the GPU against cuBLAS's own GEMM of the same shape.
struct LiftCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cuda-lift", abstract: "TFLOP/s of the GPU lift (GEMM, sigmoid, transfers) against the bare cuBLAS GEMM.")

    @Option(help: "States lifted at once (rows).") var rows = 65_536
    @Option(help: "State dimension d.") var dimension = 896
    @Option(help: "Dictionary features m.") var koopmanDim = 50
    @Option(help: "Repetitions (the best is reported).") var repeats = 10

    func run() throws {
        let lifter = try CUDALifter()
        let device = lifter.device
        var rng = SeededGenerator(seed: 3)
        let states = (0..<(rows * dimension)).map { _ in Float(rng.nextGaussian()) }
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: dimension, koopmanDimension: koopmanDim)
        let flops = 2 * Double(rows) * Double(dimension) * Double(koopmanDim)
        let x = try device.allocate(bytes: rows * dimension * 4), w = try device.allocate(bytes: koopmanDim * dimension * 4)
        let z = try device.allocate(bytes: rows * koopmanDim * 4)
        defer { [x, w, z].forEach(device.free) }
        let bare = try best(of: repeats) {
            try device.gemm(transposeA: false, transposeB: true, m: rows, n: koopmanDim, k: dimension, alpha: Float(1), a: x,
                            lda: dimension, b: w, ldb: dimension, beta: Float(0), c: z, ldc: koopmanDim)
            try device.synchronize()
        }
        var lifted: [Double] = []
        let whole = try best(of: repeats) {
            lifted = try states.withUnsafeBufferPointer { try lifter.lift($0, rows: rows, dictionary: dictionary) }
        }
        // Spot-check the GPU's lift against the CPU's on a few rows.
        let cpu = try dictionary.lift(Matrix(rows: 4, columns: dimension, elements: Array(states[0..<(4 * dimension)])))
        let worst = (0..<(4 * koopmanDim)).map { abs(Double(cpu.elements[$0]) - lifted[$0]) }.max()!
        print("\(device.name): lift of \(rows) × \(dimension) states through m = \(koopmanDim)")
        print(String(format: "bare cuBLAS SGEMM: %.3f ms = %.1f TFLOP/s", bare * 1e3, flops / bare / 1e12))
        print(String(format: "lift (upload, GEMM, sigmoid to Float64, download): %.3f ms = %.1f TFLOP/s effective, %.2f× the GEMM; "
                     + "max |GPU − CPU| %.1e", whole * 1e3, flops / whole / 1e12, whole / bare, worst))
    }
}
