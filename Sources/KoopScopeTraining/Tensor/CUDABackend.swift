import Foundation
import KoopScope
import KoopScopeCUDA

/// The backend on an NVIDIA GPU: cuBLAS for products (strided-batched over sequences for
/// attention), the NVRTC-compiled kernels of ``CUDAKernelSource/training`` for the rest. Buffers hold device
/// addresses. A failed call is kept and thrown by ``synchronize()``; later ops are skipped.
///
/// ```swift
/// let backend: any Backend = try CUDABackend()     // throws CUDAError naming what is missing
/// ```
public final class CUDABackend: Backend, @unchecked Sendable {
    public let device: CUDADevice
    public var name: String { "cuda:0 (\(device.name), \(device.architecture))" }
    private var failure: CUDAError?
    private let lock = NSLock()

    public init(ordinal: Int = 0, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        device = try CUDADevice.open(ordinal: ordinal, environment: environment)
        try device.load(.training)
    }

    private func run(_ body: () throws -> Void) {
        lock.lock(); let failed = failure != nil; lock.unlock()
        guard !failed else { return }
        do { try body() } catch {
            lock.lock()
            if failure == nil { failure = error as? CUDAError ?? .callFailed(call: "?", status: -1, message: "\(error)") }
            lock.unlock()
        }
    }

    public func synchronize() throws {
        run { try device.synchronize() }
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
    }

    private func address<E>(_ buffer: Buffer<E>, _ offset: Int = 0) -> UInt64 {
        UInt64(UInt(bitPattern: buffer.address)) + UInt64(offset * MemoryLayout<E>.stride)
    }

    func pointer<E>(_ buffer: Buffer<E>?) -> CUDADevice.Argument { .pointer(buffer.map { address($0) } ?? 0) }

    func scalar<S: TensorScalar>(_ value: S) -> CUDADevice.Argument {
        S.self == Float.self ? .float(Float(value)) : .double(Double(value))
    }

    private func kernel<S: TensorScalar>(_ name: String, _: S.Type) -> String { "ks_\(name)_" + (S.self == Float.self ? "f" : "d") }

    func launch<S: TensorScalar>(_ name: String, _ type: S.Type, threads: Int, _ arguments: [CUDADevice.Argument]) {
        run { try device.launch(kernel(name, type), threads: threads, arguments) }
    }

    // MARK: Memory

    public func allocate<E: BitwiseCopyable>(_ count: Int, of type: E.Type) -> Buffer<E> {
        var raw: UInt64 = 0
        run { raw = try self.device.allocate(bytes: count * MemoryLayout<E>.stride) }
        guard raw != 0 else {
            // Allocation failed (kept for synchronize()): a placeholder no op will touch.
            return Buffer(count: count, address: UnsafeMutableRawPointer(bitPattern: 0x10)!) { _ in }
        }
        let owner = device
        return Buffer(count: count, address: UnsafeMutableRawPointer(bitPattern: UInt(raw))!) {
            owner.free(UInt64(UInt(bitPattern: $0)))
        }
    }

    public func upload<E: BitwiseCopyable>(_ values: [E]) -> Buffer<E> {
        let buffer = allocate(values.count, of: E.self)
        write(values, to: buffer)
        return buffer
    }

    public func download<E: BitwiseCopyable>(_ buffer: Buffer<E>) -> [E] {
        [E](unsafeUninitializedCapacity: buffer.count) { out, initialised in
            UnsafeMutableRawPointer(out.baseAddress!).initializeMemory(as: UInt8.self, repeating: 0,
                                                                       count: buffer.count * MemoryLayout<E>.stride)
            run { try device.copy(from: address(buffer), to: UnsafeMutableRawPointer(out.baseAddress!),
                                  bytes: buffer.count * MemoryLayout<E>.stride) }
            initialised = buffer.count
        }
    }

    public func write<E: BitwiseCopyable>(_ values: [E], to buffer: Buffer<E>) {
        precondition(values.count == buffer.count, "writing \(values.count) elements into a buffer of \(buffer.count)")
        values.withUnsafeBytes { bytes in
            run { try device.copy(from: bytes.baseAddress!, to: address(buffer), bytes: bytes.count) }
        }
    }

    public func zero<E: BitwiseCopyable>(_ buffer: Buffer<E>) {
        run { try device.zero(address(buffer), bytes: buffer.count * MemoryLayout<E>.stride) }
    }

