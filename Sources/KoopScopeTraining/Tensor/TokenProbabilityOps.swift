/// The policy's per-token quantities: log-probabilities of chosen tokens and entropies.
extension Tape {
    /// For each row of `logits` (rows × vocabulary): log softmax(logits/τ)[target] and the entropy
    /// of softmax(logits/τ), both rows×1.
    public func tokenLogProbabilities(_ logits: Tensor<S>, targets: [Int32], temperature: S = 1)
        -> (logp: Tensor<S>, entropy: Tensor<S>)
    {
        precondition(targets.count == logits.rows && targets.allSatisfy { $0 >= 0 && Int($0) < logits.columns })
        let n = logits.rows, v = logits.columns
        let logp = empty(rows: n, columns: 1), entropy = empty(rows: n, columns: 1)
        let probabilities = backend.allocate(n * v, of: S.self)
        let targetBuffer = backend.upload(targets)
        backend.tokenLogProbabilities(logits.buffer, targets: targetBuffer, rows: n, vocabulary: v,
                                      inverseTemperature: 1 / temperature, logp: logp.buffer, entropy: entropy.buffer,
                                      probabilities: probabilities)
        func backward(dlogp: Buffer<S>?, dentropy: Buffer<S>?) {
            backend.tokenLogProbabilitiesBackward(probabilities: probabilities, targets: targetBuffer, dlogp: dlogp,
                                                  dentropy: dentropy, rows: n, vocabulary: v,
                                                  inverseTemperature: 1 / temperature,
                                                  dlogits: gradientBuffer(for: logits))
        }
        // One backward serves both outputs. In reverse order the entropy's record runs first (when
        // its gradient exists) and takes both gradients; the log-probability's runs only otherwise.
        var ran = false
        record(logp) { dLogp in
            if !ran { backward(dlogp: dLogp, dentropy: nil) }
        }
        record(entropy) { [unowned self] dEntropy in
            ran = true
            backward(dlogp: gradient(of: logp), dentropy: dEntropy)
        }
        return (logp, entropy)
    }
}
