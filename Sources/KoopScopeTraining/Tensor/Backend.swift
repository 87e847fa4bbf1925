/// Where tensors live and how their ops run: the CPU (``CPUBackend``, BLAS and C kernels) or a
/// GPU. The tape and the policy call nothing else, so a new backend is a new conformance.
///
/// Conventions: matrices are row-major; `*Backward` methods add into their gradient outputs;
/// `attention` works on a fused `qkv` matrix of `batch·length` rows and `3·dimension` columns
/// (queries, keys, values side by side, `heads` heads of `dimension/heads` columns each).
///
/// ```swift
/// let backend: any Backend = CPUBackend()
/// let x = backend.upload([1, 2, 3] as [Float])
/// ```
public protocol Backend: AnyObject, Sendable {
    /// A short name for logs (`cpu`, `cuda:0 (NVIDIA H100)`).
    var name: String { get }

    /// `count` zeroed elements.
    func allocate<E: BitwiseCopyable>(_ count: Int, of type: E.Type) -> Buffer<E>
    /// `count` elements of any value, for an output that the op writes whole (a product with
    /// β = 0, an activation): zeroing it first would be wasted work. By default, zeroed.
    func allocateUninitialized<E: BitwiseCopyable>(_ count: Int, of type: E.Type) -> Buffer<E>
    /// A new buffer holding `values`.
    func upload<E: BitwiseCopyable>(_ values: [E]) -> Buffer<E>
    /// The elements of `buffer`, on the host.
    func download<E: BitwiseCopyable>(_ buffer: Buffer<E>) -> [E]
    /// Overwrites `buffer` with `values` (same count).
    func write<E: BitwiseCopyable>(_ values: [E], to buffer: Buffer<E>)
    /// Sets every element to zero.
    func zero<E: BitwiseCopyable>(_ buffer: Buffer<E>)
    /// Overwrites `destination` with the elements of `source` (same count), on the backend.
    func copy<E: BitwiseCopyable>(_ source: Buffer<E>, to destination: Buffer<E>)

    /// y += α x over whole buffers.
    func axpy<S: TensorScalar>(_ alpha: S, _ x: Buffer<S>, _ y: Buffer<S>)
    /// x ← α x.
    func scale<S: TensorScalar>(_ x: Buffer<S>, by alpha: S)
    /// Σ x², accumulated in Double.
    func sumOfSquares<S: TensorScalar>(_ x: Buffer<S>) -> Double

    /// C[m×n] = α op(A) op(B) + β C, with leading dimensions and element offsets into each buffer.
    func gemm<S: TensorScalar>(_ shape: GEMMShape, alpha: S, _ a: Buffer<S>, _ b: Buffer<S>, beta: S, _ c: Buffer<S>)

    /// x[i, j] += bias[j].
    func addBias<S: TensorScalar>(_ x: Buffer<S>, _ bias: Buffer<S>, rows: Int, columns: Int)
    /// out[j] += Σ_i g[i, j].
    func columnSums<S: TensorScalar>(_ g: Buffer<S>, rows: Int, columns: Int, into out: Buffer<S>)

    /// Row-wise layer normalisation; saves each row's mean and 1/σ for the backward pass.
    func layerNorm<S: TensorScalar>(_ x: Buffer<S>, gamma: Buffer<S>, beta: Buffer<S>, rows: Int, columns: Int,
                                    epsilon: S, y: Buffer<S>, mean: Buffer<S>, rstd: Buffer<S>)
    func layerNormBackward<S: TensorScalar>(_ dy: Buffer<S>, x: Buffer<S>, gamma: Buffer<S>, mean: Buffer<S>,
                                            rstd: Buffer<S>, rows: Int, columns: Int,
                                            dx: Buffer<S>, dgamma: Buffer<S>, dbeta: Buffer<S>)

