import ArgumentParser
import KoopScope

/// Writes a large synthetic dump, one trajectory at a time (memory stays at one trajectory).
struct GenerateDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Write a synthetic padded dump of random-walk trajectories.")

    @Argument(help: "Output file.") var output: String
    @Option(help: "Number of trajectories N.") var trajectories = 600
    @Option(help: "Length T of every trajectory.") var length = 1024
    @Option(help: "State dimension d.") var dimension = 896
    @Option(help: "Element type: float16, bfloat16, float32, float64.") var type = "float16"
    @Option(help: "Rows per chunk (omit for contiguous storage).") var chunkRows: Int?
    @Option(help: "gzip level (needs chunking).") var gzip: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 1

    func run() throws {
        guard let elementType = StateElementType(rawValue: type) else {
            throw ValidationError("--type must be one of float16, bfloat16, float32, float64")
        }
        let start = now()
        let writer = try DumpWriter(path: output, count: trajectories, maxLength: length, dimension: dimension,
                                    options: .init(elementType: elementType, chunkRows: chunkRows, gzipLevel: gzip))
        var rng = SeededGenerator(seed: seed)
        var state = (0..<dimension).map { _ in Float(rng.nextGaussian()) }
        for i in 0..<trajectories {
            var x = Matrix<Float>(rows: length, columns: dimension, repeating: 0)
            for t in 0..<length {
                for j in 0..<dimension {
                    // A damped random walk: values of the order of real hidden states.
                    state[j] = 0.95 * state[j] + 0.3 * Float(Int(rng.next() >> 40) - (1 << 23)) / Float(1 << 23)
                    x[t, j] = state[j]
                }
            }
            try writer.write(x, at: i)
        }
        writer.rewards = (0..<trajectories).map { Double($0 % 2) }
        writer.groupIDs = (0..<trajectories).map { $0 / 8 }
        writer.attributes = [("format_version", .integer(1)), ("model", .string("synthetic"))]
        try writer.finish()
        print("wrote \(output): \(trajectories) × \(length) × \(dimension) \(type) in "
              + String(format: "%.1f s", now() - start))
    }
}
