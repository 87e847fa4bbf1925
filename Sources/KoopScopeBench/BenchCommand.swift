import ArgumentParser
import KoopScope

/// `koopscope-bench`: the measurements behind docs/benchmarks.md (release build only).
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "koopscope-bench",
        abstract: "Benchmarks for koopscope (build with -c release).",
        subcommands: [GenerateDump.self, ReadDump.self, AnalyzeDump.self, GradientCost.self, FitCost.self, TrainingCost.self,
                      DeviceParity.self, LiftCost.self, DecoderCost.self])

    static func main() {
        MemoryAllocator.keepFreedMemory()
        CrashGuard.install()
        main(nil)
    }
}