    public func copy<E: BitwiseCopyable>(_ source: Buffer<E>, to destination: Buffer<E>) {
        precondition(source.count == destination.count, "copying \(source.count) elements into a buffer of \(destination.count)")
        run { try device.copy(from: address(source), to: address(destination), bytes: source.count * MemoryLayout<E>.stride) }
    }

    // MARK: Ops

    public func axpy<S: TensorScalar>(_ alpha: S, _ x: Buffer<S>, _ y: Buffer<S>) {
        launch("axpy", S.self, threads: x.count, [scalar(alpha), pointer(x), pointer(y), .int(x.count)])
    }

    public func scale<S: TensorScalar>(_ x: Buffer<S>, by alpha: S) {
        launch("scale", S.self, threads: x.count, [pointer(x), scalar(alpha), .int(x.count)])
    }

    public func sumOfSquares<S: TensorScalar>(_ x: Buffer<S>) -> Double {
        let partial = allocate(256, of: Double.self)
        launch("sum_squares", S.self, threads: 256 * 256, [pointer(x), .int(x.count), pointer(partial)])
        return download(partial).reduce(0, +)
    }

    public func gemm<S: TensorScalar>(_ s: GEMMShape, alpha: S, _ a: Buffer<S>, _ b: Buffer<S>, beta: S, _ c: Buffer<S>) {
        run {
            try device.gemm(transposeA: s.transposeA, transposeB: s.transposeB, m: s.m, n: s.n, k: s.k, alpha: alpha,
                            a: address(a, s.offsetA), lda: s.lda, b: address(b, s.offsetB), ldb: s.ldb, beta: beta,
                            c: address(c, s.offsetC), ldc: s.ldc)
        }
    }

    /// A GEMM repeated over `batch` blocks `stride` elements apart in each operand.
    private func batchedGemm<S: TensorScalar>(_ s: GEMMShape, _ a: Buffer<S>, _ b: Buffer<S>, beta: S, _ c: Buffer<S>,
                                             batch: Int, strides: (Int, Int, Int)) {
        run {
            try device.gemm(transposeA: s.transposeA, transposeB: s.transposeB, m: s.m, n: s.n, k: s.k, alpha: S(1),
                            a: address(a, s.offsetA), lda: s.lda, b: address(b, s.offsetB), ldb: s.ldb, beta: beta,
                            c: address(c, s.offsetC), ldc: s.ldc, batch: batch, strideA: strides.0, strideB: strides.1,
                            strideC: strides.2)
        }
    }

    public func addBias<S: TensorScalar>(_ x: Buffer<S>, _ bias: Buffer<S>, rows: Int, columns: Int) {
        launch("add_bias", S.self, threads: rows * columns, [pointer(x), pointer(bias), .int(rows), .int(columns)])
    }

    public func columnSums<S: TensorScalar>(_ g: Buffer<S>, rows: Int, columns: Int, into out: Buffer<S>) {
        launch("column_sums", S.self, threads: columns, [pointer(g), .int(rows), .int(columns), pointer(out)])
    }

    public func layerNorm<S: TensorScalar>(_ x: Buffer<S>, gamma: Buffer<S>, beta: Buffer<S>, rows: Int, columns: Int,
                                           epsilon: S, y: Buffer<S>, mean: Buffer<S>, rstd: Buffer<S>) {
        launch("layer_norm", S.self, threads: rows, [pointer(x), pointer(gamma), pointer(beta), .int(rows), .int(columns),
                                                     scalar(epsilon), pointer(y), pointer(mean), pointer(rstd)])
    }

    public func layerNormBackward<S: TensorScalar>(_ dy: Buffer<S>, x: Buffer<S>, gamma: Buffer<S>, mean: Buffer<S>,
                                                   rstd: Buffer<S>, rows: Int, columns: Int,
                                                   dx: Buffer<S>, dgamma: Buffer<S>, dbeta: Buffer<S>) {
        launch("layer_norm_backward_rows", S.self, threads: rows,
               [pointer(dy), pointer(x), pointer(gamma), pointer(mean), pointer(rstd), .int(rows), .int(columns), pointer(dx)])
        launch("layer_norm_backward_columns", S.self, threads: columns,
               [pointer(dy), pointer(x), pointer(mean), pointer(rstd), .int(rows), .int(columns), pointer(dgamma), pointer(dbeta)])
    }

