import ArgumentParser
import Dispatch
import Foundation
import KoopScope

/// Times `Analyzer` on a dump beside its two limits: reading and decoding the dump, and the
/// lift GEMM alone.
struct AnalyzeDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze", abstract: "Time the analysis of a dump against reading it and the bare lift GEMM.")

    @Argument(help: "The dump.") var dump: String
    @Option(help: "Dictionary features m.") var koopmanDim = 50
    @Option(help: "Repetitions (the best of each is reported).") var repeats = 3
    @Option(help: "State entries per batch, at most.") var maxElements = 1 << 21
    @Option(help: "Which measurement: all, read, gemm or analyze (for a separate peak-memory reading).")
    var only = "all"

    func run() throws {
        let opened = try Dump(path: dump)
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: opened.dimension, koopmanDimension: koopmanDim)
        let rows = opened.lengths.reduce(0, +)
        var read = Double.nan, gemm = Double.nan, gemmPerCore = Double.nan, analyze = Double.nan
        if only == "all" || only == "read" {
            read = try best(of: repeats) { try opened.forEachBatch { _ in } }
        }
        if only == "all" || only == "gemm" {
            // The same products as the analysis makes, on one batch-sized block of states
            // already in memory: (rows of a batch) × d times d × m, repeated to cover the dump.
            let batchRows = max(1, min(rows, (1 << 21) / max(opened.dimension, 1)))
            var rng = SeededGenerator(seed: 3)
            let block = Matrix<Float>(rows: batchRows, columns: opened.dimension) { _, _ in Float(rng.nextGaussian()) }
            gemm = best(of: repeats) {
                var done = 0
                while done < rows {
                    let n = min(batchRows, rows - done)
                    let states = n == batchRows ? block : block.rows(0..<n)
                    _ = states.multiplied(by: dictionary.weight, transposingOther: true)
                    done += n
                }
            }
            // The other way to use both cores: one single-threaded GEMM per trajectory-sized
            // block on each core (as the analysis lifts), on a block that stays in cache.
            let t = max(1, opened.maxLength)
            let one = block.rows(0..<min(t, block.rows))
            let count = (rows + one.rows - 1) / one.rows
            let w = dictionary.weight
            gemmPerCore = best(of: repeats) {
                BLASThreads.singleThreaded {
                    DispatchQueue.concurrentPerform(iterations: count) { _ in
                        _ = one.multiplied(by: w, transposingOther: true)
                    }
                }
            }
        }
        var report: AnalysisReport?
        if only == "all" || only == "analyze" {
            var settings = AnalysisSettings()
            settings.maxElementsPerBatch = maxElements
            let analyzer = Analyzer(dictionary: .sigmoid(dictionary), settings: settings)
            analyze = try best(of: repeats) { report = try analyzer.analyze(opened) }
        }
        let flops = 2.0 * Double(rows) * Double(opened.dimension) * Double(koopmanDim)
        print("dump \(dump): \(opened.count) trajectories, \(rows) states, d = \(opened.dimension), m = \(koopmanDim)")
        if read.isFinite { print(String(format: "(a) read + decode:  %.3f s", read)) }
        if gemm.isFinite {
            print(String(format: "(b) lift GEMM alone: %.3f s (%.1f GFLOP/s), OpenBLAS threads over batch-sized blocks",
                         gemm, flops / gemm / 1e9))
            print(String(format: "    or %.3f s (%.1f GFLOP/s), one single-threaded GEMM per trajectory per core",
                         gemmPerCore, flops / gemmPerCore / 1e9))
        }
        if analyze.isFinite {
            print(String(format: "analyze:            %.3f s = %.1f trajectories/s", analyze, Double(opened.count) / analyze))
            if read.isFinite && gemm.isFinite {
                print(String(format: "analyze / (a + b):  %.2f (with the faster b: %.2f)", analyze / (read + gemm),
                             analyze / (read + min(gemm, gemmPerCore))))
            }
            if let report { print("mean dsd \(report.summary.overall.dsd.mean), analysed \(report.summary.overall.analyzed)") }
        }
        print("peak resident memory: \(mib(peakResidentBytes()))")
    }
}
