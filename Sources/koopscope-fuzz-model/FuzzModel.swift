// The readers of checkpoint folders under a fuzzer: every input is written to a file and read as
// a safetensors file (header and every tensor), as a tokenizer.json (loaded, then a fixed text
// encoded and decoded) and as a config.json. Built two ways (scripts/fuzz-model):
//
// - with `-sanitize=fuzzer -parse-as-library -DFUZZING` (and `--export-dynamic`), libFuzzer
//   drives `fuzzOneInput`;
// - plainly, it replays files given as arguments (`koopscope-fuzz-model FILE…`) through the
//   same path and prints what each reader said.
import Foundation
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
/// Where this process writes each input: one file per process, so fork mode's workers never
/// share one.
let scratchPath = NSTemporaryDirectory() + "koopscope-fuzz-model-\(getpid()).bin"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    guard FileManager.default.createFile(atPath: scratchPath, contents: bytes) else { return 0 }
    _ = exerciseModelFiles(at: scratchPath)
    return 0
}

/// libFuzzer's `LLVMFuzzerRunDriver(int *argc, char ***argv, int (*)(const uint8_t *, size_t))`.
typealias FuzzerDriver = @convention(c) (UnsafeMutablePointer<CInt>,
    UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The process's entry point under SwiftPM: it hands the command line to libFuzzer's driver.
@_cdecl("koopscope_fuzz_model_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "LLVMFuzzerRunDriver") else {
        FileHandle.standardError.write(Data("koopscope-fuzz-model: built without libFuzzer (-sanitize=fuzzer)\n".utf8))
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
            print("\(path): " + exerciseModelFiles(at: path).joined(separator: "; "))
        }
    }
}
#endif
