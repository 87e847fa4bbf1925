import KoopScope

/// AdamW over a policy's parameters, with clipping by the global gradient norm; its moments
/// live on the parameters' backend.
///
/// ```swift
/// let optimizer = AdamWOptimizer(parameters: policy.parameters, settings: AdamWSettings(learningRate: 3e-4),
///                                backend: policy.backend)
/// let norm = optimizer.step(gradients: gradients, clip: 1.0)
/// ```
public final class AdamWOptimizer<S: TensorScalar> {
    public let parameters: [Parameter<S>]
    public var settings: AdamWSettings
    /// Updates taken so far (bias corrections use it).
    public private(set) var stepCount = 0
    let m: [Buffer<S>]
    let v: [Buffer<S>]
    private let backend: any Backend

    public init(parameters: [Parameter<S>], settings: AdamWSettings, backend: any Backend) {
        self.parameters = parameters
        self.settings = settings
        self.backend = backend
        m = parameters.map { backend.allocate($0.count, of: S.self) }
        v = parameters.map { backend.allocate($0.count, of: S.self) }
    }

    /// Clips the gradients (one per parameter, same order) to global norm `clip` (0: no clip) and
    /// updates the parameters. Returns the norm before clipping; a non-finite norm leaves the
    /// parameters untouched.
    @discardableResult
    public func step(gradients: [Buffer<S>], clip: Double) -> Double {
        precondition(gradients.count == parameters.count)
        let norm = eachParameter { backend.sumOfSquares(gradients[$0]) }.reduce(0.0, +).squareRoot()
        guard norm.isFinite else { return norm }
        let factor: S? = clip > 0 && norm > clip ? S(clip / (norm + 1e-6)) : nil
        stepCount += 1
        _ = eachParameter { k in
            if let factor { backend.scale(gradients[k], by: factor) }
            backend.adamW(parameters[k].value, gradient: gradients[k], m: m[k], v: v[k], settings: settings, step: stepCount)
        }
        return norm
    }

    /// `body` of every parameter's index, the results in parameter order. On the CPU the
    /// parameters go to the cores at once (BLAS at one thread): each body touches only its own
    /// parameter's buffers, so the step is the same on any number of cores. A GPU's stream takes
    /// them in order.
    private func eachParameter<T>(_ body: (Int) -> T) -> [T] {
        guard backend is CPUBackend else { return parameters.indices.map(body) }
        return BLASThreads.singleThreaded { concurrentMap(parameters.count, body) }
    }

    /// Forgets the moments and the step count (a new phase of training starts).
    public func reset() {
        stepCount = 0
        for buffer in m + v { backend.zero(buffer) }
    }

    /// The moments and step count, for a checkpoint.
    public var state: (step: Int, m: [[S]], v: [[S]]) { (stepCount, m.map { backend.download($0) }, v.map { backend.download($0) }) }

    /// Restores what ``state`` saved.
    public func restore(step: Int, m newM: [[S]], v newV: [[S]]) {
        stepCount = step
        for k in parameters.indices { backend.write(newM[k], to: m[k]); backend.write(newV[k], to: v[k]) }
    }
}
