import Foundation
import KoopScope
import _KoopScopeTensorKernels

/// The backend on the host: OpenBLAS for products, the C kernels of `_KoopScopeTensorKernels`
/// for the rest. Open, so that an instrumented or deliberately broken backend (the parity
/// suite's own tests) can override one op.
///
/// ```swift
/// let tape = Tape<Float>(backend: CPUBackend())
/// ```
open class CPUBackend: Backend, @unchecked Sendable {
    open var name: String { "cpu" }

    /// Where freed buffers wait for the next op's output of their size.
    public let pool: BufferPool

    /// Every op allocates its output, so freed buffers are kept for reuse: up to `poolCapacity`
    /// bytes in this backend's ``BufferPool`` (by default a quarter of the machine's memory, at most
    /// 8 GiB: the ≈10M-parameter policy's update of 64 × 64 positions cycles through about 2 GiB).
    /// A program that trains also asks the C allocator to keep the rest
    /// (``MemoryAllocator/keepFreedMemory()``, as `koopscope` does at its start) rather than fault
    /// fresh pages in on every step; that is process-wide, so a library leaves it to the program.
    public init(poolCapacity: Int = Int(min(ProcessInfo.processInfo.physicalMemory / 4, 8 << 30))) {
        pool = BufferPool(capacity: poolCapacity)
    }

