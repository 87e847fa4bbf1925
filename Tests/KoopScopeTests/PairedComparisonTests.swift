import Testing
@testable import KoopScope

/// Expected values are scipy 1.17's (`ttest_1samp(d, 0)`, `wilcoxon(d)`, printed by
/// `scripts/significance-values.py`), or worked by hand.
@Suite("Paired comparisons")
struct PairedComparisonTests {
    @Test func pairedTMatchesScipy() {
        let c = PairedComparison(baseline: [0, 0, 0, 0, 0], method: [1, 2, 3, 4, 5])
        #expect(c.pairs == 5 && c.meanDifference == 3)
        #expect(abs(c.t.statistic - 4.242640687119285) < 1e-12)
        #expect(abs(c.t.p - 0.01323559956368269) < 1e-9)
        let d = [0.05, -0.02, 0.07, 0.03, 0.01, -0.04]
        let mixed = PairedComparison(baseline: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], method: d.map { 0.5 + $0 })
        #expect(abs(mixed.t.statistic - 0.9768308314557042) < 1e-9)
        #expect(abs(mixed.t.p - 0.3735152846299513) < 1e-8)
    }

    @Test func wilcoxonIsExactOverTheRanksAsScipy() {
        // All five positive: W⁻ = 0, P = 2/2⁵.
        let up = PairedComparison(baseline: [0, 0, 0, 0, 0], method: [1, 2, 3, 4, 5]).wilcoxon
        #expect(up.statistic == 0 && up.p == 0.0625)
        let mixed = PairedComparison(baseline: [Double](repeating: 0, count: 6), method: [0.05, -0.02, 0.07, 0.03, 0.01, -0.04]).wilcoxon
        #expect(mixed.statistic == 6 && abs(mixed.p - 0.4375) < 1e-12)
        // Ties: ranks 1.5, 1.5, 3, 4, 5; W⁻ = 1.5; subsets of rank sum ≤ 1.5: ∅ and either 1.5 → 2·3/32.
        let tied = PairedComparison(baseline: [0, 0, 0, 0, 0], method: [1, -1, 2, 3, 4]).wilcoxon
        #expect(tied.statistic == 1.5 && abs(tied.p - 0.1875) < 1e-12)
        let tied2 = PairedComparison(baseline: [Double](repeating: 0, count: 7), method: [1, 1, 2, -3, 4, 2, 5]).wilcoxon
        #expect(tied2.statistic == 5 && abs(tied2.p - 0.171875) < 1e-12)
        // Zeros are dropped; all zero leaves nothing to test.
        #expect(PairedComparison(baseline: [1, 1], method: [1, 1]).wilcoxon.p.isNaN)
    }

    @Test func bootstrapIntervalAndHolmByHand() {
        // Two differences 0 and 1: resampled means are 0, ½, 1 with chances ¼, ½, ¼.
        let ci = PairedComparison(baseline: [0, 0], method: [0, 1]).confidenceInterval
        #expect(ci == [0, 1])
        #expect(PairedComparison(baseline: [1, 2, 3], method: [1.5, 2.5, 3.5]).confidenceInterval == [0.5, 0.5])
        #expect(PairedComparison.holm([0.01, 0.04, 0.03]) == [0.03, 0.06, 0.06])
        let withNaN = PairedComparison.holm([0.02, .nan, 0.5])
        #expect(withNaN[0] == 0.04 && withNaN[1].isNaN && withNaN[2] == 0.5)
        #expect(PairedComparison.holm([0.6, 0.9]) == [1, 1])
    }

    @Test func tooFewOrDegeneratePairs() {
        let one = PairedComparison(baseline: [1], method: [2])
        #expect(one.meanDifference == 1 && one.t.p.isNaN)
        let constant = PairedComparison(baseline: [0, 0, 0], method: [1, 1, 1])
        #expect(constant.t.p == 0 && constant.t.statistic == .infinity)
        #expect(PairedComparison(baseline: [1, .nan, 3], method: [2, 5, 4]).pairs == 2)
    }
}