    /// GELU (tanh form) of z + bias, element-wise over `rows`×`columns`: the 1×`columns` bias is
    /// added to every row of `z` in place (which keeps the pre-activation for the backward pass),
    /// then y = gelu(z). A nil bias adds nothing.
    func biasGELU<S: TensorScalar>(_ z: Buffer<S>, bias: Buffer<S>?, rows: Int, columns: Int, y: Buffer<S>)
    /// Adds g = dy·gelu′(z) into `dz` and, with a `dbias`, the column sums of g into it.
    func biasGELUBackward<S: TensorScalar>(_ z: Buffer<S>, dy: Buffer<S>, rows: Int, columns: Int,
                                           dz: Buffer<S>, dbias: Buffer<S>?)

    /// Causal multi-head self-attention of every sequence of a right-padded batch; `probabilities`
    /// (batch·heads·length² elements, of any values on entry) receives every attention weight, zero
    /// above the diagonal, for the backward pass.
    func attention<S: TensorScalar>(_ qkv: Buffer<S>, batch: Int, length: Int, heads: Int, dimension: Int,
                                    out: Buffer<S>, probabilities: Buffer<S>)
    func attentionBackward<S: TensorScalar>(_ dout: Buffer<S>, qkv: Buffer<S>, probabilities: Buffer<S>,
                                            batch: Int, length: Int, heads: Int, dimension: Int, dqkv: Buffer<S>)

    /// log softmax(logits/τ) at each row's target, and each row's entropy; saves the softmax.
    func tokenLogProbabilities<S: TensorScalar>(_ logits: Buffer<S>, targets: Buffer<Int32>, rows: Int, vocabulary: Int,
                                                inverseTemperature: S, logp: Buffer<S>, entropy: Buffer<S>,
                                                probabilities: Buffer<S>)
    func tokenLogProbabilitiesBackward<S: TensorScalar>(probabilities: Buffer<S>, targets: Buffer<Int32>,
                                                        dlogp: Buffer<S>?, dentropy: Buffer<S>?, rows: Int,
                                                        vocabulary: Int, inverseTemperature: S, dlogits: Buffer<S>)

    /// out[i] = tokenTable[tokens[i]] + positionTable[positions[i]].
    func embed<S: TensorScalar>(tokenTable: Buffer<S>, positionTable: Buffer<S>, tokens: Buffer<Int32>,
                                positions: Buffer<Int32>, rows: Int, dimension: Int, out: Buffer<S>)
    func embedBackward<S: TensorScalar>(_ dout: Buffer<S>, tokens: Buffer<Int32>, positions: Buffer<Int32>, rows: Int,
                                        dimension: Int, dTokenTable: Buffer<S>, dPositionTable: Buffer<S>)

    /// One AdamW update of `parameters` (moments `m`, `v`; `step` counts from 1).
    func adamW<S: TensorScalar>(_ parameters: Buffer<S>, gradient: Buffer<S>, m: Buffer<S>, v: Buffer<S>,
                                settings: AdamWSettings, step: Int)

    /// Copies row `row` of each sequence's new keys and values (columns D..<3D of `qkv`, one row per
    /// sequence) into the caches (`batch` blocks of `capacity` rows × D) at `position`.
    func appendToCache<S: TensorScalar>(_ qkv: Buffer<S>, batch: Int, dimension: Int, position: Int, capacity: Int,
                                        keys: Buffer<S>, values: Buffer<S>)
    /// Each sequence's query (columns 0..<D of `qkv`) attends over the first `length` cached rows.
    func attendCached<S: TensorScalar>(_ qkv: Buffer<S>, keys: Buffer<S>, values: Buffer<S>, batch: Int, length: Int,
                                       capacity: Int, heads: Int, dimension: Int, out: Buffer<S>)

    // The Llama-family blocks.

