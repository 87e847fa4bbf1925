import Foundation
import Testing
@testable import KoopScope
import _KoopScopeKernels

@Suite("C kernels")
struct KernelTests {
    /// Every one of the 65536 bit patterns, hardware and portable paths, against the
    /// standard library's own Float16 → Float conversion.
    @Test func everyBitPatternMatchesTheStandardLibrary() {
        let bits = (0...UInt16.max).map { $0 }
        var fast = [Float](repeating: 0, count: bits.count), portable = fast
        let n1 = ks_decode_float16(bits, bits.count, &fast)
        let n2 = ks_decode_float16_portable(bits, bits.count, &portable)
        let expected = bits.map { Float(Float16(bitPattern: $0)) }
        #expect(n1 == 2 * 1024 && n2 == 2 * 1024, "2 signs × (infinity + 1023 NaNs)")
        var mismatches = 0
        for i in bits.indices {
            let e = expected[i]
            for got in [fast[i], portable[i]] where !(got.bitPattern == e.bitPattern || (got.isNaN && e.isNaN)) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }

    @Test func keptBatchesKeepTheirOwnStates() throws {
        let dump = try Dump(path: fixturePath("linear-padded-f16be-gzip.h5"))
        var kept: [TrajectoryBatch] = []
        try dump.forEachBatch(maxTrajectories: 2) { kept.append($0) }
        #expect(kept.count == 4)
        for batch in kept { #expect(batch.states == (try dump.read(batch.indices)).states) }
    }

    /// σ through the hardware and portable paths against σ in Float64 over a sweep of z,
    /// with and without bias, including the tails where e^{±z} would overflow.
    @Test func sigmoidMatchesDoublePrecision() {
        let rows = 2001, m = 11
        var z = [Float](repeating: 0, count: rows * m)
        for i in 0..<(rows * m) { z[i] = Float(i - rows * m / 2) * 0.011 }
        z[0] = -1000; z[1] = 1000; z[2] = -90; z[3] = 89
        let bias: [Float] = (0..<m).map { Float($0) * 0.25 - 1 }
        for withBias in [false, true] {
            var fast = [Double](repeating: 0, count: rows * m), portable = fast
            if withBias {
                ks_sigmoid_rows(z, bias, rows, m, &fast)
                ks_sigmoid_rows_portable(z, bias, rows, m, &portable)
            } else {
                ks_sigmoid_rows(z, nil, rows, m, &fast)
                ks_sigmoid_rows_portable(z, nil, rows, m, &portable)
            }
            var worst = 0.0
            for i in 0..<(rows * m) {
                let x = Double(z[i] + (withBias ? bias[i % m] : 0))
                let exact = 1 / (1 + exp(-x))
                for got in [fast[i], portable[i]] {
                    // Relative error in σ, or absolute where σ underflows float's normal range.
                    worst = max(worst, abs(got - exact) / max(exact, 1e-30))
                    #expect(got >= 0 && got <= 1)
                }
            }
            #expect(worst < 1e-6, "worst relative error \(worst)")
        }
    }
}
