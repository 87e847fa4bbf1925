import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

/// Every op of the tape against central differences in Float64 (h = 1e-6), and the forward
/// values against hand-worked cases.
@Suite("Tensor ops: forward values and gradients")
struct TensorOpTests {
    let tolerance = 1e-6

    @Test func matmulAndLinear() {
        let errors = gradientCheck(inputs: [gaussian(12, seed: 1), gaussian(20, seed: 2), gaussian(5, seed: 3)],
                                   shapes: [(3, 4), (4, 5), (1, 5)]) { tape, t in
            [tape.linear(t[0], t[1], t[2])]
        }
        #expect(errors.allSatisfy { $0 < tolerance }, "\(errors)")
        // [[1,2],[3,4]]·[[5,6],[7,8]] + [1, −1] = [[20, 21], [44, 49]]
        let tape = Tape<Double>(backend: CPUBackend())
        let y = tape.linear(tape.constant([1, 2, 3, 4], rows: 2, columns: 2), tape.constant([5, 6, 7, 8], rows: 2, columns: 2),
                            tape.constant([1, -1], rows: 1, columns: 2))
        #expect(tape.backend.download(y.buffer) == [20, 21, 44, 49])
    }

    @Test func addAndReuse() {
        // x used twice, and one sum of a tensor with itself: gradients from every use must add up
        // (the first is copied into a fresh buffer, the rest added to it).
        let errors = gradientCheck(inputs: [gaussian(6, seed: 4), gaussian(6, seed: 5)], shapes: [(2, 3), (2, 3)]) { tape, t in
            [tape.add(tape.add(t[0], t[1]), t[0]), tape.add(t[1], t[1])]
        }
        #expect(errors.allSatisfy { $0 < tolerance }, "\(errors)")
        let tape = Tape<Double>(backend: CPUBackend())
        let y = tape.add(tape.constant([1, -2, 0.5], rows: 1, columns: 3), tape.constant([3, 2, -1.25], rows: 1, columns: 3))
        #expect(tape.backend.download(y.buffer) == [4, 0, -0.75])
    }

    @Test func layerNorm() {
        let errors = gradientCheck(inputs: [gaussian(15, seed: 6, scale: 2), gaussian(5, seed: 7), gaussian(5, seed: 8)],
                                   shapes: [(3, 5), (1, 5), (1, 5)]) { tape, t in
            [tape.layerNorm(t[0], gamma: t[1], beta: t[2])]
        }
        #expect(errors.allSatisfy { $0 < 1e-5 }, "\(errors)")
        // Row [1, 2, 3]: mean 2, variance 2/3, so (x − 2)/√(2/3 + ε).
        let tape = Tape<Double>(backend: CPUBackend())
        let y = tape.layerNorm(tape.constant([1, 2, 3], rows: 1, columns: 3), gamma: tape.constant([1, 1, 1], rows: 1, columns: 3),
                               beta: tape.constant([0, 0, 0], rows: 1, columns: 3), epsilon: 0)
        let v = tape.backend.download(y.buffer)
        #expect(abs(v[0] + 1.5.squareRoot()) < 1e-12 && abs(v[1]) < 1e-12 && abs(v[2] - 1.5.squareRoot()) < 1e-12)
    }

    @Test func gelu() {
        let errors = gradientCheck(inputs: [gaussian(20, seed: 9, scale: 2)], shapes: [(4, 5)]) { tape, t in [tape.gelu(t[0])] }
        #expect(errors.allSatisfy { $0 < tolerance }, "\(errors)")
        let tape = Tape<Double>(backend: CPUBackend())
        let y = tape.backend.download(tape.gelu(tape.constant([0, 1, -1], rows: 1, columns: 3)).buffer)
        // 0.5·(1 + tanh(√(2/π)·1.044715)) = 0.8411919906
        #expect(y[0] == 0 && abs(y[1] - 0.8411919906082768) < 1e-12 && abs(y[2] + 0.15880800939172324) < 1e-12)
    }

    /// The fused product, bias and GELU against finite differences in all three inputs (rows of
    /// 13 so that the vector loops have tails), and to the bit the op it replaces: GELU after a
    /// linear layer.
    @Test func linearGELU() {
        let (n, k, m) = (3, 4, 13)
        let inputs = [gaussian(n * k, seed: 4), gaussian(k * m, seed: 5), gaussian(m, seed: 6)]
        let shapes = [(n, k), (k, m), (1, m)]
        let errors = gradientCheck(inputs: inputs, shapes: shapes) { tape, t in [tape.linearGELU(t[0], t[1], t[2])] }
        #expect(errors.count == 3 && errors.allSatisfy { $0 < tolerance }, "\(errors)")
        func run(fused: Bool) -> [[Float]] {
            let tape = Tape<Float>(backend: CPUBackend())
            let t = zip(inputs, shapes).map { tape.constant($0.map(Float.init), rows: $1.0, columns: $1.1) }
            let y = fused ? tape.linearGELU(t[0], t[1], t[2]) : tape.gelu(tape.linear(t[0], t[1], t[2]))
            tape.backward(seeds: [(y, tape.backend.upload(gaussian(n * m, seed: 7).map(Float.init)))])
            return [tape.backend.download(y.buffer)] + t.map { tape.backend.download(tape.gradient(of: $0)!) }
        }
        #expect(run(fused: true) == run(fused: false))
    }

