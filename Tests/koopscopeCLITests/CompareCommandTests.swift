import Foundation
import Testing

/// `koopscope compare`: two analyses of the same prompts, every output form, the refusals, and
/// the report's pictures of comparisons and layer profiles.
@Suite("koopscope compare")
struct CompareCommandTests {
    func analysis(_ dump: String, _ path: String, _ extra: String...) throws {
        let r = try koopscope(["analyze", fixturePath(dump), "--identity", "--format", "json", "-o", path, "--quiet"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func twoStoragesOfTheSameStatesAreClose() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("f32.json").path, b = dir.appendingPathComponent("f16.json").path
        try analysis("linear-padded.h5", a, "--rank", "8")
        try analysis("linear-padded-f16be-gzip.h5", b, "--rank", "8")
        let json = try koopscope("compare", a, b, "--format", "json")
        #expect(json.status == 0, "\(json.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(root["format"] as? String == "koopscope-comparison" && root["a"] as? String == a)
        let pairs = try #require(root["pairs"] as? [[String: Any]])
        #expect(pairs.count == 8)
        // Float16 rounding moves the eigenvalues of x_{t+1} = A x_t a little, never far.
        for p in pairs { #expect(((p["w1"] as? NSNumber)?.doubleValue ?? 1) < 0.05, "\(p)") }
        let pooled = try #require(root["pooled"] as? [String: Any])
        #expect(pooled["method"] as? String == "exact" && (pooled["eigenvalues_a"] as? Int) == 64)
        let dsd = try #require(root["dsd"] as? [String: Any])
        #expect(dsd["pairs"] as? Int == 8 && (dsd["bootstrap_interval_95"] as? [Double])?.count == 2)
        let table = try koopscope("compare", a, b)
        #expect(table.status == 0 && table.stdout.contains("W1 between eigenvalue sets") && table.stdout.contains("pooled:")
                && table.stdout.contains("Wilcoxon"))
        let csv = try koopscope("compare", a, b, "--format", "csv")
        #expect(csv.stdout.hasPrefix("index,group,w1,dsd_a,dsd_b\n0,") && csv.stdout.split(separator: "\n").count == 9)
        // Against itself: every distance 0.
        let same = try koopscope("compare", a, a, "--format", "csv")
        #expect(same.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.split(separator: ",")[2] == "0.0" }, "\(same.stdout)")
        // The report draws a comparison and a layer profile among its inputs.
        let comparison = dir.appendingPathComponent("comparison.json").path
        #expect(try koopscope("compare", a, b, "--format", "json", "-o", comparison).status == 0)
        let page = dir.appendingPathComponent("page.html").path
        let report = try koopscope("report", comparison, a, "-o", page)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("<h2>Comparisons</h2>") && html.contains("W1 between paired spectra"))
    }

    @Test func analysesOfOtherPromptsOrSettingsAreRefused() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.json").path, rank4 = dir.appendingPathComponent("rank4.json").path
        let other = dir.appendingPathComponent("other.json").path
        try analysis("linear-padded.h5", a, "--rank", "8")
        try analysis("linear-padded.h5", rank4, "--rank", "4")
        try analysis("nonfinite-f64.h5", other, "--rank", "2")
        let settings = try koopscope("compare", a, rank4)
        #expect(settings.status == 1 && settings.stderr.contains("\(rank4): cannot be compared with \(a): settings.rank is 4, the other's 8"),
                "\(settings.stderr)")
        let count = try koopscope("compare", a, other)
        #expect(count.status == 1 && count.stderr.contains("\(other): cannot be compared with \(a): it holds 4 trajectories, the other 8"))
        let missing = try koopscope("compare", a, dir.appendingPathComponent("none.json").path)
        #expect(missing.status == 1 && missing.stderr.contains("none.json: no such file"))
        let output = dir.appendingPathComponent("out.json").path
        #expect(try koopscope("compare", a, rank4, "-o", output).status == 1)
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
