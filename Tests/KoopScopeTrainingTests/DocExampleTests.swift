import Foundation
import Testing

/// The documentation's examples compile: each ```swift block of a `///` comment in the
/// libraries must stand, verbatim, as the body of a function in DocExamples.swift (which the
/// test build compiles), under a marker naming its file.
@Suite("Documentation examples")
struct DocExampleTests {
    static let root = repositoryRoot

    /// Every example in the library sources: its file (relative to the root) and its lines.
    static func examples() throws -> [(file: String, body: [String])] {
        var found: [(String, [String])] = []
        let sources = root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }
            .filter { $0.hasPrefix("KoopScope") && $0.hasSuffix(".swift") }.sorted()
        for file in files {
            let lines = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            var k = 0
            while k < lines.count {
                if lines[k] == "/// ```swift" {
                    var body: [String] = []
                    k += 1
                    while k < lines.count, lines[k] != "/// ```" {
                        body.append(lines[k].hasPrefix("/// ") ? String(lines[k].dropFirst(4)) : String(lines[k].dropFirst(3)))
                        k += 1
                    }
                    found.append(("Sources/" + file, body))
                }
                k += 1
            }
        }
        return found
    }

    @Test func everyExampleIsCompiledVerbatim() throws {
        let examples = try Self.examples()
        #expect(examples.count > 50, "the libraries document their API with examples")
        let compiled = try String(contentsOf: Self.root.appendingPathComponent("Tests/KoopScopeTrainingTests/DocExamples.swift"),
                                  encoding: .utf8)
        let markers = compiled.components(separatedBy: "\n// Example: ").dropFirst()
        #expect(markers.count == examples.count, "one compiled function per example, no stale ones")
        for example in examples {
            let body = example.body.map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
            let present = markers.contains { block in
                block.hasPrefix(example.file + "\n") && block.contains(") throws {\n" + body + "\n}")
            }
            #expect(present, """
                the example in \(example.file) beginning "\(example.body.first ?? "")" is not compiled: put it, \
                verbatim, in a function under "// Example: \(example.file)" in DocExamples.swift
                """)
        }
    }
}
