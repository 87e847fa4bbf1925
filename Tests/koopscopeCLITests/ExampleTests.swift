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
}
