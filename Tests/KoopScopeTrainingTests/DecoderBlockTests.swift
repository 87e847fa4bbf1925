import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

/// RMSNorm, the SiLU-gated product and rotary embeddings on the tape: forward against the
/// formulas written out, backward against central differences in Float64.
@Suite("Decoder blocks on the tape")
struct DecoderBlockTests {
    let backend = CPUBackend()

    @Test func rmsNormForwardAndGradient() {
        let (rows, columns) = (5, 7)
        let x = gaussian(rows * columns, seed: 1, scale: 2), w = gaussian(columns, seed: 2)
        let tape = Tape<Double>(backend: backend, recording: false)
        let y = backend.download(tape.rmsNorm(tape.constant(x, rows: rows, columns: columns),
                                              weight: tape.constant(w, rows: 1, columns: columns), epsilon: 1e-6).buffer)
        for r in 0..<rows {
            let row = x[(r * columns)..<((r + 1) * columns)]
            let rms = (row.map { $0 * $0 }.reduce(0, +) / Double(columns) + 1e-6).squareRoot()
            for j in 0..<columns { #expect(abs(y[r * columns + j] - w[j] * row[row.startIndex + j] / rms) < 1e-12) }
        }
        let errors = gradientCheck(inputs: [x, w], shapes: [(rows, columns), (1, columns)]) { tape, t in
            [tape.rmsNorm(t[0], weight: t[1], epsilon: 1e-6)]
        }
        #expect(errors.allSatisfy { $0 < 1e-6 }, "\(errors)")
    }

    @Test func siluGateForwardAndGradient() {
        let n = 24
        let g = gaussian(n, seed: 3, scale: 3), u = gaussian(n, seed: 4)
        let tape = Tape<Double>(backend: backend, recording: false)
        let y = backend.download(tape.siluGate(tape.constant(g, rows: 4, columns: 6), tape.constant(u, rows: 4, columns: 6)).buffer)
        for i in 0..<n { #expect(abs(y[i] - g[i] / (1 + exp(-g[i])) * u[i]) < 1e-12) }
        let errors = gradientCheck(inputs: [g, u], shapes: [(4, 6), (4, 6)]) { tape, t in [tape.siluGate(t[0], t[1])] }
        #expect(errors.allSatisfy { $0 < 1e-6 }, "\(errors)")
    }

    /// Rotary embedding with ``RotaryEmbedding``'s frequencies (llama3 scaling) against the
    /// rotation written out, and its gradient: the rotation back.
    @Test func rotaryForwardAndGradient() {
        let (rows, heads, width) = (4, 3, 8)
        let rotary = RotaryEmbedding(headDimension: width, theta: 500,
                                     scaling: .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 16))
        let positions: [Int32] = [0, 3, 17, 250]
        let x = gaussian(rows * heads * width, seed: 5)
        let tape = Tape<Double>(backend: backend, recording: false)
        let y = backend.download(tape.rotary(tape.constant(x, rows: rows, columns: heads * width), heads: heads,
                                             positions: backend.upload(positions), frequencies: backend.upload(rotary.frequencies)).buffer)
        // Elements i and i + width/2 of each head, rotated by position · frequency i.
        var expected = x
        for r in 0..<rows {
            for h in 0..<heads {
                for i in 0..<(width / 2) {
                    let angle = Double(positions[r]) * rotary.frequencies[i]
                    let at = r * heads * width + h * width + i
                    let (a, b) = (x[at], x[at + width / 2])
                    expected[at] = a * cos(angle) - b * sin(angle)
                    expected[at + width / 2] = b * cos(angle) + a * sin(angle)
                }
            }
        }
        #expect(zip(y, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        let errors = gradientCheck(inputs: [x], shapes: [(rows, heads * width)]) { tape, t in
            [tape.rotary(t[0], heads: heads, positions: backend.upload(positions), frequencies: backend.upload(rotary.frequencies))]
        }
        #expect(errors.allSatisfy { $0 < 1e-6 }, "\(errors)")
    }

    /// The Float kernels agree with the Double ones.
    @Test func floatAgreesWithDouble() {
        let (rows, columns) = (6, 16)
        let x = gaussian(rows * columns, seed: 7, scale: 3), w = gaussian(columns, seed: 8)
        let double = Tape<Double>(backend: backend, recording: false), float = Tape<Float>(backend: backend, recording: false)
        let yd = backend.download(double.siluGate(double.rmsNorm(double.constant(x, rows: rows, columns: columns),
                                                                 weight: double.constant(w, rows: 1, columns: columns), epsilon: 1e-6),
                                                  double.constant(x, rows: rows, columns: columns)).buffer)
        let xf = x.map(Float.init), wf = w.map(Float.init)
        let yf = backend.download(float.siluGate(float.rmsNorm(float.constant(xf, rows: rows, columns: columns),
                                                               weight: float.constant(wf, rows: 1, columns: columns), epsilon: 1e-6),
                                                 float.constant(xf, rows: rows, columns: columns)).buffer)
        #expect(zip(yd, yf).allSatisfy { abs($0 - Double($1)) < 1e-4 * max(1, abs($0)) })
    }

    /// Grouped-query attention against its formula written out, and its gradients with respect
    /// to q, k and v; with as many key/value heads as query heads it is the built-in attention.
    @Test(arguments: [(2, 5, 4, 2, 3), (1, 7, 3, 1, 4), (2, 4, 2, 2, 2)])
    func groupedAttention(shape: (Int, Int, Int, Int, Int)) {
        let (batch, t, heads, kvHeads, hd) = shape
        let q = gaussian(batch * t * heads * hd, seed: 11), k = gaussian(batch * t * kvHeads * hd, seed: 12)
        let v = gaussian(batch * t * kvHeads * hd, seed: 13)
        let tape = Tape<Double>(backend: backend, recording: false)
        let out = backend.download(tape.groupedAttention(
            q: tape.constant(q, rows: batch * t, columns: heads * hd), k: tape.constant(k, rows: batch * t, columns: kvHeads * hd),
            v: tape.constant(v, rows: batch * t, columns: kvHeads * hd), batch: batch, length: t, heads: heads, kvHeads: kvHeads).buffer)
        let group = heads / kvHeads
        for b in 0..<batch {
            for h in 0..<heads {
                let g = h / group
                for i in 0..<t {
                    let scores = (0...i).map { j in
                        (0..<hd).reduce(0.0) { $0 + q[(b * t + i) * heads * hd + h * hd + $1] * k[(b * t + j) * kvHeads * hd + g * hd + $1] }
                            / Double(hd).squareRoot()
                    }
                    let top = scores.max()!, weights = scores.map { exp($0 - top) }, total = weights.reduce(0, +)
                    for c in 0..<hd {
                        let expected = (0...i).reduce(0.0) { $0 + weights[$1] / total * v[(b * t + $1) * kvHeads * hd + g * hd + c] }
                        #expect(abs(out[(b * t + i) * heads * hd + h * hd + c] - expected) < 1e-12)
                    }
                }
            }
        }
        let errors = gradientCheck(inputs: [q, k, v], shapes: [(batch * t, heads * hd), (batch * t, kvHeads * hd), (batch * t, kvHeads * hd)]) { tape, x in
            [tape.groupedAttention(q: x[0], k: x[1], v: x[2], batch: batch, length: t, heads: heads, kvHeads: kvHeads)]
        }
        #expect(errors.allSatisfy { $0 < 1e-6 }, "\(errors)")
    }
}