    // The device runs the bias and the activation as the kernels it has for each: one launch more
    // per MLP, and each kernel stays as simple as the CPU's loop it mirrors.
    public func biasGELU<S: TensorScalar>(_ z: Buffer<S>, bias: Buffer<S>?, rows: Int, columns: Int, y: Buffer<S>) {
        if let bias { addBias(z, bias, rows: rows, columns: columns) }
        launch("gelu", S.self, threads: rows * columns, [pointer(z), .int(rows * columns), pointer(y)])
    }

    public func biasGELUBackward<S: TensorScalar>(_ z: Buffer<S>, dy: Buffer<S>, rows: Int, columns: Int,
                                                  dz: Buffer<S>, dbias: Buffer<S>?) {
        guard let dbias else {
            launch("gelu_backward", S.self, threads: rows * columns, [pointer(z), pointer(dy), .int(rows * columns), pointer(dz)])
            return
        }
        // The bias needs g = dy·gelu′(z) on its own, not dz's earlier contents.
        let g = allocate(rows * columns, of: S.self)
        launch("gelu_backward", S.self, threads: rows * columns, [pointer(z), pointer(dy), .int(rows * columns), pointer(g)])
        axpy(1, g, dz)
        columnSums(g, rows: rows, columns: columns, into: dbias)
    }

    public func attention<S: TensorScalar>(_ qkv: Buffer<S>, batch: Int, length t: Int, heads: Int, dimension d: Int,
                                           out: Buffer<S>, probabilities: Buffer<S>) {
        let e = d / heads, scale = 1 / S(e).squareRoot()
        for h in 0..<heads {
            var scores = GEMMShape(m: t, n: t, k: e, transposeB: true)
            scores.lda = 3 * d; scores.ldb = 3 * d; scores.offsetA = h * e; scores.offsetB = d + h * e; scores.offsetC = h * t * t
            batchedGemm(scores, qkv, qkv, beta: 0, probabilities, batch: batch, strides: (t * 3 * d, t * 3 * d, heads * t * t))
        }
        launch("causal_softmax", S.self, threads: batch * heads * t,
               [pointer(probabilities), .int(batch * heads), .int(t), scalar(scale)])
        for h in 0..<heads {
            var mix = GEMMShape(m: t, n: e, k: t)
            mix.ldb = 3 * d; mix.ldc = d; mix.offsetA = h * t * t; mix.offsetB = 2 * d + h * e; mix.offsetC = h * e
            batchedGemm(mix, probabilities, qkv, beta: 0, out, batch: batch, strides: (heads * t * t, t * 3 * d, t * d))
        }
    }

    public func attentionBackward<S: TensorScalar>(_ dout: Buffer<S>, qkv: Buffer<S>, probabilities: Buffer<S>,
                                                   batch: Int, length t: Int, heads: Int, dimension d: Int, dqkv: Buffer<S>) {
        let e = d / heads, scale = 1 / S(e).squareRoot()
        let dp = allocate(batch * heads * t * t, of: S.self)
        let block = heads * t * t, rows = t * 3 * d, outRows = t * d
        for h in 0..<heads {
            var s1 = GEMMShape(m: t, n: t, k: e, transposeB: true)          // dP = dO Vᵀ
            s1.lda = d; s1.ldb = 3 * d; s1.offsetA = h * e; s1.offsetB = 2 * d + h * e; s1.offsetC = h * t * t
            batchedGemm(s1, dout, qkv, beta: 0, dp, batch: batch, strides: (outRows, rows, block))
            var s2 = GEMMShape(m: t, n: e, k: t, transposeA: true)          // dV += Pᵀ dO
            s2.ldb = d; s2.ldc = 3 * d; s2.offsetA = h * t * t; s2.offsetB = h * e; s2.offsetC = 2 * d + h * e
            batchedGemm(s2, probabilities, dout, beta: 1, dqkv, batch: batch, strides: (block, outRows, rows))
        }
        launch("softmax_backward", S.self, threads: batch * heads * t,
               [pointer(probabilities), pointer(dp), .int(batch * heads), .int(t), scalar(scale)])
        for h in 0..<heads {
            var s3 = GEMMShape(m: t, n: e, k: t)                            // dQ += dS K
            s3.ldb = 3 * d; s3.ldc = 3 * d; s3.offsetA = h * t * t; s3.offsetB = d + h * e; s3.offsetC = h * e
            batchedGemm(s3, dp, qkv, beta: 1, dqkv, batch: batch, strides: (block, rows, rows))
            var s4 = GEMMShape(m: t, n: e, k: t, transposeA: true)          // dK += dSᵀ Q
            s4.ldb = 3 * d; s4.ldc = 3 * d; s4.offsetA = h * t * t; s4.offsetB = h * e; s4.offsetC = d + h * e
            batchedGemm(s4, dp, qkv, beta: 1, dqkv, batch: batch, strides: (block, rows, rows))
        }
    }

