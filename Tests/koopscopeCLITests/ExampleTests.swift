import Foundation
import Testing

/// Runs the example program `name` built beside the test runner; its exit status and output.
func runExample(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = koopscopeBinary.deletingLastPathComponent().appendingPathComponent(name)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}

@Suite("Examples run")
struct ExampleTests {
    @Test func linearDMDExampleRecoversItsSpectrum() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, text) = try runExample("linear-dmd-example", [dir.appendingPathComponent("example.h5").path])
        #expect(status == 0, "\(text)")
        #expect(text.contains("|λ| = 0.95000"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("example.h5").path))
    }

    @Test func layerStudyExampleProfilesEveryLayer() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, text) = try runExample("layer-study-example",
                                            [fixturePath("hf/qwen3-f32"), dir.appendingPathComponent("layers.h5").path])
        #expect(status == 0, "\(text)")
        #expect(text.contains("16 responses, 3 layers"))
        // One row per layer, shallowest first, each with its depth and 16 analysed trajectories.
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("0 ") || $0.hasPrefix("1 ") || $0.hasPrefix("last ") }
        #expect(rows.count == 3 && rows.allSatisfy { $0.contains("16/16") }, "\(text)")
        #expect(text.contains("layer 0 → last: mean W1 "))
    }

    @Test func compareCheckpointsExampleFitsFreezesAndTests() throws {
        // The same trajectories stored as float32 and as float16: the test must find no difference.
        let (status, text) = try runExample("compare-checkpoints-example",
                                            [fixturePath("linear-padded.h5"), fixturePath("linear-ragged-f16.h5"), "2"])
        #expect(status == 0, "\(text)")
        #expect(text.contains("fitted on"))
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("dsd") }
        #expect(rows.count == 3)
        for row in rows {
            let pWelch = Double(row.split(separator: " ").last!) ?? 0
            #expect(pWelch > 0.5, "\(row)")
        }
    }
}