    /// y = x / rms(x) · weight per row (rms over the row, ε inside the root); saves 1/rms per row.
    func rmsNorm<S: TensorScalar>(_ x: Buffer<S>, weight: Buffer<S>, rows: Int, columns: Int, epsilon: S,
                                  y: Buffer<S>, rstd: Buffer<S>)
    func rmsNormBackward<S: TensorScalar>(_ dy: Buffer<S>, x: Buffer<S>, weight: Buffer<S>, rstd: Buffer<S>,
                                          rows: Int, columns: Int, dx: Buffer<S>, dweight: Buffer<S>)
    /// y = silu(gate) · up, element-wise.
    func siluGate<S: TensorScalar>(_ gate: Buffer<S>, up: Buffer<S>, count: Int, y: Buffer<S>)
    func siluGateBackward<S: TensorScalar>(_ gate: Buffer<S>, up: Buffer<S>, dy: Buffer<S>, count: Int,
                                           dgate: Buffer<S>, dup: Buffer<S>)
    /// Rotary embedding of `rows` × (`heads`·`headDimension`): in each head, elements i and
    /// i + headDimension/2 rotate by `sign` · positions[row] · frequencies[i]; written into `y`, or
    /// added into it when `accumulate` (the backward pass: the gradient rotated back, sign −1).
    func rotary<S: TensorScalar>(_ x: Buffer<S>, rows: Int, heads: Int, headDimension: Int, positions: Buffer<Int32>,
                                 frequencies: Buffer<S>, sign: Int32, accumulate: Bool, y: Buffer<S>)
    /// Causal grouped-query attention of `batch` right-padded sequences of `length` rows: q is
    /// (batch·length) × (heads·headDimension), k and v (batch·length) × (kvHeads·headDimension);
    /// query head h reads key/value head h / (heads/kvHeads). `probabilities` (batch·heads·length²)
    /// receives every weight, zero above the diagonal, for the backward pass.
    func groupedAttention<S: TensorScalar>(q: Buffer<S>, k: Buffer<S>, v: Buffer<S>, batch: Int, length: Int, heads: Int,
                                           kvHeads: Int, headDimension: Int, out: Buffer<S>, probabilities: Buffer<S>)
    func groupedAttentionBackward<S: TensorScalar>(_ dout: Buffer<S>, q: Buffer<S>, k: Buffer<S>, v: Buffer<S>,
                                                   probabilities: Buffer<S>, batch: Int, length: Int, heads: Int,
                                                   kvHeads: Int, headDimension: Int, dq: Buffer<S>, dk: Buffer<S>, dv: Buffer<S>)

    /// Waits for queued work and throws the first failure since the last call. Ops cannot throw
    /// (a device backend queues them); callers check here once per step.
    func synchronize() throws
}

extension Backend {
    public func synchronize() throws {}

    public func allocateUninitialized<E: BitwiseCopyable>(_ count: Int, of type: E.Type) -> Buffer<E> {
        allocate(count, of: type)
    }
}

/// The operands' layout for ``Backend/gemm(_:alpha:_:_:beta:_:)``.
public struct GEMMShape: Sendable, Equatable {
    public var transposeA = false, transposeB = false
    public var m: Int, n: Int, k: Int
    public var lda: Int, ldb: Int, ldc: Int
    public var offsetA = 0, offsetB = 0, offsetC = 0

    /// Plain dense operands: A is m×k (or k×m when transposed), B k×n (or n×k), C m×n.
    public init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) {
        self.m = m; self.n = n; self.k = k
        self.transposeA = transposeA; self.transposeB = transposeB
        lda = transposeA ? m : k
        ldb = transposeB ? k : n
        ldc = n
    }
}

/// AdamW's hyper-parameters (the paper's: β = (0.9, 0.95), lr 10⁻⁶, decay 0.01).
public struct AdamWSettings: Sendable, Equatable, Codable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double

    public init(learningRate: Double = 1e-6, beta1: Double = 0.9, beta2: Double = 0.95, epsilon: Double = 1e-8,
                weightDecay: Double = 0.01) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}
