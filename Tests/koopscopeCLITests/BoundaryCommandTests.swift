import Foundation
import Testing

/// Values past the library's bounds and crafted inputs, through the binary: status 1 and a
/// message naming the flag or file and the bound; never a trap, an abort or a hang.
@Suite("bounds at the command line")
struct BoundaryCommandTests {
    @Test func analysisSettingsPastTheirBounds() throws {
        let dump = fixturePath("linear-padded.h5")
        let huge = try koopscope("analyze", dump, "--koopman-dim", "1000000000000")
        #expect(huge.status == 1, "\(huge.stderr)")
        #expect(huge.stderr.contains("--koopman-dim is 1000000000000") && huge.stderr.contains("1…4096"), "\(huge.stderr)")
        let shards = try koopscope("analyze", dump, "--shard", "1/2000000")
        #expect(shards.status == 1 && shards.stderr.contains("--shard"), "\(shards.stderr)")
        let conflict = try koopscope("analyze", dump, "--identity", "--ridge", "0.1")
        #expect(conflict.status == 1 && conflict.stderr.contains("--ridge") && conflict.stderr.contains("--identity"))
        let report = try koopscope("report", dump, "--koopman-dim", "5000", "-o", "/nonexistent/never.html")
        #expect(report.status == 1 && report.stderr.contains("--koopman-dim is 5000"), "\(report.stderr)")
    }

    @Test func fitSettingsPastTheirBounds() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("dict.h5").path
        let huge = try koopscope("fit-dictionary", fixturePath("linear-padded.h5"), "-o", out, "--koopman-dim", "100000")
        #expect(huge.status == 1 && huge.stderr.contains("--koopman-dim is 100000"), "\(huge.stderr)")
        let holdout = try koopscope("fit-dictionary", fixturePath("linear-padded.h5"), "-o", out, "--holdout", "1")
        #expect(holdout.status == 1 && holdout.stderr.contains("--holdout"), "\(holdout.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A part whose shard entry is rewritten as `entry` (the rest as analyze wrote it).
    private func craftedPart(_ dir: URL, _ edit: (String) -> String) throws -> String {
        let part = dir.appendingPathComponent("part.json").path
        let r = try koopscope("analyze", fixturePath("linear-padded.h5"), "--shard", "1/2", "--format", "json", "-o", part,
                              "--quiet")
        #expect(r.status == 0, "\(r.stderr)")
        let crafted = dir.appendingPathComponent("crafted-\(UUID().uuidString).json").path
        let text = try String(contentsOfFile: part, encoding: .utf8)
        try edit(text).write(toFile: crafted, atomically: true, encoding: .utf8)
        return crafted
    }

    @Test func craftedMergePartsEndAtOnce() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let edits: [(String, String)] = [
            ("\"count\":2", "\"count\":1000000000000"),
            ("\"index\":1", "\"index\":1e300"),
            ("\"end\":4", "\"end\":1000000000000"),
            ("\"first\":0", "\"first\":9223372036854775807"),
            ("\"end\":4", "\"end\":-4"),
        ]
        for (from, to) in edits {
            let crafted = try craftedPart(dir) { $0.replacingOccurrences(of: from, with: to) }
            let r = try koopscope("merge", crafted, crafted, "-o", dir.appendingPathComponent("m.json").path)
            #expect(r.status == 1, "\(to): \(r.stderr)")
            #expect(r.stderr.contains("crafted-"), "\(to): \(r.stderr)")
        }
        // The most shards there may be, one given: a short message, not a million names.
        let wide = try craftedPart(dir) { $0.replacingOccurrences(of: "\"count\":2", with: "\"count\":1048576") }
        let r = try koopscope("merge", wide, "-o", dir.appendingPathComponent("m.json").path)
        #expect(r.status == 1 && r.stderr.contains("and 1048567 more missing") && r.stderr.count < 400, "\(r.stderr)")
    }
}
