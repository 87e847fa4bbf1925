import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

/// The reference code's habits, each as an option, each against a case worked by hand.
@Suite("Faithful options")
struct FaithfulOptionTests {
    func configuration(_ settings: [(String, String)]) throws -> TrainingConfiguration {
        try TrainingConfiguration.resolve(.init(flags: settings.map { (key: $0.0, value: $0.1) }))
    }

    @Test func authorsRecipeIsOneSwitchThatLaterSettingsOverride() throws {
        let c = try configuration([("dual-clip", "4"), ("recipe", "relax-authors")])
        #expect(c.epsilonLow == 1 && c.resolvedEpsilonHigh == 1 && c.weightDecay == 0 && c.dynamicSampling && c.refitEvery == 50)
        #expect(c.dualClip == 4, "a setting given with the recipe wins, wherever it stands")
        #expect(try configuration([("recipe", "relax-authors")]).dualClip == 10)
        var back = TrainingConfiguration()
        for e in try TOMLFile.parse(c.toml, path: "saved") { try back.set(e.key, to: e.value, source: "saved") }
        #expect(back.toml == c.toml && back.trainsLike(c), "the saved configuration reads back the same")
        #expect(throws: TrainingError.self) { try configuration([("recipe", "dapo")]) }
    }

    @Test func clipCovHasNoDualClipAndKLCovUsesItsRecipeRatio() throws {
        // A = −1 and ρ = 5: the clipped surrogate is max(5, 1.2) = 5; GRPO's dual clip caps it at 3.
        let grpo = try configuration([("method", "grpo")]), clipCov = try configuration([("method", "clip-cov")])
        func loss(_ c: TrainingConfiguration) -> Double {
            PolicyLoss(epsilonLow: c.epsilonLow, epsilonHigh: c.resolvedEpsilonHigh, dualClip: c.resolvedDualClip)
                .token(logProbability: log(5), oldLogProbability: 0, advantage: -1).loss
        }
        #expect(abs(loss(grpo) - 3) < 1e-12 && abs(loss(clipCov) - 5) < 1e-12)
        #expect(try configuration([("method", "kl-cov")]).resolvedCovarianceRatio == 2e-3)
        #expect(clipCov.resolvedCovarianceRatio == 2e-4)
        #expect(try configuration([("method", "kl-cov"), ("cov-ratio", "0.01")]).resolvedCovarianceRatio == 0.01)
    }

    @Test func klOverTheSetIsNormalisedAsEachVariantDoes() throws {
        // Two sequences; only the first (D = 30 > ξ, A > 0) is in 𝓘. k1 per token: 0.1 and 0.3.
        func kl(_ variant: String) throws -> Double {
            let c = try configuration([("method", "relax"), ("relax-variant", variant), ("relax-beta", "1"),
                                       ("relax-xi", "20"), ("kl-estimator", "k1"), ("relax-alpha", "0")])
            let loss = ActorLoss(configuration: c, maxResponseLength: 4)
            let inSet = ActorLoss.Sequence(advantage: 1, group: 0, logp: [-1, -1], oldLogp: [-1, -1], referenceLogp: [-1.1, -1.3],
                                           entropy: [0, 0], dsd: 30)
            let outside = ActorLoss.Sequence(advantage: -1, group: 0, logp: [-1, -1, -1], oldLogp: [-1, -1, -1],
                                             referenceLogp: [-1, -1, -1], entropy: [0, 0, 0], dsd: 1)
            var rng = SeededGenerator(seed: 1)
            return loss.evaluate([inSet, outside], using: &rng).metrics["actor/relax/kl"] ?? .nan
        }
        #expect(abs(try kl("paper") - 0.4) < 1e-12, "Eq. 11: the sum of the sequence KLs over 𝓘")
        #expect(abs(try kl("reference") - 0.4 / 5) < 1e-12, "masked to 𝓘, averaged over all 5 response tokens")
    }

    @Test func ablationsOfShapingAndTheKLSet() {
        // D = (1, 2), A = (−1, 1): without shaping w = (1, 1), L = log((e⁻¹ + e⁻²)/2).
        let none = ReLaXObjective(variant: .paper, xi: 1.5, shaping: .none)
        let r = none.evaluate(dsd: [1, 2], advantages: [-1, 1], lengths: [3, 3], maxLength: 3, groups: [0, 0])
        let e1 = exp(-1.0), e2 = exp(-2.0)
        #expect(abs(r.loss - log((e1 + e2) / 2)) < 1e-14)
        #expect(abs(r.gradient[0] + e1 / (e1 + e2)) < 1e-14 && abs(r.gradient[1] + e2 / (e1 + e2)) < 1e-14)
        #expect(r.penalised == [false, true])
        let uniform = ReLaXObjective(variant: .paper, xi: 1.5, klSet: .uniform)
        #expect(uniform.evaluate(dsd: [1, 2], advantages: [-1, 1], lengths: [3, 3], maxLength: 3, groups: [0, 0]).penalised == [true, true])
    }

    @Test func paddedDSDIsTheDSDOfTheZeroPaddedTrajectory() throws {
        var rng = SeededGenerator(seed: 4)
        let d = 6, m = 3
        let x = Matrix<Float>(rows: 5, columns: d) { _, _ in Float.random(in: -1...1, using: &rng) }
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: d, koopmanDimension: m)
        let padded = TrajectoryDSD.compute([x], dictionary: dictionary, variant: .paper, variance: .sample,
                                           withGradient: true, paddedLength: 9)[0]
        // By hand: the four zero rows appended, then the ordinary DSD.
        var rows = (0..<5).map { x.row($0) }
        rows += Array(repeating: [Float](repeating: 0, count: d), count: 4)
        let byHand = try DSD.value(states: Matrix(rows), dictionary: dictionary, variant: .paper, variance: .sample)
        #expect(abs(padded.dsd! - byHand) < 1e-12)
        #expect(padded.gradient?.rows == 5, "the gradient of the trajectory's own rows")
        let own = TrajectoryDSD.compute([x], dictionary: dictionary, variant: .paper, variance: .sample, withGradient: false)[0]
        #expect(abs(own.dsd! - padded.dsd!) > 1e-6, "padding changes DSD: it mixes in the length")
        let longer = TrajectoryDSD.compute([x], dictionary: dictionary, variant: .paper, variance: .sample,
                                           withGradient: false, paddedLength: 14)[0]
        #expect(abs(longer.dsd! - padded.dsd!) > 1e-6)
        var c = TrainingConfiguration()
        try c.set("dsd-input", to: "padded", source: "--dsd-input")
        #expect(c.dsdInput == .padded)
    }
}
