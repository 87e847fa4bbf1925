// The dump reader under a fuzzer: every input is written to a file and opened, validated and
// read the way `koopscope analyze` reads a dump. Built two ways (scripts/fuzz):
//
// - with `-sanitize=fuzzer -parse-as-library -DFUZZING` (and `--export-dynamic`, so that the
//   driver can be looked up), libFuzzer drives `fuzzOneInput`;
// - plainly, it replays files given as arguments (`koopscope-fuzz-dump FILE…`), each through
//   the same path, and prints what the reader said — how a finding is looked at again.
import Foundation
import _FuzzDriver
import KoopScope

/// Opens `path` as a dump and reads every state, the non-finite scan and the small datasets;
/// returns the reader's error, if any. Errors are the expected outcome for most inputs: the
/// fuzzer looks for crashes, hangs and unbounded memory instead.
func exerciseDump(at path: String) -> Error? {
    do {
        let dump = try Dump(path: path)
        _ = try dump.nonFiniteCounts()
        try dump.forEachBatch { batch in
            for trajectory in batch.trajectories { _ = trajectory.states.rows }
        }
        _ = (dump.rewards, dump.groupIDs, dump.prompts, dump.responses, dump.attributes.count)
        return nil
    } catch {
        return error
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let path = FuzzDriver.scratch(data, size, name: "koopscope-fuzz-dump") else { return 0 }
    _ = exerciseDump(at: path)
    return 0
}

/// The process's entry point under SwiftPM, which links an executable's `main` under the
/// target's name: libFuzzer's driver takes the command line.
@_cdecl("koopscope_fuzz_dump_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, program: "koopscope-fuzz-dump", test: fuzzOneInput)
}
#else
@main
enum Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            if let error = exerciseDump(at: path) {
                print("\(path): error: \(error)")
            } else {
                print("\(path): read")
            }
        }
    }
}
#endif
