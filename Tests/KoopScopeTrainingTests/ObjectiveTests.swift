import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

@Suite("GRPO and ReLaX objectives")
struct ObjectiveTests {
    @Test func groupAdvantagesByHand() {
        // Rewards 1, 0, 0, 1: mean 0.5, sample std √(1/3): A = ±0.5·√3 = ±0.8660.
        let a = GroupAdvantages.compute(rewards: [1, 0, 0, 1, 1], groups: [7, 7, 7, 7, 9])
        #expect(abs(a[0] - 0.5 * 3.0.squareRoot()) < 1e-5 && abs(a[1] + 0.5 * 3.0.squareRoot()) < 1e-5)
        #expect(a[4] == 1 / (1 + 1e-6), "a group of one: mean 0 and std 1, as VeRL")
        #expect(GroupAdvantages.compute(rewards: [0.5], groups: [0], normalizeByStd: false) == [0.5])
        let dr = GroupAdvantages.compute(rewards: [1, 0, 0, 1], groups: [0, 0, 0, 0], normalizeByStd: false)
        #expect(dr == [0.5, -0.5, -0.5, 0.5])
        #expect(GroupAdvantages.compute(rewards: [1, 1], groups: [0, 0]) == [0, 0])
        #expect(GroupAdvantages.zeroStdFraction(rewards: [1, 1, 0, 1], groups: [0, 0, 1, 1]) == 0.5)
    }

    @Test func clippedLossByHand() {
        let p = PolicyLoss()
        func token(_ ratio: Double, _ a: Double) -> (Double, Double, Bool) {
            let r = p.token(logProbability: log(ratio), oldLogProbability: 0, advantage: a)
            return (r.loss, r.gradient, r.clipped)
        }
        var r = token(1, 1); #expect(abs(r.0 + 1) < 1e-15 && abs(r.1 + 1) < 1e-15 && !r.2)
        r = token(1.5, 1); #expect(abs(r.0 + 1.2) < 1e-15 && r.1 == 0 && r.2, "clipped at 1 + ε")
        r = token(0.5, 1); #expect(abs(r.0 + 0.5) < 1e-15 && abs(r.1 + 0.5) < 1e-15 && !r.2)
        r = token(1.5, -1); #expect(abs(r.0 - 1.5) < 1e-15 && abs(r.1 - 1.5) < 1e-15)
        r = token(4, -1); #expect(abs(r.0 - 3) < 1e-15 && r.1 == 0, "dual clip at c = 3")
        let higher = PolicyLoss(epsilonHigh: 0.28)
        #expect(abs(higher.token(logProbability: log(1.5), oldLogProbability: 0, advantage: 1).loss + 1.28) < 1e-15)
        // Central differences away from the kinks.
        for (delta, a) in [(0.05, 0.7), (-0.1, -1.3), (0.15, -0.4), (-0.3, 2.0)] {
            let h = 1e-6
            let plus = p.token(logProbability: delta + h, oldLogProbability: 0, advantage: a).loss
            let minus = p.token(logProbability: delta - h, oldLogProbability: 0, advantage: a).loss
            #expect(abs((plus - minus) / (2 * h) - p.token(logProbability: delta, oldLogProbability: 0, advantage: a).gradient) < 1e-8)
        }
    }

    @Test func aggregationWeights() {
        let lengths = [2, 4]
        #expect(LossAggregation.tokenMean.weights(lengths: lengths, maxLength: 5) == [1.0 / 6, 1.0 / 6])
        #expect(LossAggregation.sequenceMeanTokenMean.weights(lengths: lengths, maxLength: 5) == [0.25, 0.125])
        #expect(LossAggregation.sequenceMeanTokenSum.weights(lengths: lengths, maxLength: 5) == [0.5, 0.5])
        // VeRL: Σ over sequences of the token sums / the padded length, no division by the count.
        #expect(LossAggregation.sequenceMeanTokenSumNorm.weights(lengths: lengths, maxLength: 5) == [0.2, 0.2])
    }

    @Test func klEstimators() {
        let k3 = KLEstimator.k3.value(logProbability: 0.5, referenceLogProbability: 0)
        #expect(abs(k3.kl - (exp(-0.5) + 0.5 - 1)) < 1e-15 && abs(k3.gradient - (1 - exp(-0.5))) < 1e-15)
        #expect(KLEstimator.k3.value(logProbability: 0, referenceLogProbability: 0) == (0, 0))
        let clamped = KLEstimator.k3.value(logProbability: -30, referenceLogProbability: 0)
        #expect(clamped.kl == 10 && clamped.gradient == 0)
        #expect(KLEstimator.k1.value(logProbability: 0.3, referenceLogProbability: 0.1).kl == 0.3 - 0.1)
        let k2 = KLEstimator.k2.value(logProbability: 0.3, referenceLogProbability: 0.1)
        #expect(abs(k2.kl - 0.02) < 1e-15 && abs(k2.gradient - 0.2) < 1e-15)
        for estimator in KLEstimator.allCases {
            let h = 1e-6, x = 0.37
            let fd = (estimator.value(logProbability: x + h, referenceLogProbability: 0).kl
                      - estimator.value(logProbability: x - h, referenceLogProbability: 0).kl) / (2 * h)
            #expect(abs(fd - estimator.value(logProbability: x, referenceLogProbability: 0).gradient) < 1e-8)
        }
    }

