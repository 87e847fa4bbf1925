// A test program for the crash guard and the watchdog that programs install: it crashes, or
// never returns from a watched read, on purpose, so that the tests can check what a user would
// see. It is built for the tests only; `koopscope` itself has no such hook.
//
//   koopscope-crash-check crash FILE   # a trap in koopscope's code while FILE is being read
//   koopscope-crash-check hang FILE    # a watched read of FILE that never returns
import Foundation
import KoopScope

@main
enum CrashCheck {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count == 3 else {
            FileHandle.standardError.write(Data("usage: koopscope-crash-check crash|hang FILE\n".utf8))
            exit(2)
        }
        CrashGuard.install()
        let file = arguments[2]
        // Two writers on two threads, each with a partial output: a crash must remove both.
        let outputs = [file + ".partial", file + ".partial-2"]
        DispatchQueue.concurrentPerform(iterations: outputs.count) { k in
            _ = FileManager.default.createFile(atPath: outputs[k], contents: Data("partial".utf8))
            CrashGuard.addTemporary(outputs[k])
        }
        switch arguments[1] {
        case "crash":
            CrashGuard.reading(file)
            // An out-of-range index: the same runtime trap a bug in koopscope would hit.
            let none: [Int] = []
            _ = none[file.count]
        case "hang":
            CrashGuard.watching(file, "/prompts") { while true { sleep(1) } }
        default:
            exit(2)
        }
        exit(0)
    }
}
