import Foundation
import KoopScope

/// The actor's loss for one mini-batch, on the host in Double, with its derivatives with
/// respect to every response token's log π_θ and entropy and every trajectory's DSD — the
/// seeds the tape runs backward from (docs/math.md §9–10):
///
///     loss = L_pg − c_H·agg(H) + γ·agg(KL) + α·L_xp + β·agg_𝓘(KL)
///
/// ```swift
/// let result = ActorLoss(configuration: c, maxResponseLength: 32).evaluate(sequences, using: &rng)
/// ```
public struct ActorLoss: Sendable {
    /// One response's per-token quantities.
    public struct Sequence: Sendable {
        public var advantage: Double
        public var group: Int
        public var logp: [Double]
        public var oldLogp: [Double]
        /// Under the reference policy; needed when a KL term is on.
        public var referenceLogp: [Double]?
        public var entropy: [Double]
        /// This trajectory's DSD, nil where it is undefined (fewer than two states).
        public var dsd: Double?

        public init(advantage: Double, group: Int, logp: [Double], oldLogp: [Double], referenceLogp: [Double]? = nil,
                    entropy: [Double], dsd: Double? = nil) {
            self.advantage = advantage
            self.group = group
            self.logp = logp
            self.oldLogp = oldLogp
            self.referenceLogp = referenceLogp
            self.entropy = entropy
            self.dsd = dsd
        }
    }

    public struct Result: Sendable {
        public var loss: Double
        /// ∂loss/∂log π_θ per token of each sequence.
        public var dLogp: [[Double]]
        /// ∂loss/∂H per token.
        public var dEntropy: [[Double]]
        /// ∂loss/∂D_i (zero unless the method is ReLaX).
        public var dDSD: [Double]
        /// VeRL's metric names and values for this mini-batch.
        public var metrics: [String: Double]
    }

    public let method: TrainingMethod
    public let policyLoss: PolicyLoss
    public let aggregation: LossAggregation
    public let maxResponseLength: Int
    public let klEstimator: KLEstimator
    public let klCoefficient: Double
    public let entropyCoefficient: Double
    public let covarianceRatio: Double
    public let clipCovBounds: (lower: Double, upper: Double)
    public let klCovCoefficient: Double
    public let relax: ReLaXObjective

    public init(configuration c: TrainingConfiguration, maxResponseLength: Int) {
        method = c.method
        policyLoss = PolicyLoss(epsilonLow: c.epsilonLow, epsilonHigh: c.resolvedEpsilonHigh,
                                dualClip: c.resolvedDualClip)
        aggregation = c.lossAggregation
        self.maxResponseLength = maxResponseLength
        klEstimator = c.klEstimator
        klCoefficient = c.klCoefficient
        entropyCoefficient = c.resolvedEntropyCoefficient
        covarianceRatio = c.resolvedCovarianceRatio
        clipCovBounds = (c.clipCovLower, c.clipCovUpper)
        klCovCoefficient = c.klCovCoefficient
        relax = ReLaXObjective(variant: c.relaxVariant, alpha: c.relaxAlpha, beta: c.relaxBeta, xi: c.resolvedXi,
                               shaping: c.relaxShaping, klSet: c.relaxKL)
    }

    /// Whether the reference policy's log-probabilities are needed.
    public var needsReference: Bool { klCoefficient > 0 || (method == .relax && relax.beta > 0) }

