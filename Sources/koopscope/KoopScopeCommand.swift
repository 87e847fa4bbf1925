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
        subcommands: [Inspect.self, Analyze.self, Merge.self, Compare.self, FitDictionary.self, Report.self, Train.self, Experiment.self,
                      Tokenize.self, RolloutCommand.self, Dataset.self, Export.self])

    static func main() {
        MemoryAllocator.keepFreedMemory()
        CrashGuard.install()
        main(nil)
    }
}
