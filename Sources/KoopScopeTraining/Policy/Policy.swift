import KoopScope

/// What sampling, scoring, DSD and training need of a model: its parameters and a forward pass
/// on a tape giving logits and last-layer states. koopscope's own ``TransformerPolicy`` and a
/// Hugging Face checkpoint's ``DecoderPolicy`` both are one.
///
/// ```swift
/// func logits(of policy: some Policy<Float>, _ tokens: [Int32]) -> Tensor<Float> {
///     let tape = Tape<Float>(backend: policy.backend, recording: false)
///     return policy.forward(tape, tokens: tokens, length: tokens.count).logits
/// }
/// ```
public protocol Policy<Scalar>: AnyObject, Sendable {
    associatedtype Scalar: TensorScalar
    var backend: any Backend { get }
    /// Every trainable matrix, in a fixed order (checkpoints and the optimiser rely on it).
    var parameters: [Parameter<Scalar>] { get }
    var vocabularySize: Int { get }
    /// Width of the last-layer states.
    var hiddenDimension: Int { get }
    /// Runs `tokens` — sequences of `length`, right-padded, row-major — through the model on `tape`.
    func forward(_ tape: Tape<Scalar>, tokens: [Int32], length: Int) -> PolicyForward<Scalar>
    /// One response per prompt, drawn token by token through a key/value cache and ending with
    /// the first of `stopTokens` drawn; each prompt draws from its own generator, seeded in turn
    /// from `rng`, so what one samples does not depend on the others.
    func sample(prompts: [[Int32]], settings: SamplingSettings, stopTokens: Set<Int32>, padding: Int32,
                using rng: inout SeededGenerator) throws -> [[Int32]]
    /// A policy of the same shape with a copy of the current values (the frozen reference policy).
    func copy() -> Self
}

/// What one forward pass of a ``Policy`` gives.
public struct PolicyForward<S: TensorScalar> {
    /// (batch·length) × vocabulary.
    public var logits: Tensor<S>
    /// (batch·length) × hidden: the last layer's states, the final norm's output.
    public var hidden: Tensor<S>
    /// The tape's tensors for the policy's parameters, in the same order.
    public var parameters: [Tensor<S>]
}

extension Policy {
    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// The forward pass over `tokens` (sequences of `length`) on `tape`, with the log-probability
    /// and entropy of every position's target under softmax(logits/`temperature`).
    public func score(_ tape: Tape<Scalar>, tokens: [Int32], targets: [Int32], length: Int, temperature: Scalar)
        -> (forward: PolicyForward<Scalar>, logp: Tensor<Scalar>, entropy: Tensor<Scalar>)
    {
        let forward = forward(tape, tokens: tokens, length: length)
        let out = tape.tokenLogProbabilities(forward.logits, targets: targets, temperature: temperature)
        return (forward, out.logp, out.entropy)
    }
}
