import Foundation
import Testing

@Suite("koopscope inspect")
struct InspectCommandTests {
    @Test func textReportOfAPaddedDump() throws {
        let r = try koopscope("inspect", fixturePath("linear-padded.h5"))
        #expect(r.status == 0, "\(r.stderr)")
        for needle in ["layout        padded: /hidden_states 8 × 48 × 8", "trajectories  8", "dimension     8",
                       "element type  float32", "min 25, median 42, mean 39.5, max 48 (T_max 48, 68 padding rows)",
                       "/group_ids    8 values, 4 groups", "model = \"linear-toy\"", "(64 values)",
                       "non-finite    0 values in 0 trajectories"] {
            #expect(r.stdout.contains(needle), "missing \(needle) in\n\(r.stdout)")
        }
    }

    @Test func jsonReportCountsNonFiniteValues() throws {
        let r = try koopscope("inspect", fixturePath("nonfinite-f64.h5"), "--format", "json")
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["layout"] as? String == "padded")
        #expect(json["trajectories"] as? Int == 4)
        #expect(json["element_type"] as? String == "float64")
        #expect(json["non_finite_values"] as? Int == 3)
        #expect(json["trajectories_with_non_finite"] as? [Int] == [1, 2])
        #expect(json["has_lengths"] as? Bool == false)
        let lengths = try #require(json["lengths"] as? [String: Any])
        #expect(lengths["median"] as? Double == 10)
    }

    @Test func raggedHalfPrecisionAndStructureOnly() throws {
        let r = try koopscope("inspect", fixturePath("linear-ragged-f16.h5"), "--structure-only")
        #expect(r.status == 0)
        #expect(r.stdout.contains("ragged: /trajectories/0 … /trajectories/7"))
        #expect(r.stdout.contains("element type  float16"))
        #expect(r.stdout.contains("chunked 16×8, shuffle, gzip 4"))
        #expect(r.stdout.contains("not scanned"))
    }

    @Test(arguments: [
        ("malformed/not-hdf5.h5", "not an HDF5 file"),
        ("malformed/truncated.h5", "truncated"),
        ("malformed/lengths-too-long.h5", "/lengths: length 6 of trajectory 1 is outside 0…5"),
        ("malformed/ragged-differing-d.h5", "/trajectories/1"),
        ("malformed/int32-states.h5", "/hidden_states: unsupported element type"),
        ("does-not-exist.h5", "no such file"),
        ("dictionary-d8-m4.h5", "is a Koopman dictionary (/weight), not a dump"),
    ])
    func malformedInputExitsNonZeroNamingTheFile(name: String, message: String) throws {
        let r = try koopscope("inspect", fixturePath(name))
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(fixturePath(name)), "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!r.stderr.contains("HDF5-DIAG"), "HDF5's own diagnostics must stay silent")
    }

    @Test func badFlagsAreRefused() throws {
        let r = try koopscope("inspect", fixturePath("empty.h5"), "--format", "yaml")
        #expect(r.status != 0)
        #expect(r.stderr.contains("--format"))
        #expect(try koopscope("inspect").status != 0)
    }
}

/// Files HDF5 1.10.8 itself crashes on (found by fuzzing the fixtures): the process must still
/// end with an error naming the file, status 1, and no output left behind.
@Suite("Files that crash HDF5")
struct CorruptFileTests {
    @Test(arguments: ["malformed/corrupt-attribute-heap.h5", "malformed/corrupt-string-heap.h5",
                      "malformed/corrupt-heap-on-close.h5", "malformed/corrupt-string-attribute.h5"])
    func endInAnErrorNamingTheFile(name: String) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.html").path
        for arguments in [["inspect", fixturePath(name)], ["analyze", fixturePath(name), "-o", out],
                          ["report", fixturePath(name), "-o", out]] {
            let r = try koopscope(arguments)
            #expect(r.status == 1, "\(arguments[0]): \(r.stderr)")
            #expect(r.stderr.contains(fixturePath(name)), "\(arguments[0]): \(r.stderr)")
            #expect(!r.stderr.contains("Program crashed"), "no crash report: \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "no output, no temporary file")
    }
}

/// A crash in koopscope's own code while a file is being read is not blamed on the file.
@Suite("Crashes of koopscope itself")
struct InternalCrashTests {
    @Test func areReportedAsInternalErrorsWithABacktrace() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("dump.h5").path
        let r = try run(crashCheckBinary, ["crash", file])
        let text = r.stderr
        #expect(r.status == 70, "\(text)")
        #expect(text.contains("internal error in koopscope"), "\(text)")
        #expect(!text.contains("HDF5") && !text.contains("corrupt"), "\(text)")
        // The backtrace: one line per frame, the first of them in koopscope's binary.
        #expect(text.split(separator: "\n").filter { $0.contains("koopscope-crash-check(") }.count >= 2, "\(text)")
        for partial in [file + ".partial", file + ".partial-2"] {
            #expect(!FileManager.default.fileExists(atPath: partial), "every writer's partial output is removed")
        }
    }

    @Test func aReadThatNeverReturnsIsEndedByTheWatchdog() throws {
        let file = temporaryDirectory().appendingPathComponent("looping.h5").path
        let r = try run(crashCheckBinary, ["hang", file], environment: ["KOOPSCOPE_HDF5_TIMEOUT": "0.5"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("\(file): HDF5 did not return from reading /prompts within 0.5 s"), "\(r.stderr)")
        for partial in [file + ".partial", file + ".partial-2"] {
            #expect(!FileManager.default.fileExists(atPath: partial), "every writer's partial output is removed")
        }
    }

    /// A fuzzed file on which HDF5 1.10.8 loops for ever reading the prompts' string heap.
    @Test func aFileOnWhichHDF5LoopsEndsInAnError() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let name = fixturePath("malformed/hang-string-heap.h5"), out = dir.appendingPathComponent("out.json").path
        for arguments in [["inspect", name], ["analyze", name, "--format", "json", "-o", out]] {
            let r = try koopscope(arguments, environment: ["KOOPSCOPE_HDF5_TIMEOUT": "1"])
            #expect(r.status == 1, "\(arguments[0]): \(r.stderr)")
            #expect(r.stderr.contains("\(name): HDF5 did not return from reading prompts within 1.0 s"), "\(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "no output, no temporary file")
    }
}
