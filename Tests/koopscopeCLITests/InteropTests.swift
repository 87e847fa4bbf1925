import Foundation
import Testing

/// Whether `python3` with h5py is on this machine (the Swift suite never needs it otherwise).
let pythonWithH5py: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import h5py, numpy"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}()

@Suite("Files koopscope writes, read by h5py", .enabled(if: pythonWithH5py, "python3 with h5py is not installed"))
struct InteropTests {
    /// Runs a Python check; its stdout is the failure detail when it exits non-zero.
    func python(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func dumpsAndDictionariesFollowTheDocumentedSchema() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run").path
        let r = try koopscope(["train", "--run-dir", run, "--task", "addition", "--task-size", "2", "--model-dim", "16",
                               "--layers", "1", "--heads", "2", "--mlp-dim", "32", "--context", "16", "--steps", "1",
                               "--prompts-per-step", "4", "--group-size", "4", "--mini-batches", "1", "--koopman-dim", "3",
                               "--eval-every", "0", "--dump-every", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let fitted = dir.appendingPathComponent("fitted.h5").path
        let f = try koopscope("fit-dictionary", run + "/dumps/step-000001.h5", "-o", fitted, "--koopman-dim", "3", "--steps", "2")
        #expect(f.status == 0, "\(f.stderr)")
        // The schema of docs/dump-format.md and docs/fit-dictionary.md, checked by h5py alone.
        let check = """
            import sys, h5py, numpy as np
            dump, dictionary = sys.argv[1], sys.argv[2]
            with h5py.File(dump, "r") as f:
                x = f["hidden_states"]
                n, t, d = x.shape
                assert x.dtype == np.float32, x.dtype
                lengths = f["lengths"][:]
                assert lengths.shape == (n,) and lengths.max() <= t and lengths.min() >= 1, lengths
                for name in ["rewards", "group_ids", "advantages"]:
                    assert f[name].shape == (n,), name
                for name in ["prompts", "responses"]:
                    texts = f[name].asstr()[:]
                    assert len(texts) == n and all(isinstance(s, str) for s in texts), name
                assert all(p.endswith("=") for p in f["prompts"].asstr()[:])
                assert int(f.attrs["step"]) == 1 and f.attrs["written_by"] == "koopscope train"
                assert np.all(np.isfinite(x[0, :lengths[0]]))
            with h5py.File(dictionary, "r") as g:
                w = g["weight"]
                assert w.shape == (3, d) and w.dtype == np.float32, (w.shape, w.dtype)
                assert int(g.attrs["koopman_dim"]) == 3
                assert "bias" not in g
            print("ok")
            """
        let result = try python(check, [run + "/dumps/step-000001.h5", fitted])
        #expect(result.status == 0 && result.output.contains("ok"), "\(result.output)")
    }
}