    /// Two heads of width 3 over two sequences, three heads of width 2 over four, and two heads of
    /// width 12 over 11 positions (vector loops with tails in both the head width and the length).
    @Test(arguments: [(2, 4, 2, 6), (4, 3, 3, 6), (2, 11, 2, 24)])
    func causalAttention(shape: (Int, Int, Int, Int)) {
        let (batch, length, heads, d) = shape
        let errors = gradientCheck(inputs: [gaussian(batch * length * 3 * d, seed: 10)],
                                   shapes: [(batch * length, 3 * d)]) { tape, t in
            [tape.causalAttention(t[0], batch: batch, length: length, heads: heads)]
        }
        #expect(errors.allSatisfy { $0 < tolerance }, "\(errors)")
    }

    @Test func attentionMatchesDirectFormula() {
        // One sequence, one head, d = 2: out_i = Σ_{j≤i} softmax_j(q_i·k_j/√2) v_j.
        let (length, d) = (3, 2)
        let values = gaussian(length * 3 * d, seed: 11)
        let tape = Tape<Double>(backend: CPUBackend())
        let out = tape.backend.download(tape.causalAttention(tape.constant(values, rows: length, columns: 3 * d),
                                                             batch: 1, length: length, heads: 1).buffer)
        for i in 0..<length {
            let q = Array(values[(i * 6)..<(i * 6 + 2)])
            let scores = (0...i).map { j in (q[0] * values[j * 6 + 2] + q[1] * values[j * 6 + 3]) / 2.0.squareRoot() }
            let weights = scores.map { exp($0) }, total = weights.reduce(0, +)
            for c in 0..<2 {
                let expected = (0...i).reduce(0.0) { $0 + weights[$1] / total * values[$1 * 6 + 4 + c] }
                #expect(abs(out[i * 2 + c] - expected) < 1e-12)
            }
        }
    }

    /// Attention by its definition, one sequence, every head, in Float64.
    static func directAttention(_ x: [Double], length t: Int, heads: Int, dimension d: Int) -> [Double] {
        let e = d / heads
        var out = [Double](repeating: 0, count: t * d)
        for h in 0..<heads {
            for i in 0..<t {
                let scores = (0...i).map { j in
                    (0..<e).reduce(0.0) { $0 + x[i * 3 * d + h * e + $1] * x[j * 3 * d + d + h * e + $1] } / Double(e).squareRoot()
                }
                let top = scores.max()!, weights = scores.map { exp($0 - top) }, total = weights.reduce(0, +)
                for c in 0..<e {
                    out[i * d + h * e + c] = (0...i).reduce(0.0) { $0 + weights[$1] / total * x[$1 * 3 * d + 2 * d + h * e + c] }
                }
            }
        }
        return out
    }

    @Test func attentionAtATraceShape() {
        // 224 positions, four heads of width 32 (the trace tasks' update): the double op against the
        // definition, and the float op within float rounding of it.
        let (t, heads, d) = (224, 4, 128)
        let x = gaussian(t * 3 * d, seed: 21, scale: 1.5)
        let expected = Self.directAttention(x, length: t, heads: heads, dimension: d)
        let tape = Tape<Double>(backend: CPUBackend())
        let out = tape.backend.download(tape.causalAttention(tape.constant(x, rows: t, columns: 3 * d), batch: 1,
                                                             length: t, heads: heads).buffer)
        #expect(zip(out, expected).map { abs($0 - $1) }.max()! < 1e-12)
        let f = Tape<Float>(backend: CPUBackend())
        let outF = f.backend.download(f.causalAttention(f.constant(x.map(Float.init), rows: t, columns: 3 * d), batch: 1,
                                                        length: t, heads: heads).buffer)
        #expect(zip(outF, expected).map { abs(Double($0) - $1) }.max()! < 2e-5)
    }

