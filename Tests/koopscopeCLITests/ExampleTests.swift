import Foundation
import Testing

@Suite("Examples run")
struct ExampleTests {
    @Test func linearDMDExampleRecoversItsSpectrum() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = koopscopeBinary.deletingLastPathComponent().appendingPathComponent("linear-dmd-example")
        process.arguments = [dir.appendingPathComponent("example.h5").path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("|λ| = 0.95000"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("example.h5").path))
    }

    @Test func compareCheckpointsExampleFitsFreezesAndTests() throws {
        let process = Process()
        process.executableURL = koopscopeBinary.deletingLastPathComponent().appendingPathComponent("compare-checkpoints-example")
        // The same trajectories stored as float32 and as float16: the test must find no difference.
        process.arguments = [fixturePath("linear-padded.h5"), fixturePath("linear-ragged-f16.h5"), "2"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("fitted on"))
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("dsd") }
        #expect(rows.count == 3)
        for row in rows {
            let pWelch = Double(row.split(separator: " ").last!) ?? 0
            #expect(pWelch > 0.5, "\(row)")
        }
    }
}
