import ArgumentParser
import Foundation
import KoopScope

/// The `koopscope` command line.
@main
struct KoopScopeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "koopscope",
        abstract: "Koopman spectra and Dynamic Spectral Dispersion of language-model hidden states.",
        discussion: """
            Reads HDF5 dumps of last-layer hidden-state trajectories written from PyTorch \
            (see docs/dump-format.md).
            """,
        version: koopscopeVersion,
        subcommands: [Inspect.self, Analyze.self, Merge.self, FitDictionary.self, Report.self, Train.self, Experiment.self])

    static func main() {
        MemoryAllocator.keepFreedMemory()
        CrashGuard.install()
        if let file = ProcessInfo.processInfo.environment["KOOPSCOPE_CRASH_CHECK"] { crashWhileReading(file) }
        if let file = ProcessInfo.processInfo.environment["KOOPSCOPE_HANG_CHECK"] { hangWhileReading(file) }
        main(nil)
    }

    /// Crashes in koopscope's own code while `file` is named as being read and `file.partial`
    /// as the output being written, so that the crash report can be checked: it must call it an
    /// internal error (status 70), not blame the file, and remove the partial output.
    static func crashWhileReading(_ file: String) -> Never {
        _ = FileManager.default.createFile(atPath: file + ".partial", contents: Data("partial".utf8))
        CrashGuard.reading(file)
        CrashGuard.addTemporary(file + ".partial")
        // An out-of-range index: the same runtime trap a bug in koopscope would hit.
        let none: [Int] = []
        _ = none[file.count]
        Foundation.exit(0)
    }

    /// Never returns from a watched read of `file` (as HDF5 on a corrupt string heap), with
    /// `file.partial` as the output being written, so that the watchdog can be checked: it must
    /// end the process with status 1, name the file, and remove the partial output.
    static func hangWhileReading(_ file: String) -> Never {
        _ = FileManager.default.createFile(atPath: file + ".partial", contents: Data("partial".utf8))
        CrashGuard.addTemporary(file + ".partial")
        CrashGuard.watching(file, "/prompts") { while true { sleep(1) } }
        Foundation.exit(0)
    }
}