    open func allocate<E: BitwiseCopyable>(_ count: Int, of type: E.Type) -> Buffer<E> {
        let buffer = allocateUninitialized(count, of: type)
        buffer.address.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1) * MemoryLayout<E>.stride)
        return buffer
    }

    open func allocateUninitialized<E: BitwiseCopyable>(_ count: Int, of type: E.Type) -> Buffer<E> {
        let bytes = max(count, 1) * MemoryLayout<E>.stride
        let pool = pool
        return Buffer(count: count, address: pool.take(bytes)) { pool.give($0, bytes) }
    }

    open func upload<E: BitwiseCopyable>(_ values: [E]) -> Buffer<E> {
        let buffer = allocate(values.count, of: E.self)
        write(values, to: buffer)
        return buffer
    }

    open func download<E: BitwiseCopyable>(_ buffer: Buffer<E>) -> [E] {
        Array(UnsafeBufferPointer(start: buffer.pointer, count: buffer.count))
    }

    open func write<E: BitwiseCopyable>(_ values: [E], to buffer: Buffer<E>) {
        precondition(values.count == buffer.count, "writing \(values.count) elements into a buffer of \(buffer.count)")
        values.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    open func zero<E: BitwiseCopyable>(_ buffer: Buffer<E>) {
        buffer.address.initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count * MemoryLayout<E>.stride)
    }

    open func copy<E: BitwiseCopyable>(_ source: Buffer<E>, to destination: Buffer<E>) {
        precondition(source.count == destination.count, "copying \(source.count) elements into a buffer of \(destination.count)")
        destination.pointer.update(from: source.pointer, count: source.count)
    }

    open func axpy<S: TensorScalar>(_ alpha: S, _ x: Buffer<S>, _ y: Buffer<S>) {
        precondition(x.count == y.count)
        S._axpy(x.count, alpha, x.pointer, y.pointer)
    }

    open func scale<S: TensorScalar>(_ x: Buffer<S>, by alpha: S) {
        S._scale(x.pointer, x.count, alpha)
    }

    open func sumOfSquares<S: TensorScalar>(_ x: Buffer<S>) -> Double {
        Double(S._dot(x.count, x.pointer, x.pointer))
    }

    /// Products with at most this many rows of A (and no transposes) skip BLAS's packing of B:
    /// the sampler's one token per sequence, where packing the weights costs as much as using them.
    static let smallGEMMRows = 64

    /// Products of at least this many multiply-adds are cut into ``gemmPieces`` pieces along the
    /// longer side of C, run on the cores at once. koopscope keeps OpenBLAS at one thread while it
    /// trains (its idle threads would spin against the cores' own work, and its thread count is
    /// the whole process's), so this is what spreads one large product — a mini-batch too small to
    /// cut into parts, the logits over a vocabulary — over the cores.
    static let pieceWork = 1 << 25
    /// A fixed count, never the number of cores: each element of C is summed by OpenBLAS's same
    /// kernel over the same k, whatever machine runs it.
    static let gemmPieces = 8

    /// Runs `body` over `count` items in up to ``gemmPieces`` ranges on the cores when `work` (in
    /// elements or multiply-adds) is worth it, else over all of them at once. For kernels whose
    /// items — rows, sequences, elements — are independent, so the result is the same either way.
    static func inPieces(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        guard count >= 2, work >= 1 << 20 else { body(0..<count); return }
        let ranges = evenRanges(count, parts: min(count, gemmPieces))
        _ = concurrentMap(ranges.count) { body(ranges[$0]) }
    }

    /// The ranges of C's rows (or columns) a product is cut into: ``gemmPieces`` of a multiple of
    /// 16 each when it is large, else one.
    static func gemmRanges(extent: Int, work: Int) -> [Range<Int>] {
        let pieces = work >= pieceWork && extent >= 16 * gemmPieces ? gemmPieces : 1
        let step = pieces == 1 ? max(extent, 1) : (extent + pieces * 16 - 1) / (pieces * 16) * 16
        return stride(from: 0, to: extent, by: step).map { $0..<min($0 + step, extent) }
    }

    open func gemm<S: TensorScalar>(_ s: GEMMShape, alpha: S, _ a: Buffer<S>, _ b: Buffer<S>, beta: S, _ c: Buffer<S>) {
        if s.m <= Self.smallGEMMRows && !s.transposeA && !s.transposeB && alpha == 1 && (beta == 0 || beta == 1),
           S._smallGEMM(a.pointer + s.offsetA, s.lda, b.pointer + s.offsetB, s.ldb, c.pointer + s.offsetC, s.ldc,
                        s.m, s.n, s.k, accumulate: beta == 1) {
            return
        }
        // Along the longer side of C, so that the operand each piece packs again is the smaller one;
        // A's rows or B's columns follow C's.
        let (m, n, k) = (s.m, s.n, s.k)
        let alongRows = m >= n
        let work = m.multipliedReportingOverflow(by: n).partialValue.multipliedReportingOverflow(by: k).partialValue
        let ranges = Self.gemmRanges(extent: alongRows ? m : n, work: work)
        _ = concurrentMap(ranges.count) { piece in
            let start = ranges[piece].lowerBound, size = ranges[piece].count
            let offsetA = s.offsetA + (alongRows ? (s.transposeA ? start : start * s.lda) : 0)
            let offsetB = s.offsetB + (alongRows ? 0 : (s.transposeB ? start * s.ldb : start))
            let offsetC = s.offsetC + (alongRows ? start * s.ldc : start)
            S._gemm(transA: s.transposeA, transB: s.transposeB, m: alongRows ? size : m, n: alongRows ? n : size, k: k,
                    alpha: alpha, a: a.pointer + offsetA, lda: s.lda, b: b.pointer + offsetB, ldb: s.ldb,
                    beta: beta, c: c.pointer + offsetC, ldc: s.ldc)
        }
    }

    open func addBias<S: TensorScalar>(_ x: Buffer<S>, _ bias: Buffer<S>, rows: Int, columns: Int) {
        S._addBias(x.pointer, bias.pointer, rows, columns)
    }

    open func columnSums<S: TensorScalar>(_ g: Buffer<S>, rows: Int, columns: Int, into out: Buffer<S>) {
        S._columnSums(g.pointer, rows, columns, out.pointer)
    }

    open func layerNorm<S: TensorScalar>(_ x: Buffer<S>, gamma: Buffer<S>, beta: Buffer<S>, rows: Int, columns: Int,
                                           epsilon: S, y: Buffer<S>, mean: Buffer<S>, rstd: Buffer<S>) {
        S._layerNorm(x.pointer, gamma.pointer, beta.pointer, rows, columns, epsilon, y.pointer, mean.pointer, rstd.pointer)
    }

    open func layerNormBackward<S: TensorScalar>(_ dy: Buffer<S>, x: Buffer<S>, gamma: Buffer<S>, mean: Buffer<S>,
                                                   rstd: Buffer<S>, rows: Int, columns: Int,
                                                   dx: Buffer<S>, dgamma: Buffer<S>, dbeta: Buffer<S>) {
        S._layerNormBackward(dy.pointer, x.pointer, gamma.pointer, mean.pointer, rstd.pointer, rows, columns,
                             dx.pointer, dgamma.pointer, dbeta.pointer)
    }

    open func biasGELU<S: TensorScalar>(_ z: Buffer<S>, bias: Buffer<S>?, rows: Int, columns: Int, y: Buffer<S>) {
        S._biasGELU(z.pointer, bias.map { UnsafePointer($0.pointer) }, rows, columns, y.pointer)
    }

    open func biasGELUBackward<S: TensorScalar>(_ z: Buffer<S>, dy: Buffer<S>, rows: Int, columns: Int,
                                                dz: Buffer<S>, dbias: Buffer<S>?) {
        S._biasGELUBackward(z.pointer, dy.pointer, rows, columns, dz.pointer, dbias?.pointer)
    }

    /// One fused kernel per sequence, every head (no GEMM call per head, no scores above the diagonal).
    open func attention<S: TensorScalar>(_ qkv: Buffer<S>, batch: Int, length t: Int, heads: Int, dimension d: Int,
                                           out: Buffer<S>, probabilities: Buffer<S>) {
        let e = d / heads
        let scratch = UnsafeMutablePointer<S>.allocate(capacity: ks_causal_attention_scratch(t, e))
        defer { scratch.deallocate() }
        for b in 0..<batch {
            S._causalAttention(qkv.pointer + b * t * 3 * d, t, heads, e, out.pointer + b * t * d,
                               probabilities.pointer + b * heads * t * t, scratch)
        }
    }

    open func attentionBackward<S: TensorScalar>(_ dout: Buffer<S>, qkv: Buffer<S>, probabilities: Buffer<S>,
                                                   batch: Int, length t: Int, heads: Int, dimension d: Int, dqkv: Buffer<S>) {
        let e = d / heads
        let scratch = UnsafeMutablePointer<S>.allocate(capacity: ks_causal_attention_scratch(t, e))
        defer { scratch.deallocate() }
        for b in 0..<batch {
            S._causalAttentionBackward(dout.pointer + b * t * d, qkv.pointer + b * t * 3 * d,
                                       probabilities.pointer + b * heads * t * t, t, heads, e,
                                       dqkv.pointer + b * t * 3 * d, scratch)
        }
    }

    open func tokenLogProbabilities<S: TensorScalar>(_ logits: Buffer<S>, targets: Buffer<Int32>, rows: Int,
                                                       vocabulary: Int, inverseTemperature: S, logp: Buffer<S>,
                                                       entropy: Buffer<S>, probabilities: Buffer<S>) {
        Self.inPieces(rows, work: rows * vocabulary) { r in
            let row = r.lowerBound
            S._tokenLogProbabilities(logits.pointer + row * vocabulary, targets.pointer + row, r.count, vocabulary,
                                     inverseTemperature, logp.pointer + row, entropy.pointer + row,
                                     probabilities.pointer + row * vocabulary)
        }
    }

    open func tokenLogProbabilitiesBackward<S: TensorScalar>(probabilities: Buffer<S>, targets: Buffer<Int32>,
                                                               dlogp: Buffer<S>?, dentropy: Buffer<S>?, rows: Int,
                                                               vocabulary: Int, inverseTemperature: S, dlogits: Buffer<S>) {
        Self.inPieces(rows, work: rows * vocabulary) { r in
            let row = r.lowerBound
            S._tokenLogProbabilitiesBackward(probabilities.pointer + row * vocabulary, targets.pointer + row,
                                             dlogp.map { UnsafePointer($0.pointer + row) },
                                             dentropy.map { UnsafePointer($0.pointer + row) },
                                             r.count, vocabulary, inverseTemperature, dlogits.pointer + row * vocabulary)
        }
    }

    open func embed<S: TensorScalar>(tokenTable: Buffer<S>, positionTable: Buffer<S>, tokens: Buffer<Int32>,
                                       positions: Buffer<Int32>, rows: Int, dimension: Int, out: Buffer<S>) {
        S._embed(tokenTable.pointer, positionTable.pointer, tokens.pointer, positions.pointer, rows, dimension, out.pointer)
    }

    open func embedBackward<S: TensorScalar>(_ dout: Buffer<S>, tokens: Buffer<Int32>, positions: Buffer<Int32>,
                                               rows: Int, dimension: Int, dTokenTable: Buffer<S>, dPositionTable: Buffer<S>) {
        S._embedBackward(dout.pointer, tokens.pointer, positions.pointer, rows, dimension,
                         dTokenTable.pointer, dPositionTable.pointer)
    }

    open func adamW<S: TensorScalar>(_ parameters: Buffer<S>, gradient: Buffer<S>, m: Buffer<S>, v: Buffer<S>,
                                       settings a: AdamWSettings, step: Int) {
        let c1 = 1 - pow(a.beta1, Double(step)), c2 = 1 - pow(a.beta2, Double(step))
        S._adamW(parameters.pointer, gradient.pointer, m.pointer, v.pointer, parameters.count, S(a.learningRate),
                 S(a.beta1), S(a.beta2), S(a.epsilon), S(a.weightDecay), S(c1), S(c2))
    }

    open func appendToCache<S: TensorScalar>(_ qkv: Buffer<S>, batch: Int, dimension d: Int, position: Int,
                                               capacity: Int, keys: Buffer<S>, values: Buffer<S>) {
        for b in 0..<batch {
            let source = qkv.pointer + b * 3 * d, row = (b * capacity + position) * d
            (keys.pointer + row).update(from: source + d, count: d)
            (values.pointer + row).update(from: source + 2 * d, count: d)
        }
    }

    open func attendCached<S: TensorScalar>(_ qkv: Buffer<S>, keys: Buffer<S>, values: Buffer<S>, batch: Int,
                                              length: Int, capacity: Int, heads: Int, dimension d: Int, out: Buffer<S>) {
        let scratch = UnsafeMutablePointer<S>.allocate(capacity: max(heads * length, 1))
        defer { scratch.deallocate() }
        for b in 0..<batch {
            S._attendCached(qkv.pointer + b * 3 * d, keys.pointer + b * capacity * d, values.pointer + b * capacity * d,
                            length, heads, d / heads, d, scratch, out.pointer + b * d)
        }
    }

    open func rmsNorm<S: TensorScalar>(_ x: Buffer<S>, weight: Buffer<S>, rows: Int, columns: Int, epsilon: S,
                                       y: Buffer<S>, rstd: Buffer<S>) {
        S._rmsNorm(x.pointer, weight.pointer, rows, columns, epsilon, y.pointer, rstd.pointer)
    }

    open func rmsNormBackward<S: TensorScalar>(_ dy: Buffer<S>, x: Buffer<S>, weight: Buffer<S>, rstd: Buffer<S>,
                                               rows: Int, columns: Int, dx: Buffer<S>, dweight: Buffer<S>) {
        S._rmsNormBackward(dy.pointer, x.pointer, weight.pointer, rstd.pointer, rows, columns, dx.pointer, dweight.pointer)
    }

    open func siluGate<S: TensorScalar>(_ gate: Buffer<S>, up: Buffer<S>, count: Int, y: Buffer<S>) {
        Self.inPieces(count, work: count) { r in
            S._siluGate(gate.pointer + r.lowerBound, up.pointer + r.lowerBound, r.count, y.pointer + r.lowerBound)
        }
    }

    open func siluGateBackward<S: TensorScalar>(_ gate: Buffer<S>, up: Buffer<S>, dy: Buffer<S>, count: Int,
                                                dgate: Buffer<S>, dup: Buffer<S>) {
        Self.inPieces(count, work: count) { r in
            let i = r.lowerBound
            S._siluGateBackward(gate.pointer + i, up.pointer + i, dy.pointer + i, r.count, dgate.pointer + i, dup.pointer + i)
        }
    }

    open func rotary<S: TensorScalar>(_ x: Buffer<S>, rows: Int, heads: Int, headDimension: Int, positions: Buffer<Int32>,
                                      frequencies: Buffer<S>, sign: Int32, accumulate: Bool, y: Buffer<S>) {
        S._rotary(x.pointer, rows, heads, headDimension, positions.pointer, frequencies.pointer, sign, accumulate, y.pointer)
    }

    open func groupedAttention<S: TensorScalar>(q: Buffer<S>, k: Buffer<S>, v: Buffer<S>, batch: Int, length: Int, heads: Int,
                                                kvHeads: Int, headDimension: Int, out: Buffer<S>, probabilities: Buffer<S>) {
        let (qw, kw) = (length * heads * headDimension, length * kvHeads * headDimension)
        // Each sequence is its own problem: the sequences on the cores.
        Self.inPieces(batch, work: batch * heads * length * length * headDimension) { r in
            let b = r.lowerBound
            S._groupedAttention(q.pointer + b * qw, k.pointer + b * kw, v.pointer + b * kw, r.count, length, heads, kvHeads,
                                headDimension, out.pointer + b * qw, probabilities.pointer + b * heads * length * length)
        }
    }

    open func groupedAttentionBackward<S: TensorScalar>(_ dout: Buffer<S>, q: Buffer<S>, k: Buffer<S>, v: Buffer<S>,
                                                        probabilities: Buffer<S>, batch: Int, length: Int, heads: Int,
                                                        kvHeads: Int, headDimension: Int, dq: Buffer<S>, dk: Buffer<S>,
                                                        dv: Buffer<S>) {
        let (qw, kw, pw) = (length * heads * headDimension, length * kvHeads * headDimension, heads * length * length)
        Self.inPieces(batch, work: batch * heads * length * length * headDimension) { r in
            let b = r.lowerBound
            S._groupedAttentionBackward(dout.pointer + b * qw, q.pointer + b * qw, k.pointer + b * kw, v.pointer + b * kw,
                                        probabilities.pointer + b * pw, r.count, length, heads, kvHeads, headDimension,
                                        dq.pointer + b * qw, dk.pointer + b * kw, dv.pointer + b * kw)
        }
    }
}
