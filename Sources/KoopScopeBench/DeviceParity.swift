import ArgumentParser
import Foundation
import KoopScopeCUDA
import KoopScopeTraining

/// The CPU-against-CUDA parity suite as a table (the device check runs it on the GPU machine).
struct DeviceParity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity", abstract: "Every backend op and a training step on the CPU and on CUDA, compared element by element.")

    @Option(help: "Seeds: each runs the whole suite with fresh random inputs.") var seeds = 3

    func run() throws {
        let cuda: CUDABackend
        do { cuda = try CUDABackend() } catch {
            print("parity: skipped — \(error)")
            throw ExitCode(2)
        }
        var failed = 0
        for seed in 1...max(seeds, 1) {
            var parity = BackendParity(reference: CPUBackend(), candidate: cuda, seed: UInt64(seed))
            let rows = parity.run()
            try cuda.synchronize()
            print(BackendParity.table(rows, title: "== parity, seed \(seed): cpu against \(cuda.name)"))
            failed += rows.filter { !$0.passed }.count
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
