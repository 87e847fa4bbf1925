/// Records the ops of one forward pass with a hand-written backward function each, then runs
/// them in reverse to accumulate gradients.
///
/// A tape that is not recording (sampling, reference log-probabilities) runs the same ops and
/// keeps nothing.
///
/// ```swift
/// let tape = Tape<Float>(backend: CPUBackend())
/// let w = tape.watch(weight)
/// let y = tape.matmul(x, w)
/// tape.backward(seeds: [(y, gradientOfLossWithRespectToY)])
/// let dW = tape.gradient(of: w)
/// ```
public final class Tape<S: TensorScalar> {
    public let backend: any Backend
    public let isRecording: Bool
    private var nextID = 0
    private var records: [(output: Int, backward: (Buffer<S>) -> Void)] = []
    private var gradients: [Int: Buffer<S>] = [:]

    public init(backend: any Backend, recording: Bool = true) {
        self.backend = backend
        self.isRecording = recording
    }

    /// A tensor for `buffer` with a fresh id.
    func make(rows: Int, columns: Int, buffer: Buffer<S>) -> Tensor<S> {
        defer { nextID += 1 }
        return Tensor(rows: rows, columns: columns, buffer: buffer, id: nextID)
    }

    /// A new zeroed tensor.
    func empty(rows: Int, columns: Int) -> Tensor<S> {
        make(rows: rows, columns: columns, buffer: backend.allocate(rows * columns, of: S.self))
    }

    /// A tensor of any values, for an op that writes every element of its output.
    func unwritten(rows: Int, columns: Int) -> Tensor<S> {
        make(rows: rows, columns: columns, buffer: backend.allocateUninitialized(rows * columns, of: S.self))
    }

    /// A tensor holding `values` that no gradient flows into unless it is seeded.
    public func constant(_ values: [S], rows: Int, columns: Int) -> Tensor<S> {
        precondition(values.count == rows * columns)
        return make(rows: rows, columns: columns, buffer: backend.upload(values))
    }

    /// The parameter's current values as a tensor of this tape (sharing its buffer).
    public func watch(_ parameter: Parameter<S>) -> Tensor<S> {
        make(rows: parameter.rows, columns: parameter.columns, buffer: parameter.value)
    }

    /// Registers the backward function of the op that produced `output`: it receives the
    /// gradient of `output` and adds into the gradients of the op's inputs.
    func record(_ output: Tensor<S>, backward: @escaping (Buffer<S>) -> Void) {
        if isRecording { records.append((output.id, backward)) }
    }

    /// The gradient buffer of `tensor`, created zeroed on first use (backward functions add into it).
    func gradientBuffer(for tensor: Tensor<S>) -> Buffer<S> {
        if let existing = gradients[tensor.id] { return existing }
        let buffer = backend.allocate(tensor.count, of: S.self)
        gradients[tensor.id] = buffer
        return buffer
    }

    /// Adds `g` into the gradient of `tensor`; the first contribution is copied into a fresh
    /// buffer instead of zeroing one and adding to it.
    func accumulate(_ g: Buffer<S>, intoGradientOf tensor: Tensor<S>) {
        if let existing = gradients[tensor.id] { backend.axpy(1, g, existing); return }
        let buffer = backend.allocateUninitialized(tensor.count, of: S.self)
        backend.copy(g, to: buffer)
        gradients[tensor.id] = buffer
    }

    /// Runs the recorded ops backwards from the given gradients of some outputs (each seed's buffer
    /// has the tensor's shape). May be called once per tape.
    ///
    /// As PyTorch does, each op's saved inputs are let go once its backward has run, and an op
    /// output's gradient once the last op that produced it has used it, so that memory falls
    /// through the pass instead of holding every activation and its gradient to the end.
    public func backward(seeds: [(Tensor<S>, Buffer<S>)]) {
        precondition(isRecording, "backward on a tape that did not record")
        for (tensor, seed) in seeds {
            precondition(seed.count == tensor.count, "seed of \(seed.count) for a tensor of \(tensor.count)")
            accumulate(seed, intoGradientOf: tensor)
        }
        var firstRecord: [Int: Int] = [:]
        for (i, record) in records.enumerated() where firstRecord[record.output] == nil { firstRecord[record.output] = i }
        while let record = records.popLast() {
            if let gradient = gradients[record.output] { record.backward(gradient) }
            if firstRecord[record.output] == records.count { gradients[record.output] = nil }
        }
    }

    /// The accumulated gradient of `tensor` after ``backward(seeds:)``, or nil if none reached it.
    /// Kept for tensors no recorded op produced (parameters, inputs); an op's output has its
    /// gradient only while the backward pass still needs it.
    public func gradient(of tensor: Tensor<S>) -> Buffer<S>? { gradients[tensor.id] }
}
