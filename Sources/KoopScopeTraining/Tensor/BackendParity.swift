import Foundation
import KoopScope

/// Runs every ``Backend`` op, and a whole training step, on a reference backend and a candidate
/// with the same fresh random inputs, and compares every element of every output.
///
/// Outputs are poisoned with NaN before each run (an op that forgets to write an element fails);
/// outputs an op adds into start from the same random values on both sides. An element passes
/// when |candidate − reference| ≤ tolerance · (|reference| + RMS of the reference output).
///
/// ```swift
/// var parity = BackendParity(reference: CPUBackend(), candidate: try CUDABackend(), seed: 1)
/// let rows = parity.run()
/// print(BackendParity.table(rows, title: "CPU against CUDA"))
/// ```
public struct BackendParity {
    /// One compared output.
    public struct Row: Sendable {
        public var op: String
        public var elements: Int
        public var maxAbsoluteError: Double
        public var maxRelativeError: Double
        public var passed: Bool
    }

    public let reference: any Backend
    public let candidate: any Backend
    private var rng: SeededGenerator
    private var rows: [Row] = []

    public init(reference: any Backend, candidate: any Backend, seed: UInt64) {
        self.reference = reference
        self.candidate = candidate
        rng = SeededGenerator(seed: seed)
    }

    private mutating func random(_ count: Int, scale: Double = 1) -> [Float] {
        (0..<count).map { _ in Float(rng.nextGaussian() * scale) }
    }

    /// Runs `body` on both backends with `inputs` uploaded and `outputs` (sizes) poisoned, or
    /// starting from the same random values where the index is in `accumulating`; compares them.
    private mutating func check(_ name: String, inputs: [[Float]], outputs: [Int], accumulating: Set<Int> = [],
                                tolerance: Double = 2e-5, _ body: (any Backend, [Buffer<Float>], [Buffer<Float>]) -> Void) {
        let starts = outputs.enumerated().map { k, n in accumulating.contains(k) ? random(n) : [Float](repeating: .nan, count: n) }
        var results: [[[Float]]] = []
        for backend in [reference, candidate] {
            let ins = inputs.map { backend.upload($0) }
            let outs = starts.map { backend.upload($0) }
            body(backend, ins, outs)
            results.append(outs.map { backend.download($0) })
        }
        for k in outputs.indices {
            rows.append(Self.compare(outputs.count == 1 ? name : "\(name) [\(k)]", results[0][k], results[1][k], tolerance))
        }
    }