    @Test func causalityAndPaddingIsolation() {
        // Changing the last position or another sequence must not change earlier outputs.
        let (batch, length, d) = (2, 5, 4)
        var values = gaussian(batch * length * 3 * d, seed: 12)
        let tape = Tape<Double>(backend: CPUBackend())
        let before = tape.backend.download(tape.causalAttention(tape.constant(values, rows: 10, columns: 12), batch: batch,
                                                                length: length, heads: 2).buffer)
        for c in 0..<12 { values[4 * 12 + c] += 1; values[9 * 12 + c] -= 2 }
        let after = tape.backend.download(tape.causalAttention(tape.constant(values, rows: 10, columns: 12), batch: batch,
                                                               length: length, heads: 2).buffer)
        for row in [0, 1, 2, 3, 5, 6, 7, 8] {
            for c in 0..<d { #expect(before[row * d + c] == after[row * d + c]) }
        }
    }

    @Test func embedding() {
        let tokens: [Int32] = [2, 0, 2, 1], positions: [Int32] = [0, 1, 2, 0]
        let errors = gradientCheck(inputs: [gaussian(12, seed: 13), gaussian(12, seed: 14)], shapes: [(3, 4), (3, 4)]) { tape, t in
            [tape.embed(tokens: tokens, positions: positions, tokenTable: t[0], positionTable: t[1])]
        }
        #expect(errors.allSatisfy { $0 < tolerance }, "\(errors)")
    }

    @Test func tokenLogProbabilitiesAndEntropy() {
        let targets: [Int32] = [0, 3, 2]
        for temperature in [1.0, 0.7] {
            let errors = gradientCheck(inputs: [gaussian(12, seed: 15, scale: 2)], shapes: [(3, 4)]) { tape, t in
                let r = tape.tokenLogProbabilities(t[0], targets: targets, temperature: temperature)
                return [r.logp, r.entropy]
            }
            #expect(errors.allSatisfy { $0 < tolerance }, "τ \(temperature): \(errors)")
            // A seed on the log-probabilities alone still reaches the logits.
            let logpOnly = gradientCheck(inputs: [gaussian(12, seed: 16)], shapes: [(3, 4)]) { tape, t in
                [tape.tokenLogProbabilities(t[0], targets: targets, temperature: temperature).logp]
            }
            #expect(logpOnly.allSatisfy { $0 < tolerance }, "\(logpOnly)")
        }
        // Uniform logits over 4: log p = −log 4, entropy log 4.
        let tape = Tape<Double>(backend: CPUBackend())
        let r = tape.tokenLogProbabilities(tape.constant([3, 3, 3, 3], rows: 1, columns: 4), targets: [1])
        #expect(abs(tape.backend.download(r.logp.buffer)[0] + log(4)) < 1e-14)
        #expect(abs(tape.backend.download(r.entropy.buffer)[0] - log(4)) < 1e-14)
    }

    @Test func adamWStepByHand() {
        // Step 1: m̂ = g, v̂ = g², so θ ← θ − lr (sign(g)·|g|/(|g| + ε) + λθ).
        let backend = CPUBackend()
        let theta = backend.upload([1.0, -2.0]), g = backend.upload([0.5, -4.0])
        let m = backend.allocate(2, of: Double.self), v = backend.allocate(2, of: Double.self)
        let settings = AdamWSettings(learningRate: 0.1, epsilon: 0, weightDecay: 0.01)
        backend.adamW(theta, gradient: g, m: m, v: v, settings: settings, step: 1)
        let out = backend.download(theta)
        #expect(abs(out[0] - (1 - 0.1 * (1 + 0.01))) < 1e-12 && abs(out[1] - (-2 - 0.1 * (-1 - 0.02))) < 1e-12)
    }

    @Test func floatAgreesWithDouble() {
        // The Float32 instances of the kernels against the Float64 ones on the same inputs.
        let x = gaussian(2 * 3 * 3 * 8, seed: 17)
        let d = Tape<Double>(backend: CPUBackend()), f = Tape<Float>(backend: CPUBackend())
        let yd = d.backend.download(d.gelu(d.causalAttention(d.constant(x, rows: 6, columns: 24), batch: 2, length: 3, heads: 2)).buffer)
        let yf = f.backend.download(f.gelu(f.causalAttention(f.constant(x.map(Float.init), rows: 6, columns: 24), batch: 2,
                                                              length: 3, heads: 2)).buffer)
        #expect(zip(yd, yf).allSatisfy { abs($0 - Double($1)) < 1e-5 })
    }
}

@Suite("Float kernels against the double ones")
struct FloatKernelTests {
    /// GELU's float path uses its own tanh; over a wide range it must stay within float rounding
    /// of the double kernel (value and derivative).
    @Test func geluFloatMatchesDouble() {
        let x = (0..<4001).map { -20 + Double($0) * 0.01 }
        let d = Tape<Double>(backend: CPUBackend()), f = Tape<Float>(backend: CPUBackend())
        let xd = d.constant(x, rows: 1, columns: x.count), xf = f.constant(x.map(Float.init), rows: 1, columns: x.count)
        let yd = d.gelu(xd), yf = f.gelu(xf)
        d.backward(seeds: [(yd, d.backend.upload([Double](repeating: 1, count: x.count)))])
        f.backward(seeds: [(yf, f.backend.upload([Float](repeating: 1, count: x.count)))])
        let vd = d.backend.download(yd.buffer), vf = f.backend.download(yf.buffer)
        let gd = d.backend.download(d.gradient(of: xd)!), gf = f.backend.download(f.gradient(of: xf)!)
        for i in x.indices {
            #expect(abs(Double(vf[i]) - vd[i]) <= 4e-7 * max(1, abs(vd[i])), "gelu(\(x[i]))")
            #expect(abs(Double(gf[i]) - gd[i]) <= 1e-6 * max(1, abs(gd[i])), "gelu'(\(x[i]))")
        }
    }
}
