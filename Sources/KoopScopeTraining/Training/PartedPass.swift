import KoopScope

/// A forward and backward pass of a policy over a batch cut into parts, each part on its own tape,
/// the parts on the cores at once (OpenBLAS at one thread), the gradients summed in part order.
/// A batch of one part still uses every core: its large products are cut into pieces
/// (``CPUBackend/gemm(_:alpha:_:_:beta:_:)``).
///
/// The parts are the caller's, so what the pass computes depends on them and never on the
/// number of cores. The actor update of ``Trainer`` runs through it, and so does the benchmark.
///
/// ```swift
/// let pass = PartedPass(policy: policy, parts: [(tokens, targets, 32)], temperature: 1)
/// let seeds = pass.parts.map { [($0.logp, $0.logp.buffer)] }
/// let gradients = pass.gradients(seeds: seeds)   // one buffer per parameter
/// ```
public final class PartedPass {
    /// One part after its forward pass: the tape, the network's outputs, and the log-probability
    /// and entropy of every position's target.
    public struct Part {
        public let tape: Tape<Float>
        public let forward: PolicyForward<Float>
        public let logp: Tensor<Float>
        public let entropy: Tensor<Float>
    }

    public let policy: any Policy<Float>
    public let parts: [Part]

    /// Runs the forward pass of every part (`tokens` and `targets` of sequences of `length`);
    /// without `recording`, the tapes keep nothing for a backward pass (scoring alone).
    public init(policy: any Policy<Float>, parts: [(tokens: [Int32], targets: [Int32], length: Int)],
                temperature: Float, recording: Bool = true) {
        self.policy = policy
        self.parts = BLASThreads.singleThreaded {
            concurrentMap(parts.count) { k in
                let tape = Tape<Float>(backend: policy.backend, recording: recording)
                let scored = policy.score(tape, tokens: parts[k].tokens, targets: parts[k].targets, length: parts[k].length,
                                          temperature: temperature)
                return Part(tape: tape, forward: scored.forward, logp: scored.logp, entropy: scored.entropy)
            }
        }
    }

    /// The parts a batch of `count` sequences is cut into: about 8 sequences each, at most 16
    /// parts (one part when not `parted`, as on a GPU, where one large product is faster).
    public static func ranges(count: Int, parted: Bool) -> [Range<Int>] {
        evenRanges(count, parts: parted ? max(1, min(16, count / 8)) : 1)
    }

    /// Backward from `seeds` (the list for part p at index p; a part without one gets no seeds)
    /// and every parameter's gradient summed over the parts (zeros where no seed reached it).
    /// The gradient of a single part is its tape's, untouched.
    public func gradients(seeds: [[(Tensor<Float>, Buffer<Float>)]]) -> [Buffer<Float>] {
        let backend = policy.backend
        let perPart = BLASThreads.singleThreaded {
            concurrentMap(parts.count) { p in
                parts[p].tape.backward(seeds: p < seeds.count ? seeds[p] : [])
                return parts[p].forward.parameters.map { parts[p].tape.gradient(of: $0) ?? backend.allocate($0.count, of: Float.self) }
            }
        }
        guard perPart.count > 1 else { return perPart.first ?? [] }
        // Summed into the first part's buffers (its tape is done with them), in part order, the
        // parameters on the cores; OpenBLAS at one thread here too, or its idle threads spin
        // against the next pass.
        return BLASThreads.singleThreaded {
            concurrentMap(perPart[0].count) { i in
                for part in perPart.dropFirst() { backend.axpy(1, part[i], perPart[0][i]) }
                return perPart[0][i]
            }
        }
    }
}