    public func tokenLogProbabilities<S: TensorScalar>(_ logits: Buffer<S>, targets: Buffer<Int32>, rows: Int,
                                                       vocabulary: Int, inverseTemperature: S, logp: Buffer<S>,
                                                       entropy: Buffer<S>, probabilities: Buffer<S>) {
        launch("token_log_probs", S.self, threads: rows,
               [pointer(logits), pointer(targets), .int(rows), .int(vocabulary), scalar(inverseTemperature), pointer(logp),
                pointer(entropy), pointer(probabilities)])
    }

    public func tokenLogProbabilitiesBackward<S: TensorScalar>(probabilities: Buffer<S>, targets: Buffer<Int32>,
                                                               dlogp: Buffer<S>?, dentropy: Buffer<S>?, rows: Int,
                                                               vocabulary: Int, inverseTemperature: S, dlogits: Buffer<S>) {
        launch("token_log_probs_backward", S.self, threads: rows,
               [pointer(probabilities), pointer(targets), pointer(dlogp), pointer(dentropy), .int(rows), .int(vocabulary),
                scalar(inverseTemperature), pointer(dlogits)])
    }

    public func embed<S: TensorScalar>(tokenTable: Buffer<S>, positionTable: Buffer<S>, tokens: Buffer<Int32>,
                                       positions: Buffer<Int32>, rows: Int, dimension: Int, out: Buffer<S>) {
        launch("embed", S.self, threads: rows * dimension,
               [pointer(tokenTable), pointer(positionTable), pointer(tokens), pointer(positions), .int(rows), .int(dimension),
                pointer(out)])
    }

    public func embedBackward<S: TensorScalar>(_ dout: Buffer<S>, tokens: Buffer<Int32>, positions: Buffer<Int32>,
                                               rows: Int, dimension: Int, dTokenTable: Buffer<S>, dPositionTable: Buffer<S>) {
        launch("embed_backward", S.self, threads: rows * dimension,
               [pointer(dout), pointer(tokens), pointer(positions), .int(rows), .int(dimension), pointer(dTokenTable),
                pointer(dPositionTable)])
    }

    public func adamW<S: TensorScalar>(_ parameters: Buffer<S>, gradient: Buffer<S>, m: Buffer<S>, v: Buffer<S>,
                                       settings a: AdamWSettings, step: Int) {
        let c1 = 1 - pow(a.beta1, Double(step)), c2 = 1 - pow(a.beta2, Double(step))
        launch("adamw", S.self, threads: parameters.count,
               [pointer(parameters), pointer(gradient), pointer(m), pointer(v), .int(parameters.count),
                scalar(S(a.learningRate)), scalar(S(a.beta1)), scalar(S(a.beta2)), scalar(S(a.epsilon)),
                scalar(S(a.weightDecay)), scalar(S(c1)), scalar(S(c2))])
    }

    public func appendToCache<S: TensorScalar>(_ qkv: Buffer<S>, batch: Int, dimension: Int, position: Int,
                                               capacity: Int, keys: Buffer<S>, values: Buffer<S>) {
        launch("append_to_cache", S.self, threads: batch * dimension,
               [pointer(qkv), .int(batch), .int(dimension), .int(position), .int(capacity), pointer(keys), pointer(values)])
    }

    public func attendCached<S: TensorScalar>(_ qkv: Buffer<S>, keys: Buffer<S>, values: Buffer<S>, batch: Int,
                                              length: Int, capacity: Int, heads: Int, dimension: Int, out: Buffer<S>) {
        launch("attend_cached", S.self, threads: batch * heads,
               [pointer(qkv), pointer(keys), pointer(values), .int(batch), .int(length), .int(capacity), .int(heads),
                .int(dimension), pointer(out)])
    }
}
