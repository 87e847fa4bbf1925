import Foundation
import Testing

/// `koopscope analyze --shard K/N` and `koopscope merge`, and chunked dumps that cannot be
/// decoded, as a user meets them.
@Suite("koopscope analyze --shard and koopscope merge")
struct ShardCommandTests {
    @Test func shardedRunsMergeIntoTheUnshardedReport() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dump = fixturePath("linear-padded-cut-chunks.h5")
        let whole = dir.appendingPathComponent("whole.json").path
        #expect(try koopscope("analyze", dump, "--format", "json", "-o", whole, "--quiet").status == 0)
        var parts: [String] = []
        for k in [3, 1, 2] {
            let part = dir.appendingPathComponent("part-\(k).json").path
            let r = try koopscope("analyze", dump, "--shard", "\(k)/3", "--format", "json", "-o", part, "--quiet")
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
            parts.append(part)
        }
        let merged = dir.appendingPathComponent("merged.json").path
        let r = try koopscope(["merge"] + parts + ["-o", merged])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.contents(atPath: merged) == FileManager.default.contents(atPath: whole))

        // A missing shard: refused, nothing written.
        let refused = dir.appendingPathComponent("refused.json").path
        let missing = try koopscope(["merge"] + parts.prefix(2) + ["-o", refused])
        #expect(missing.status == 1 && missing.stderr.contains("shard 2/3 missing"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: refused))
        let unknown = try koopscope("merge", parts[0], dir.appendingPathComponent("nope.json").path, "-o", refused)
        #expect(unknown.status == 1 && unknown.stderr.contains("nope.json"))

        let bad = try koopscope("analyze", dump, "--shard", "0/3")
        #expect(bad.status != 0 && bad.stderr.contains("--shard is \"0/3\""))
    }

    @Test(arguments: ["chunk-corrupt-deflate.h5", "chunk-truncated-stream.h5", "chunk-wrong-size.h5", "lzf-states.h5"])
    func undecodableChunksFailWithoutOutput(name: String) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("report.json").path
        let r = try koopscope("analyze", fixturePath("malformed/" + name), "--format", "json", "-o", out)
        #expect(r.status == 1)
        #expect(r.stderr.contains(name) && r.stderr.contains("/hidden_states"), "\(r.stderr)")
        #expect(!r.stderr.contains("crashed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
