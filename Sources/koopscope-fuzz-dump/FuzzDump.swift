// The dump reader under a fuzzer: every input is written to a file and opened, validated and
// read the way `koopscope analyze` reads a dump. Built two ways (scripts/fuzz):
//
// - with `-sanitize=fuzzer -parse-as-library -DFUZZING` (and `--export-dynamic`, so that the
//   driver can be looked up), libFuzzer drives `fuzzOneInput`;
// - plainly, it replays files given as arguments (`koopscope-fuzz-dump FILE…`), each through
//   the same path, and prints what the reader said — how a finding is looked at again.
import Foundation
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
/// Where this process writes each input: one file per process, so fork mode's workers never
/// share one.
let scratchPath = NSTemporaryDirectory() + "koopscope-fuzz-\(getpid()).h5"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    guard FileManager.default.createFile(atPath: scratchPath, contents: bytes) else { return 0 }
    _ = exerciseDump(at: scratchPath)
    return 0
}

/// libFuzzer's `LLVMFuzzerRunDriver(int *argc, char ***argv, int (*)(const uint8_t *, size_t))`.
typealias FuzzerDriver = @convention(c) (UnsafeMutablePointer<CInt>,
    UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The process's entry point under SwiftPM, which links an executable's `main` under the
/// target's name: it hands the command line to libFuzzer's driver, linked in by
/// `-sanitize=fuzzer`.
@_cdecl("koopscope_fuzz_dump_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "LLVMFuzzerRunDriver") else {
        FileHandle.standardError.write(Data("koopscope-fuzz-dump: built without libFuzzer (-sanitize=fuzzer)\n".utf8))
        return 2
    }
    let driver = unsafeBitCast(symbol, to: FuzzerDriver.self)
    var count = argc, arguments = argv
    return driver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
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
