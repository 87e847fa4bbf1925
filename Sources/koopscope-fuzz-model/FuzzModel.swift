// The readers of checkpoint folders under a fuzzer: every input is written to a file and read as
// a safetensors file (header and every tensor), as a tokenizer.json (loaded, then a fixed text
// encoded and decoded) and as a config.json. Built two ways (scripts/fuzz-model):
//
// - with `-sanitize=fuzzer -parse-as-library -DFUZZING` (and `--export-dynamic`), libFuzzer
//   drives `fuzzOneInput`;
// - plainly, it replays files given as arguments (`koopscope-fuzz-model FILE…`) through the
//   same path and prints what each reader said.
import Foundation
import _FuzzDriver
import KoopScopeTraining

/// Reads `path` with each reader; returns what each said. Errors are the expected outcome for
/// most inputs: the fuzzer looks for crashes, hangs and unbounded memory.
func exerciseModelFiles(at path: String) -> [String] {
    var outcomes: [String] = []
    do {
        let file = try SafetensorsFile(path: path)
        for name in file.names {
            let entry = try file.entry(name)
            if entry.count <= 1 << 24 { _ = try? file.floats(name) }
        }
        outcomes.append("safetensors: \(file.names.count) tensors")
    } catch { outcomes.append("safetensors: \(error)") }
    do {
        let tokenizer = try ByteLevelBPETokenizer(contentsOf: path)
        let ids = tokenizer.encode("Hello, world! 12345 — ünïcode 你好 🚀\n\t  x")
        outcomes.append("tokenizer: \(ids.count) ids, \(tokenizer.decode(ids).count) characters back")
    } catch { outcomes.append("tokenizer: \(error)") }
    do {
        let configuration = try DecoderConfiguration(contentsOf: path)
        outcomes.append("config: \(configuration.architecture.rawValue)")
    } catch { outcomes.append("config: \(error)") }
    return outcomes
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let path = FuzzDriver.scratch(data, size, name: "koopscope-fuzz-model") else { return 0 }
    _ = exerciseModelFiles(at: path)
    return 0
}

/// The process's entry point under SwiftPM, which links an executable's `main` under the
/// target's name: libFuzzer's driver takes the command line.
@_cdecl("koopscope_fuzz_model_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, program: "koopscope-fuzz-model", test: fuzzOneInput)
}
#else
@main
enum Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            print("\(path): " + exerciseModelFiles(at: path).joined(separator: "; "))
        }
    }
}
#endif
