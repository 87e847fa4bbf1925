import Foundation
import KoopScope

/// Seconds spent inside one update on DSD (values, gradients, seeds) and on the reference policy.
struct UpdateTiming {
    var dsd = 0.0
    var reference = 0.0
}

extension Trainer {
    /// One optimiser update on the rollouts `members` (whole groups): a forward pass on the tape,
    /// DSD of every trajectory (and ∂D/∂x for ReLaX), the method's loss and its seeds, backward,
    /// clipping and AdamW. Stores each rollout's states and DSD; returns the update's metrics.
    /// `old` holds π_old's log-probabilities per rollout (nil: this forward's, i.e. on-policy).
    func update(_ members: [Int], of rollouts: inout [Rollout], old: [[Double]]?, dictionary: KoopmanDictionary,
                timing: inout UpdateTiming) throws -> [String: Double] {
        let c = configuration
        let d = policy.hiddenDimension
        // The mini-batch in parts, each on its own tape, scored and differentiated on the cores
        // at once; the parts depend only on the mini-batch's size, never on the core count.
        let prompts = members.map { rollouts[$0].prompt }, responses = members.map { rollouts[$0].response }
        let ranges = PartedPass.ranges(count: members.count, parted: splitsUpdates && backend is CPUBackend)
        let batches = ranges.map { sequenceBatch(prompts: Array(prompts[$0]), responses: Array(responses[$0])) }
        let pass = PartedPass(policy: policy, parts: batches.map { ($0.inputs, $0.targets, $0.length) },
                              temperature: Float(configuration.temperature))
        let parts = zip(batches, pass.parts).map { (batch: $0, scored: $1) }
        var logp: [[Double]] = [], entropy: [[Double]] = [], states: [Matrix<Float>] = []
        for part in parts {
            logp += part.batch.responseValues(backend.download(part.scored.logp.buffer).map(Double.init))
            entropy += part.batch.responseValues(backend.download(part.scored.entropy.buffer).map(Double.init))
            // Response-aligned states, their DSD, and ∂D/∂x when the loss needs it.
            states += part.batch.responseStates(backend.download(part.scored.forward.hidden.buffer), dimension: d)
        }
        let dsdStarted = Date()
        let outcomes = TrajectoryDSD.compute(states, dictionary: dictionary, variant: dsdVariant, variance: c.dsdVariance,
                                             withGradient: c.method == .relax, paddedLength: paddedLength)
        timing.dsd += Date().timeIntervalSince(dsdStarted)
        for (k, i) in members.enumerated() {
            rollouts[i].hidden = states[k]
            rollouts[i].dsd = outcomes[k].dsd
        }
        var sequences = members.indices.map { k in
            ActorLoss.Sequence(advantage: rollouts[members[k]].advantage, group: rollouts[members[k]].group,
                               logp: logp[k], oldLogp: old?[members[k]] ?? logp[k],
                               entropy: entropy[k], dsd: outcomes[k].dsd)
        }
        // The reference policy, only for the sequences a KL term reaches: all of them with
        // kl-coef > 0; for ReLaX's β term only those in 𝓘 (often none, so no forward at all).
        let inSet = c.method == .relax && loss.relax.beta > 0 ? loss.penalised(sequences) : []
        let needed = loss.klCoefficient > 0 ? Array(members.indices) : inSet.indices.filter { inSet[$0] }
        if !needed.isEmpty, let reference {
            let t0 = Date()
            let sub = sequenceBatch(prompts: needed.map { rollouts[members[$0]].prompt },
                                    responses: needed.map { rollouts[members[$0]].response })
            let scored = score(reference, sub, on: Tape<Float>(backend: backend, recording: false))
            let values = sub.responseValues(backend.download(scored.logp.buffer).map(Double.init))
            for (j, k) in needed.enumerated() { sequences[k].referenceLogp = values[j] }
            timing.reference += Date().timeIntervalSince(t0)
        }
        let result = loss.evaluate(sequences, using: &rng)
        guard result.loss.isFinite else {
            throw TrainingError.nonFinite(step: step + 1, detail: "the loss of a mini-batch is \(result.loss)")
        }

        // Seeds for each part's tape: log-probabilities, entropies, and (ReLaX) the hidden states.
        var hiddenSeedSeconds = 0.0
        let seeds = parts.enumerated().map { p, part in
            let batch = part.batch, first = ranges[p].lowerBound
            var dLogp = [Float](repeating: 0, count: batch.count * batch.length), dEntropy = dLogp
            for j in 0..<batch.count {
                for t in 0..<batch.responseLengths[j] {
                    let row = batch.row(sequence: j, responseToken: t)
                    dLogp[row] = Float(result.dLogp[first + j][t])
                    dEntropy[row] = Float(result.dEntropy[first + j][t])
                }
            }
            var seeds = [(part.scored.logp, backend.upload(dLogp)), (part.scored.entropy, backend.upload(dEntropy))]
            if c.method == .relax {
                let seedStarted = Date()
                defer { hiddenSeedSeconds += Date().timeIntervalSince(seedStarted) }
                var dHidden = [Float](repeating: 0, count: batch.count * batch.length * d)
                for j in 0..<batch.count where result.dDSD[first + j] != 0 {
                    guard let g = outcomes[first + j].gradient else { continue }
                    let start = batch.row(sequence: j, responseToken: 0) * d
                    for e in 0..<(g.rows * d) { dHidden[start + e] = Float(result.dDSD[first + j] * g.elements[e]) }
                }
                seeds.append((part.scored.forward.hidden, backend.upload(dHidden)))
            }
            return seeds
        }
        timing.dsd += hiddenSeedSeconds
        let gradients = pass.gradients(seeds: seeds)
        let norm = optimizer.step(gradients: gradients, clip: c.gradientClip)
        try backend.synchronize()
        var m = result.metrics
        m[Metric.actorGradNorm] = norm
        m[Metric.actorDSDSkippedTerms] = Double(outcomes.reduce(0) { $0 + $1.skippedTerms })
        return m
    }
}
