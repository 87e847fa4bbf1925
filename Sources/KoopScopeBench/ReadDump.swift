import ArgumentParser
import Foundation
import KoopScope

/// Reads every trajectory of a dump, decoded to Float32, and reports the throughput.
struct ReadDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "Time reading and decoding a whole dump, batch by batch.")

    @Argument(help: "The dump.") var dump: String
    @Option(help: "Trajectories per batch, at most.") var batch = 64
    @Option(help: "State entries per batch, at most (beyond a batch's first trajectory).")
    var maxElements = 1 << 21
    @Option(help: "Repetitions (the best is reported).") var repeats = 3

    func run() throws {
        let opened = try Dump(path: dump)
        let fileBytes = (try FileManager.default.attributesOfItem(atPath: dump)[.size] as? Int) ?? 0
        var best = Double.infinity
        var checksum: Double = 0
        for _ in 0..<repeats {
            let start = now()
            checksum = 0
            try opened.forEachBatch(maxTrajectories: batch, maxElements: maxElements) { b in
                checksum += Double(b.states.elements[b.states.elements.count / 2])
            }
            best = min(best, now() - start)
        }
        let elements = opened.lengths.reduce(0, +) * opened.dimension
        let stored = elements * opened.elementType.byteWidth
        print(String(format: "read %@: %d trajectories, %.3f GB stored (%@), file %.3f GB",
                     dump, opened.count, Double(stored) / 1e9, opened.elementType.rawValue, Double(fileBytes) / 1e9))
        print(String(format: "best of %d: %.3f s = %.2f GB/s stored, %.2f GB/s decoded Float32 (%.0f M elements/s)",
                     repeats, best, Double(stored) / best / 1e9, Double(elements * 4) / best / 1e9,
                     Double(elements) / best / 1e6))
        print("peak resident memory: \(mib(peakResidentBytes())) (batches of at most \(batch) trajectories "
              + "and \(maxElements) entries; checksum \(checksum))")
    }
}