    @Test func relaxTermByHandAndByDifferences() {
        let paper = ReLaXObjective(variant: .paper, xi: 1.5)
        // Group 0: D = (1, 2), A = (1, −1) → w = (1, 0): L₀ = log((e⁻¹ + 1)/2), ∂/∂D₀ = −e⁻¹/(e⁻¹ + 1).
        // Group 1: D = (3), A = (0.5): L₁ = −1.5, ∂/∂D₂ = −0.5. Averaged over the two groups.
        let r = paper.evaluate(dsd: [1, 2, 3], advantages: [1, -1, 0.5], lengths: [4, 4, 4], maxLength: 4, groups: [0, 0, 1])
        let e = exp(-1.0)
        #expect(abs(r.loss - (log((e + 1) / 2) - 1.5) / 2) < 1e-14)
        #expect(abs(r.gradient[0] - (-e / (e + 1)) / 2) < 1e-14 && r.gradient[1] == 0 && abs(r.gradient[2] + 0.25) < 1e-14)
        #expect(r.penalised == [false, true, true])
        for variant in ReLaXObjective.Variant.allCases {
            let o = ReLaXObjective(variant: variant, xi: 100)   // nothing detached: a smooth function of D
            let d = [0.3, 1.1, 0.7, 2.0], a = [0.9, -0.2, 1.4, 0.6]
            let base = o.evaluate(dsd: d, advantages: a, lengths: [3, 5, 4, 5], maxLength: 5, groups: [0, 0, 1, 1])
            for i in d.indices {
                var up = d, down = d
                up[i] += 1e-6; down[i] -= 1e-6
                let fd = (o.evaluate(dsd: up, advantages: a, lengths: [3, 5, 4, 5], maxLength: 5, groups: [0, 0, 1, 1]).loss
                          - o.evaluate(dsd: down, advantages: a, lengths: [3, 5, 4, 5], maxLength: 5, groups: [0, 0, 1, 1]).loss) / 2e-6
                #expect(abs(fd - base.gradient[i]) < 1e-8, "\(variant) D\(i)")
            }
        }
        // Reference: Ā from the padded mean; penalised trajectories are detached.
        let reference = ReLaXObjective(variant: .reference, xi: 0.5)
        let rr = reference.evaluate(dsd: [1, 0.2], advantages: [1, 1], lengths: [2, 4], maxLength: 4, groups: [0, 0])
        #expect(rr.penalised == [true, false] && rr.gradient[0] == 0 && rr.gradient[1] < 0)
        #expect(ReLaXObjective(variant: .reference).xi == 10 && ReLaXObjective().xi == 25)
    }
}

@Suite("Clip-Cov and KL-Cov")
struct CovarianceBaselineTests {
    @Test func covariancesByHand() {
        // A = (1, −1, 1, −1): mean 0; log π = (−1, −2, −3, −2): mean −2.
        let c = CovarianceBaselines.covariances(advantages: [1, -1, 1, -1], logProbabilities: [-1, -2, -3, -2])
        #expect(c == [1, 0, -1, 0])
    }

    @Test func clipCovZeroesRandomTokensInsideTheBand() {
        let covariances = [0.5, 1.5, 2.0, 4.9, 5.0, 3.0, -2.0, 1.2]
        let clipped = [false, false, true, false, false, false, false, false]
        var rng = SeededGenerator(seed: 4)
        // ratio 0.25 of 8 tokens = 2, drawn from {1.5, 4.9, 3.0, 1.2} (2.0 was clipped by PPO).
        let zeroed = CovarianceBaselines.clipCov(covariances: covariances, clippedByPPO: clipped, ratio: 0.25, lower: 1, upper: 5, using: &rng)
        #expect(zeroed.filter { $0 }.count == 2)
        for i in zeroed.indices where zeroed[i] { #expect([1, 3, 5, 7].contains(i)) }
        // At least one token whenever a candidate exists, none when none does.
        var again = SeededGenerator(seed: 4)
        #expect(CovarianceBaselines.clipCov(covariances: covariances, clippedByPPO: clipped, ratio: 2e-4, lower: 1, upper: 5, using: &again).filter { $0 }.count == 1)
        #expect(!CovarianceBaselines.clipCov(covariances: [0, 6], clippedByPPO: [false, false], ratio: 2e-4, lower: 1, upper: 5, using: &again).contains(true))
    }

    @Test func klCovPenalisesTheLargestCovariancesWithAnAbsoluteKL() {
        let penalised = CovarianceBaselines.klCov(covariances: [0.1, 3, -1, 2, 0], ratio: 0.4)
        #expect(penalised == [false, true, false, true, false])
        #expect(CovarianceBaselines.klCov(covariances: [0.1, 3, -1], ratio: 1e-4) == [false, true, false])
        let plain = CovarianceBaselines.klCovToken(logProbability: log(2), oldLogProbability: 0, advantage: 1, penalised: false)
        #expect(abs(plain.loss + 2) < 1e-15 && abs(plain.gradient + 2) < 1e-15, "no clipping: −Aρ")
        let kl = CovarianceBaselines.klCovToken(logProbability: log(2), oldLogProbability: 0, advantage: 1, penalised: true)
        #expect(abs(kl.loss - (-2 + log(2))) < 1e-15 && abs(kl.gradient - (-2 + 1)) < 1e-15)
        let below = CovarianceBaselines.klCovToken(logProbability: -0.5, oldLogProbability: 0, advantage: -1, penalised: true,
                                                   coefficient: 2)
        #expect(abs(below.loss - (exp(-0.5) + 1)) < 1e-15 && abs(below.gradient - (exp(-0.5) - 2)) < 1e-15)
    }
}
