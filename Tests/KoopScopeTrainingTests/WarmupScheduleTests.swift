import Foundation
import Testing
import KoopScopeTraining

/// The warm-up's learning-rate schedules against values worked by hand.
@Suite("Warm-up schedule")
struct WarmupScheduleTests {
    @Test func constantIsThePeakEverywhere() {
        for s in [1, 7, 100] { #expect(WarmupSchedule.constant.learningRate(step: s, of: 100, peak: 2e-3) == 2e-3) }
    }

    /// 200 steps: a ramp of 10 steps (0.1, 0.2, … of the peak), then cos over the 190 left, from
    /// the peak (step 10) through 0.55 of it halfway (step 105) to 0.1 of it (step 200).
    @Test func cosineRampsThenDecaysToATenth() {
        let c = WarmupSchedule.cosine
        #expect(abs(c.learningRate(step: 1, of: 200, peak: 1) - 0.1) < 1e-12)
        #expect(abs(c.learningRate(step: 5, of: 200, peak: 1) - 0.5) < 1e-12)
        #expect(abs(c.learningRate(step: 10, of: 200, peak: 1) - 1) < 1e-12)
        #expect(abs(c.learningRate(step: 105, of: 200, peak: 1) - 0.55) < 1e-12)
        #expect(abs(c.learningRate(step: 200, of: 200, peak: 1) - 0.1) < 1e-12)
        // A quarter of the way down: 0.1 + 0.45 (1 + cos π/4).
        #expect(abs(c.learningRate(step: 10 + 190 / 4 * 1, of: 200, peak: 3) / 3 - (0.1 + 0.45 * (1 + cos(Double.pi * 47 / 190)))) < 1e-12)
        // A warm-up of one step has a ramp of one step and ends at a tenth.
        #expect(abs(c.learningRate(step: 1, of: 1, peak: 1) - 1) < 1e-12)
    }
}
