import ArgumentParser
import Foundation
import KoopScope
import KoopScopeTraining

/// `koopscope experiment`: methods compared over seeds, paired, with honest statistics.
struct Experiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train several methods over several seeds, paired by seed, and compare them.",
        discussion: """
            Every training flag (`koopscope train --help`) may follow and applies to every run. Each seed is \
            warmed up once (DIR/warmup/seed-S, the --sft-steps given) and every arm of that seed starts from \
            that policy, draws the same prompts and fits its dictionary on the same first rollouts. Runs are \
            normal run directories, DIR/ARM/seed-S, run in parallel processes. Running the same command again \
            resumes a killed experiment; --reuse copies in the runs another experiment already finished with the \
            same settings (its warm-ups, and the arms they share). At the end DIR/summary.json, DIR/summary.md and DIR/report.html \
            (with SVGs in DIR/figures/) compare every arm with the first.
            Arms: a method (grpo, relax, entropy-reg, clip-higher, kl-cov, clip-cov) or an ablation \
            (relax-random-dictionary, relax-no-advantage-shaping, relax-uniform-kl), then optional \
            :key=value settings, e.g. relax:alpha=0.3:relax-variant=reference.
            """)

    @Option(help: "Folder of the experiment (created; a rerun with the same arms, seeds and flags resumes it).")
    var out: String

    @Option(help: "Comma-separated arms; the first is the baseline of every comparison.")
    var arms: String

    @Option(help: "Comma-separated seeds (non-negative integers, no repeats).")
    var seeds: String

    @Option(help: "Runs at once (default: the number of cores).")
    var jobs: Int?

    @Option(help: ArgumentHelp("Another experiment's folder: its finished runs that train exactly as this one's "
                                + "(warm-ups, shared arms) are copied instead of trained again.", valueName: "dir"))
    var reuse: String?

    @Flag(help: "Print no progress lines.")
    var quiet = false

    @Argument(parsing: .allUnrecognized, help: "Training flags for every run, as for `koopscope train`.")
    var trainFlags: [String] = []

    func run() throws {
        let plan = try ExperimentPlan(arms: arms.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
                                      seeds: try Self.seeds(seeds), flags: try TrainingFlags.parse(trainFlags))
        if let jobs, jobs < 1 { throw ExperimentError.invalidFlag(flag: "--jobs", detail: "must be at least 1, got \(jobs)") }
        let runner = try ExperimentRunner(plan: plan, directory: out, reuse: reuse)
        let width = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        // One BLAS thread per process when several run at once: the cores are already shared out.
        let launcher = ProcessLauncher(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
                                       workingDirectory: URL(fileURLWithPath: out),
                                       environment: width > 1 ? ["OPENBLAS_NUM_THREADS": "1"] : [:])
        let scheduler = ExperimentScheduler(launcher: launcher, width: width)
        let signals = Self.forwardSignals(to: scheduler)
        defer { _ = signals }
        try runner.run(with: scheduler) { line in if !quiet { FileHandle.standardError.write(Data("\(line)\n".utf8)) } }
        print("# summary in \(out)/summary.md, \(out)/summary.json; curves in \(out)/report.html")
        print(try String(contentsOfFile: out + "/summary.md", encoding: .utf8), terminator: "")
    }

    static func seeds(_ text: String) throws -> [UInt64] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let s = UInt64(part) else {
                throw ExperimentError.invalidFlag(flag: "--seeds", detail: "\"\(part)\" is not a non-negative integer")
            }
            return s
        }
    }

    /// SIGINT and SIGTERM stop the children too (a rerun resumes them from their checkpoints).
    static func forwardSignals(to queue: ExperimentScheduler) -> [DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                queue.terminateAll()
                Foundation.exit(128 + number)
            }
            source.resume()
            return source
        }
    }
}