    static func compare(_ name: String, _ expected: [Float], _ actual: [Float], _ tolerance: Double) -> Row {
        let rms = (expected.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(expected.count, 1))).squareRoot()
        var maxAbs = 0.0, maxRel = 0.0, passed = expected.count == actual.count
        for (x, y) in zip(expected, actual) {
            guard x.isFinite, y.isFinite else { passed = false; maxAbs = .infinity; maxRel = .infinity; continue }
            let error = abs(Double(x) - Double(y))
            maxAbs = max(maxAbs, error)
            maxRel = max(maxRel, error / max(abs(Double(x)), 1e-30))
            if error > tolerance * (abs(Double(x)) + rms) { passed = false }
        }
        return Row(op: name, elements: expected.count, maxAbsoluteError: maxAbs, maxRelativeError: maxRel, passed: passed)
    }

    /// Every op, then a training step; one row per compared output.
    public mutating func run() -> [Row] {
        rows = []
        let n = 1000
        check("copy", inputs: [random(n)], outputs: [n]) { be, i, o in be.copy(i[0], to: o[0]) }
        check("axpy", inputs: [random(n)], outputs: [n], accumulating: [0]) { be, i, o in be.axpy(Float(0.7), i[0], o[0]) }
        check("scale", inputs: [], outputs: [n], accumulating: [0]) { be, _, o in be.scale(o[0], by: Float(-1.3)) }
        let squares = random(n)
        let sum = [reference, candidate].map { $0.sumOfSquares($0.upload(squares)) }
        rows.append(Self.compare("sumOfSquares", [Float(sum[0])], [Float(sum[1])], 1e-6))
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            // 7×5 = op(A) op(B) with k = 9, A and B read at offsets, C written at an offset with ldc 8.
            var s = GEMMShape(m: 7, n: 5, k: 9, transposeA: ta, transposeB: tb)
            s.offsetA = 3; s.offsetB = 2; s.offsetC = 4; s.ldc = 8
            check("gemm \(ta ? "T" : "N")\(tb ? "T" : "N")", inputs: [random(3 + 63), random(2 + 45)], outputs: [4 + 7 * 8],
                  accumulating: [0]) { be, i, o in be.gemm(s, alpha: Float(0.5), i[0], i[1], beta: Float(0.25), o[0]) }
        }
        let (r, c) = (33, 20)
        check("addBias", inputs: [random(c)], outputs: [r * c], accumulating: [0]) { be, i, o in
            be.addBias(o[0], i[0], rows: r, columns: c)
        }
        check("columnSums", inputs: [random(r * c)], outputs: [c], accumulating: [0]) { be, i, o in
            be.columnSums(i[0], rows: r, columns: c, into: o[0])
        }
        check("layerNorm", inputs: [random(r * c, scale: 3), random(c), random(c)], outputs: [r * c, r, r]) { be, i, o in
            be.layerNorm(i[0], gamma: i[1], beta: i[2], rows: r, columns: c, epsilon: Float(1e-5), y: o[0], mean: o[1], rstd: o[2])
        }
        let x = random(r * c, scale: 3)
        let statistics = Self.rowStatistics(x, rows: r, columns: c)
        check("layerNormBackward", inputs: [random(r * c), x, random(c), statistics.mean, statistics.rstd],
              outputs: [r * c, c, c], accumulating: [0, 1, 2]) { be, i, o in
            be.layerNormBackward(i[0], x: i[1], gamma: i[2], mean: i[3], rstd: i[4], rows: r, columns: c,
                                 dx: o[0], dgamma: o[1], dbeta: o[2])
        }
        check("gelu", inputs: [random(r * c, scale: 3)], outputs: [r * c]) { be, i, o in
            be.biasGELU(i[0], bias: nil, rows: r, columns: c, y: o[0])
        }
        check("geluBackward", inputs: [random(r * c, scale: 3), random(r * c)], outputs: [r * c], accumulating: [0]) { be, i, o in
            be.biasGELUBackward(i[0], dy: i[1], rows: r, columns: c, dz: o[0], dbias: nil)
        }
        // z is updated in place (z + bias): an output that starts from given values.
        check("biasGELU", inputs: [random(c, scale: 2)], outputs: [r * c, r * c], accumulating: [0]) { be, i, o in
            be.biasGELU(o[0], bias: i[0], rows: r, columns: c, y: o[1])
        }
        check("biasGELUBackward", inputs: [random(r * c, scale: 3), random(r * c)], outputs: [r * c, c],
              accumulating: [0, 1]) { be, i, o in
            be.biasGELUBackward(i[0], dy: i[1], rows: r, columns: c, dz: o[0], dbias: o[1])
        }
        let (batch, t, heads, d) = (3, 7, 2, 8)
        check("attention", inputs: [random(batch * t * 3 * d)], outputs: [batch * t * d, batch * heads * t * t]) { be, i, o in
            be.attention(i[0], batch: batch, length: t, heads: heads, dimension: d, out: o[0], probabilities: o[1])
        }
        let qkv = random(batch * t * 3 * d)
        let probabilities = Self.attentionProbabilities(qkv, batch: batch, length: t, heads: heads, dimension: d)
        check("attentionBackward", inputs: [random(batch * t * d), qkv, probabilities], outputs: [batch * t * 3 * d],
              accumulating: [0]) { be, i, o in
            be.attentionBackward(i[0], qkv: i[1], probabilities: i[2], batch: batch, length: t, heads: heads, dimension: d,
                                 dqkv: o[0])
        }
        let (rowsV, vocabulary) = (11, 13)
        let targets = (0..<rowsV).map { Int32($0 * 5 % vocabulary) }
        check("tokenLogProbabilities", inputs: [random(rowsV * vocabulary, scale: 2)], outputs: [rowsV, rowsV, rowsV * vocabulary]) {
            be, i, o in
            be.tokenLogProbabilities(i[0], targets: be.upload(targets), rows: rowsV, vocabulary: vocabulary,
                                     inverseTemperature: Float(1 / 0.8), logp: o[0], entropy: o[1], probabilities: o[2])
        }
        let softmax = Self.softmaxRows(random(rowsV * vocabulary, scale: 2), rows: rowsV, columns: vocabulary)
        check("tokenLogProbabilitiesBackward", inputs: [softmax, random(rowsV), random(rowsV)], outputs: [rowsV * vocabulary],
              accumulating: [0]) { be, i, o in
            be.tokenLogProbabilitiesBackward(probabilities: i[0], targets: be.upload(targets), dlogp: i[1], dentropy: i[2],
                                             rows: rowsV, vocabulary: vocabulary, inverseTemperature: Float(1.25), dlogits: o[0])
        }
        let tokens: [Int32] = [3, 0, 5, 3, 1, 5, 2], positions: [Int32] = [0, 1, 2, 3, 0, 1, 2]
        check("embed", inputs: [random(6 * d), random(4 * d)], outputs: [7 * d]) { be, i, o in
            be.embed(tokenTable: i[0], positionTable: i[1], tokens: be.upload(tokens), positions: be.upload(positions),
                     rows: 7, dimension: d, out: o[0])
        }
        check("embedBackward", inputs: [random(7 * d)], outputs: [6 * d, 4 * d], accumulating: [0, 1]) { be, i, o in
            be.embedBackward(i[0], tokens: be.upload(tokens), positions: be.upload(positions), rows: 7, dimension: d,
                             dTokenTable: o[0], dPositionTable: o[1])
        }
        checkDecoderBlocks(rows: r, columns: c)
        let moments = random(n).map { $0 * $0 }
        check("adamW", inputs: [random(n)], outputs: [n, n, n], accumulating: [0, 1]) { be, i, o in
            be.write(moments, to: o[2])   // v must start non-negative
            be.adamW(o[0], gradient: i[0], m: o[1], v: o[2], settings: AdamWSettings(learningRate: 1e-3), step: 3)
        }
        let capacity = 6
        check("appendToCache", inputs: [random(batch * 3 * d)], outputs: [batch * capacity * d, batch * capacity * d],
              accumulating: [0, 1]) { be, i, o in
            be.appendToCache(i[0], batch: batch, dimension: d, position: 4, capacity: capacity, keys: o[0], values: o[1])
        }
        check("attendCached", inputs: [random(batch * 3 * d), random(batch * capacity * d), random(batch * capacity * d)],
              outputs: [batch * d]) { be, i, o in
            be.attendCached(i[0], keys: i[1], values: i[2], batch: batch, length: 5, capacity: capacity, heads: heads,
                            dimension: d, out: o[0])
        }
        trainingStep()
        return rows
    }

    /// A whole step of a small policy on each backend from the same initial weights: the logits,
    /// log-probabilities, entropies and hidden states of the forward pass, every parameter's
    /// gradient, and every parameter after clipping and AdamW.
    private mutating func trainingStep() {
        let shape = PolicyConfiguration(vocabularySize: 23, contextLength: 16, dimension: 32, layers: 2, heads: 4)
        let (batch, length) = (6, 12)
        let tokens = (0..<(batch * length)).map { _ in Int32(rng.next() % 23) }
        let targets = (0..<(batch * length)).map { _ in Int32(rng.next() % 23) }
        let seeds = (random(batch * length, scale: 0.05), random(batch * length, scale: 0.05), random(batch * length * 32, scale: 0.01))
        var outputs: [[[Float]]] = []
        for backend in [reference, candidate] {
            let policy = TransformerPolicy<Float>(configuration: shape, backend: backend, seed: 7)
            let tape = Tape<Float>(backend: backend)
            let forward = policy.forward(tape, tokens: tokens, length: length)
            let out = tape.tokenLogProbabilities(forward.logits, targets: targets)
            var collected = [forward.logits.buffer, out.logp.buffer, out.entropy.buffer, forward.hidden.buffer].map { backend.download($0) }
            tape.backward(seeds: [(out.logp, backend.upload(seeds.0)), (out.entropy, backend.upload(seeds.1)),
                                  (forward.hidden, backend.upload(seeds.2))])
            let gradients = forward.parameters.map { tape.gradient(of: $0)! }
            collected.append(gradients.flatMap { backend.download($0) })
            let optimizer = AdamWOptimizer(parameters: policy.parameters, settings: AdamWSettings(learningRate: 1e-3), backend: backend)
            optimizer.step(gradients: gradients, clip: 1.0)
            collected.append(policy.parameters.flatMap { backend.download($0.value) })
            outputs.append(collected)
        }
        for (k, name) in ["logits", "log-probabilities", "entropies", "hidden states", "all gradients", "parameters after AdamW"].enumerated() {
            rows.append(Self.compare("step: \(name)", outputs[0][k], outputs[1][k], k == 4 ? 2e-3 : 2e-4))
        }
    }

    /// A fixed-width table of the rows, with a verdict line.
    public static func table(_ rows: [Row], title: String) -> String {
        var out = "\(title)\n"
        out += "op".padding(toLength: 36, withPad: " ", startingAt: 0) + "elements   max |Δ|       max rel     \n"
        for r in rows {
            out += r.op.padding(toLength: 36, withPad: " ", startingAt: 0)
            out += String(format: "%8d   %.3e   %.3e   %@\n", r.elements, r.maxAbsoluteError, r.maxRelativeError, r.passed ? "ok" : "FAIL")
        }
        let failed = rows.filter { !$0.passed }.count
        out += failed == 0 ? "parity: all \(rows.count) outputs agree\n" : "parity: \(failed) of \(rows.count) outputs DISAGREE\n"
        return out
    }

    static func rowStatistics(_ x: [Float], rows: Int, columns: Int) -> (mean: [Float], rstd: [Float]) {
        var mean: [Float] = [], rstd: [Float] = []
        for i in 0..<rows {
            let row = x[(i * columns)..<((i + 1) * columns)].map(Double.init)
            let mu = row.reduce(0, +) / Double(columns)
            let variance = row.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(columns)
            mean.append(Float(mu)); rstd.append(Float(1 / (variance + 1e-5).squareRoot()))
        }
        return (mean, rstd)
    }

    static func softmaxRows(_ z: [Float], rows: Int, columns: Int) -> [Float] {
        (0..<rows).flatMap { i -> [Float] in
            let row = z[(i * columns)..<((i + 1) * columns)].map(Double.init)
            let top = row.max()!, e = row.map { exp($0 - top) }, s = e.reduce(0, +)
            return e.map { Float($0 / s) }
        }
    }

    /// Valid attention weights (each row a causal softmax) for the backward check.
    static func attentionProbabilities(_ qkv: [Float], batch: Int, length t: Int, heads: Int, dimension d: Int) -> [Float] {
        let backend = CPUBackend()
        let out = backend.allocate(batch * t * d, of: Float.self), p = backend.allocate(batch * heads * t * t, of: Float.self)
        backend.attention(backend.upload(qkv), batch: batch, length: t, heads: heads, dimension: d, out: out, probabilities: p)
        return backend.download(p)
    }

    /// RMSNorm, the SiLU-gated product and rotary embeddings, forward and backward.
    private mutating func checkDecoderBlocks(rows r: Int, columns c: Int) {
        check("rmsNorm", inputs: [random(r * c, scale: 3), random(c)], outputs: [r * c, r]) { be, i, o in
            be.rmsNorm(i[0], weight: i[1], rows: r, columns: c, epsilon: Float(1e-6), y: o[0], rstd: o[1])
        }
        let x = random(r * c, scale: 3)
        let rstd = (0..<r).map { i in Float(1 / ((0..<c).reduce(0.0) { $0 + Double(x[i * c + $1] * x[i * c + $1]) } / Double(c) + 1e-6).squareRoot()) }
        check("rmsNormBackward", inputs: [random(r * c), x, random(c), rstd], outputs: [r * c, c], accumulating: [0, 1]) { be, i, o in
            be.rmsNormBackward(i[0], x: i[1], weight: i[2], rstd: i[3], rows: r, columns: c, dx: o[0], dweight: o[1])
        }
        check("siluGate", inputs: [random(r * c, scale: 3), random(r * c)], outputs: [r * c]) { be, i, o in
            be.siluGate(i[0], up: i[1], count: r * c, y: o[0])
        }
        check("siluGateBackward", inputs: [random(r * c, scale: 3), random(r * c), random(r * c)], outputs: [r * c, r * c],
              accumulating: [0, 1]) { be, i, o in
            be.siluGateBackward(i[0], up: i[1], dy: i[2], count: r * c, dgate: o[0], dup: o[1])
        }
        let (heads, width) = (2, 10)
        let positions = (0..<r).map { Int32($0 * 37 % 1000) }
        let frequencies = (0..<(width / 2)).map { Float(1 / pow(10_000, Double(2 * $0) / Double(width))) }
        for (sign, accumulate) in [(Int32(1), false), (-1, true)] {
            check("rotary\(sign < 0 ? " back" : "")", inputs: [random(r * heads * width), frequencies], outputs: [r * heads * width],
                  accumulating: accumulate ? [0] : []) { be, i, o in
                be.rotary(i[0], rows: r, heads: heads, headDimension: width, positions: be.upload(positions),
                          frequencies: i[1], sign: sign, accumulate: accumulate, y: o[0])
            }
        }
        let (batch, t, heads2, kvHeads, hd) = (2, 6, 4, 2, 4)
        let (qw, kw) = (batch * t * heads2 * hd, batch * t * kvHeads * hd)
        check("groupedAttention", inputs: [random(qw), random(kw), random(kw)], outputs: [qw, batch * heads2 * t * t]) { be, i, o in
            be.groupedAttention(q: i[0], k: i[1], v: i[2], batch: batch, length: t, heads: heads2, kvHeads: kvHeads,
                                headDimension: hd, out: o[0], probabilities: o[1])
        }
        let (q, k, v) = (random(qw), random(kw), random(kw))
        let cpu = CPUBackend(), probabilities = cpu.allocate(batch * heads2 * t * t, of: Float.self)
        cpu.groupedAttention(q: cpu.upload(q), k: cpu.upload(k), v: cpu.upload(v), batch: batch, length: t, heads: heads2,
                             kvHeads: kvHeads, headDimension: hd, out: cpu.allocate(qw, of: Float.self), probabilities: probabilities)
        check("groupedAttentionBackward", inputs: [random(qw), q, k, v, cpu.download(probabilities)], outputs: [qw, kw, kw],
              accumulating: [0, 1, 2]) { be, i, o in
            be.groupedAttentionBackward(i[0], q: i[1], k: i[2], v: i[3], probabilities: i[4], batch: batch, length: t,
                                        heads: heads2, kvHeads: kvHeads, headDimension: hd, dq: o[0], dk: o[1], dv: o[2])
        }
    }
}
