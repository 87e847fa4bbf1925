import Foundation
import KoopScope
import Testing
import _TestSupport
@testable import KoopScopeCUDA

/// Whether a device answers here, and why not.
let deviceStatus: (available: Bool, reason: String) = {
    do { return (true, try CUDADevice.open().name) } catch { return (false, "\(error)") }
}()

@Suite("The analysis's lift on the GPU")
struct CUDALifterTests {
    /// A dump analysed with the batch lifted on the GPU gives the CPU's numbers (Float32 GEMMs
    /// in a different order: agreement to single-precision rounding, amplified by the m×m work).
    @Test(.enabled(if: deviceStatus.available, "no CUDA here: \(deviceStatus.reason)"))
    func gpuLiftGivesTheCPUAnalysis() throws {
        let dump = try Dump(path: fixturePath("linear-padded.h5"))
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: dump.dimension, koopmanDimension: 8)
        var settings = AnalysisSettings()
        settings.maxTrajectoriesPerBatch = 3
        let cpu = try Analyzer(dictionary: .sigmoid(dictionary), settings: settings).analyze(dump)
        settings.lifter = try CUDALifter()
        let gpu = try Analyzer(dictionary: .sigmoid(dictionary), settings: settings).analyze(dump)
        for (a, b) in zip(cpu.trajectories, gpu.trajectories) where !a.dsd.isNaN {
            #expect(abs(a.dsd - b.dsd) <= 1e-4 * max(abs(a.dsd), 1e-6), "trajectory \(a.index): \(a.dsd) vs \(b.dsd)")
        }
    }
}
