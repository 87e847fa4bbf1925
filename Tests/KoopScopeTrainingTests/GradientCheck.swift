import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining
@_exported import _TestSupport

/// Central-difference check of a tape in Float64: the scalar L = Σ_k R_k · out_k with fixed random
/// weights R, differentiated by the tape (seeding `out` with R) and by (L(x+h) − L(x−h))/2h for
/// every element of every input. Returns the largest relative error, ‖a − n‖∞ / max(‖n‖∞, 1e-8)
/// per input.
func gradientCheck(inputs: [[Double]], shapes: [(Int, Int)], seed: UInt64 = 1, h: Double = 1e-6,
                   _ forward: (Tape<Double>, [Tensor<Double>]) -> [Tensor<Double>]) -> [Double] {
    let backend = CPUBackend()
    var rng = SeededGenerator(seed: seed)
    func evaluate(_ values: [[Double]], weights: [[Double]]?) -> (Double, [Tensor<Double>], Tape<Double>, [[Double]]) {
        let tape = Tape<Double>(backend: backend)
        let tensors = zip(values, shapes).map { tape.constant($0, rows: $1.0, columns: $1.1) }
        let outputs = forward(tape, tensors)
        let w = weights ?? outputs.map { o in (0..<o.count).map { _ in rng.nextGaussian() } }
        var loss = 0.0
        for (o, r) in zip(outputs, w) {
            let v = backend.download(o.buffer)
            for k in v.indices { loss += v[k] * r[k] }
        }
        if weights == nil {
            tape.backward(seeds: zip(outputs, w).map { ($0, backend.upload($1)) })
        }
        return (loss, tensors, tape, w)
    }
    let (_, tensors, tape, weights) = evaluate(inputs, weights: nil)
    var errors: [Double] = []
    for (index, tensor) in tensors.enumerated() {
        let analytic = tape.gradient(of: tensor).map { backend.download($0) } ?? Array(repeating: 0, count: tensor.count)
        let numeric = centralDifferences(at: inputs[index], step: h) { x in
            var moved = inputs
            moved[index] = x
            return evaluate(moved, weights: weights).0
        }
        let difference = zip(analytic, numeric).map { abs($0 - $1) }.max() ?? 0
        let scale = max(numeric.map(abs).max() ?? 0, 1e-8)
        errors.append(difference / scale)
    }
    return errors
}

func gaussian(_ count: Int, seed: UInt64, scale: Double = 1) -> [Double] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in rng.nextGaussian() * scale }
}
