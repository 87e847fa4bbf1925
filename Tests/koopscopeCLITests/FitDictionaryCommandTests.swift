import Foundation
import Testing

@Suite("koopscope fit-dictionary")
struct FitDictionaryCommandTests {
    /// The first and last loss of the "loss A → B" line the command prints.
    func lossEnds(_ stdout: String) throws -> (first: Double, last: Double) {
        let line = try #require(stdout.split(separator: "\n").first { $0.contains("loss") && $0.contains("→") })
        let ends = line.components(separatedBy: "loss ").last!.components(separatedBy: " → ")
        return (try #require(Double(ends[0])), try #require(Double(ends[1])))
    }

    @Test func fitsLowersTheLossAndWritesADictionaryAnalyzeReads() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("dict.h5").path
        let r = try koopscope("fit-dictionary", fixturePath("linear-padded.h5"), "-o", out, "--koopman-dim", "6",
                              "--batch", "4", "--epochs", "10", "--lr", "0.01", "--holdout", "0.25", "--bias")
        #expect(r.status == 0, "\(r.stderr)")
        // The fitted loss is below the first step's.
        let paper = try lossEnds(r.stdout)
        #expect(paper.last < paper.first, "\(r.stdout)")
        #expect(r.stdout.contains("validation loss") && r.stdout.contains("effective rank of G"))
        let analysed = try koopscope("analyze", fixturePath("linear-padded.h5"), "--dictionary", out, "--format", "json")
        #expect(analysed.status == 0, "\(analysed.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(analysed.stdout.utf8)) as? [String: Any])
        let dictionary = try #require(json["dictionary"] as? [String: Any])
        #expect(dictionary["m"] as? Int == 6 && dictionary["bias"] as? Bool == true)
        // Continue from it: same m, more steps.
        let again = dir.appendingPathComponent("dict2.h5").path
        let r2 = try koopscope("fit-dictionary", fixturePath("linear-padded.h5"), "-o", again, "--init", out, "--steps", "3")
        #expect(r2.status == 0 && r2.stdout.contains("m = 6") && r2.stdout.contains("3 steps"), "\(r2.stderr)")
        // The reference variant fits too, and the file says which variant made it.
        let reference = dir.appendingPathComponent("ref.h5").path
        let r3 = try koopscope("fit-dictionary", fixturePath("linear-padded.h5"), "-o", reference, "--variant", "reference",
                               "--koopman-dim", "5", "--batch", "4", "--epochs", "5")
        #expect(r3.status == 0, "\(r3.stderr)")
        let reference3 = try lossEnds(r3.stdout)
        #expect(reference3.last < reference3.first, "\(r3.stdout)")
        let inspect = try koopscope("inspect", reference)
        #expect(inspect.status != 0, "a dictionary is not a dump")
    }

    @Test(arguments: [
        (["--batch", "0"], "--batch"),
        (["--holdout", "1"], "--holdout"),
        (["--lr", "0"], "--lr"),
        (["--variant", "svd"], "--variant"),
        (["--init", "x.h5", "--koopman-dim", "10"], "--init brings its own m"),
    ])
    func flagErrors(arguments: [String], message: String) throws {
        let r = try koopscope(["fit-dictionary", fixturePath("linear-padded.h5"), "-o", "/tmp/never.h5"] + arguments)
        #expect(r.status == 1 && r.stderr.contains(message), "\(r.stderr)")
    }

    @Test func inputErrorsNameTheFile() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("d.h5").path
        let mismatch = try koopscope("fit-dictionary", fixturePath("nonfinite-f64.h5"), "-o", out,
                                     "--init", fixturePath("dictionary-d8-m4.h5"))
        #expect(mismatch.status == 1 && mismatch.stderr.contains("d = 8") && mismatch.stderr.contains("nonfinite-f64.h5"))
        let malformed = try koopscope("fit-dictionary", fixturePath("malformed/padded-rank2.h5"), "-o", out)
        #expect(malformed.status == 1 && malformed.stderr.contains("/hidden_states"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
