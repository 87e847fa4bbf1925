import Foundation
import Testing
@testable import KoopScope

/// Reference values from scipy 1.17 (`scipy.stats`, `scipy.special.betainc`), printed by
/// `scripts/significance-values.py`.
@Suite("Significance tests against scipy")
struct SignificanceTests {
    @Test func studentAndIncompleteBeta() {
        #expect(abs(SpecialFunctions.regularizedIncompleteBeta(0.3, 2.5, 3.5) - 0.29675298929566646) < 1e-13)
        #expect(abs(SpecialFunctions.studentTwoSidedP(2.0, df: 10) - 0.07338803477074037) < 1e-13)
        #expect(abs(SpecialFunctions.studentTwoSidedP(1.3, df: 3.7) - 0.2686667241726275) < 1e-12)
        #expect(abs(SpecialFunctions.studentTwoSidedP(-0.5, df: 25) - 0.6214477851902287) < 1e-12)
    }

    @Test func welchAndMannWhitney() {
        let a = [1.1, 2.3, 0.7, 4.5, 3.3, 2.2], b = [5.1, 4.4, 6.3, 3.9, 7.2, 5.5, 6.1]
        let c = SampleComparison(a, b)
        #expect(abs(c.welch.t - -4.393584018443291) < 1e-12)
        #expect(abs(c.welch.degreesOfFreedom - 9.688074490207427) < 1e-10)
        #expect(abs(c.welch.p - 0.0014548199208501598) < 1e-12)
        #expect(c.mannWhitney.u == 2)
        #expect(abs(c.mannWhitney.p - 0.008220971320688577) < 1e-12)
        // Ties: mid-ranks and the tie correction of the variance.
        let tied = SampleComparison([1, 2, 2, 3, 3, 3, 4], [2, 3, 3, 4, 4, 5, 5, 5])
        #expect(tied.mannWhitney.u == 11)
        #expect(abs(tied.mannWhitney.p - 0.049238967838553395) < 1e-12)
        #expect(SampleComparison([1], [2]).welch.p.isNaN)
        // Identical samples: U at its mean, p = 1 (scipy gives 1.0).
        let same = SampleComparison([1, 2, 3, 4], [1, 2, 3, 4])
        #expect(same.mannWhitney.u == 8 && same.mannWhitney.p == 1 && same.welch.p == 1)
    }
}