    public func evaluate(_ sequences: [Sequence], using rng: inout SeededGenerator) -> Result {
        let lengths = sequences.map(\.logp.count)
        let weights = aggregation.weights(lengths: lengths, maxLength: maxResponseLength)
        var dLogp = lengths.map { [Double](repeating: 0, count: $0) }
        var dEntropy = lengths.map { [Double](repeating: 0, count: $0) }
        var dDSD = [Double](repeating: 0, count: sequences.count)
        var metrics: [String: Double] = [:]
        let tokens = Double(max(lengths.reduce(0, +), 1))

        // Flattened token views for the covariance baselines.
        var flatAdvantage: [Double] = [], flatLogp: [Double] = [], owner: [(Int, Int)] = []
        for (i, s) in sequences.enumerated() {
            for t in s.logp.indices { flatAdvantage.append(s.advantage); flatLogp.append(s.logp[t]); owner.append((i, t)) }
        }

        // The policy-gradient surrogate.
        var pgLoss = 0.0, clipped = 0.0, ppoKL = 0.0
        var tokenLoss = lengths.map { [Double](repeating: 0, count: $0) }
        var tokenGradient = tokenLoss
        var clippedFlags: [Bool] = []
        for (i, s) in sequences.enumerated() {
            for t in s.logp.indices {
                ppoKL += s.oldLogp[t] - s.logp[t]
                if method == .klCov { clippedFlags.append(false); continue }
                let r = policyLoss.token(logProbability: s.logp[t], oldLogProbability: s.oldLogp[t], advantage: s.advantage)
                tokenLoss[i][t] = r.loss
                tokenGradient[i][t] = r.gradient
                clippedFlags.append(r.clipped)
                if r.clipped { clipped += 1 }
            }
        }
        if method == .klCov || method == .clipCov {
            let covariances = CovarianceBaselines.covariances(advantages: flatAdvantage, logProbabilities: flatLogp)
            if method == .klCov {
                let penalised = CovarianceBaselines.klCov(covariances: covariances, ratio: covarianceRatio)
                for (k, (i, t)) in owner.enumerated() {
                    let s = sequences[i]
                    let r = CovarianceBaselines.klCovToken(logProbability: s.logp[t], oldLogProbability: s.oldLogp[t],
                                                           advantage: s.advantage, penalised: penalised[k],
                                                           coefficient: klCovCoefficient)
                    tokenLoss[i][t] = r.loss
                    tokenGradient[i][t] = r.gradient
                }
                metrics[Metric.actorKLCovTokens] = Double(penalised.filter { $0 }.count)
            } else {
                let zeroed = CovarianceBaselines.clipCov(covariances: covariances, clippedByPPO: clippedFlags,
                                                         ratio: covarianceRatio, lower: clipCovBounds.lower,
                                                         upper: clipCovBounds.upper, using: &rng)
                for (k, (i, t)) in owner.enumerated() where zeroed[k] { tokenLoss[i][t] = 0; tokenGradient[i][t] = 0 }
                metrics[Metric.actorClipCovTokens] = Double(zeroed.filter { $0 }.count)
            }
        }
        for (i, s) in sequences.enumerated() {
            for t in s.logp.indices {
                pgLoss += weights[i] * tokenLoss[i][t]
                dLogp[i][t] += weights[i] * tokenGradient[i][t]
            }
        }
        var loss = pgLoss
        metrics[Metric.actorPGLoss] = pgLoss
        metrics[Metric.actorPGClipfrac] = clipped / tokens
        metrics[Metric.actorPPOKL] = ppoKL / tokens

        // Entropy: always logged (aggregated like the loss), a bonus when c_H > 0.
        var entropy = 0.0
        for (i, s) in sequences.enumerated() {
            for t in s.entropy.indices {
                entropy += weights[i] * s.entropy[t]
                dEntropy[i][t] = -entropyCoefficient * weights[i]
            }
        }
        metrics[Metric.actorEntropy] = entropy
        loss -= entropyCoefficient * entropy

        // KL to the reference on every token.
        if klCoefficient > 0 {
            var kl = 0.0
            for (i, s) in sequences.enumerated() {
                guard let reference = s.referenceLogp else { continue }
                for t in s.logp.indices {
                    let k = klEstimator.value(logProbability: s.logp[t], referenceLogProbability: reference[t])
                    kl += weights[i] * k.kl
                    dLogp[i][t] += klCoefficient * weights[i] * k.gradient
                }
            }
            metrics[Metric.actorKLLoss] = kl
            metrics[Metric.actorKLCoef] = klCoefficient
            loss += klCoefficient * kl
        }

        if method == .relax { loss += relaxTerms(sequences, lengths: lengths, dLogp: &dLogp, dDSD: &dDSD, metrics: &metrics) }
        metrics[Metric.actorLoss] = loss
        return Result(loss: loss, dLogp: dLogp, dEntropy: dEntropy, dDSD: dDSD, metrics: metrics)
    }

    /// Which sequences are in ReLaX's set 𝓘 (those with a DSD only).
    public func penalised(_ sequences: [Sequence]) -> [Bool] {
        var out = [Bool](repeating: false, count: sequences.count)
        guard let (defined, r) = relaxEvaluation(sequences) else { return out }
        for (k, i) in defined.enumerated() { out[i] = r.penalised[k] }
        return out
    }

    /// ReLaXObjective over the sequences with a finite DSD, and their indices.
    private func relaxEvaluation(_ sequences: [Sequence]) -> ([Int], (loss: Double, gradient: [Double], penalised: [Bool]))? {
        let defined = sequences.indices.filter { sequences[$0].dsd?.isFinite == true }
        guard !defined.isEmpty else { return nil }
        return (defined, relax.evaluate(dsd: defined.map { sequences[$0].dsd! }, advantages: defined.map { sequences[$0].advantage },
                                        lengths: defined.map { sequences[$0].logp.count }, maxLength: maxResponseLength,
                                        groups: defined.map { sequences[$0].group }))
    }

    /// α·L_xp over the trajectories with a DSD, and β·KL on the tokens of 𝓘; returns their sum.
    /// The KL over 𝓘 is normalised as each variant does: the paper's Eq. 11 sums the sequence KLs
    /// (token sums) over 𝓘; the reference code masks the token KLs to 𝓘 and averages them over all
    /// response tokens of the mini-batch.
    private func relaxTerms(_ sequences: [Sequence], lengths: [Int], dLogp: inout [[Double]], dDSD: inout [Double],
                            metrics: inout [String: Double]) -> Double {
        guard let (defined, r) = relaxEvaluation(sequences) else { return 0 }
        for (k, i) in defined.enumerated() { dDSD[i] = relax.alpha * r.gradient[k] }
        var total = relax.alpha * r.loss
        metrics[Metric.actorRelaxLXP] = r.loss
        let penalised = defined.indices.filter { r.penalised[$0] }.map { defined[$0] }
        metrics[Metric.actorRelaxPenalisedFrac] = Double(penalised.count) / Double(sequences.count)
        if relax.beta > 0 && !penalised.isEmpty {
            let weight = relax.variant == .paper ? 1 : 1 / Double(max(lengths.reduce(0, +), 1))
            var kl = 0.0
            for i in penalised {
                guard let reference = sequences[i].referenceLogp else { continue }
                for t in sequences[i].logp.indices {
                    let e = klEstimator.value(logProbability: sequences[i].logp[t], referenceLogProbability: reference[t])
                    kl += weight * e.kl
                    dLogp[i][t] += relax.beta * weight * e.gradient
                }
            }
            metrics[Metric.actorRelaxKL] = kl
            total += relax.beta * kl
        }
        return total
    }
}
