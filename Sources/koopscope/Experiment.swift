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
        let fm = FileManager.default
        var reusable: [ExperimentPlan.Run] = []
        if let reuse {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: reuse, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ExperimentError.invalidFlag(flag: "--reuse", detail: "\(reuse) is not a folder")
            }
            reusable = try plan.reusableRuns(from: reuse)
        }
        try Self.prepare(out, plan: plan)
        let width = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        // One BLAS thread per process when several run at once: the cores are already shared out.
        let environment = width > 1 ? ["OPENBLAS_NUM_THREADS": "1"] : [:]
        let queue = RunQueue(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
                             workingDirectory: URL(fileURLWithPath: out), width: width, environment: environment)
        let say: (String) -> Void = { line in if !quiet { FileHandle.standardError.write(Data("\(line)\n".utf8)) } }
        var jobsToRun: [RunQueue.Job] = []
        for run in plan.seeds.map(plan.warmUp(seed:)) + plan.runs {
            let folder = "\(out)/\(run.directory)"
            if fm.fileExists(atPath: "\(out)/\(try plan.finishedMarker(of: run))") { continue }
            if let reuse, reusable.contains(run), try plan.copy(run, from: reuse, into: out) {
                say("copied \(run.directory) from \(reuse)")
                continue
            }
            var arguments = Self.arguments(run)
            if run.arm != nil && fm.fileExists(atPath: folder + "/config.toml") {
                arguments = ["train", "--run-dir", run.directory, "--resume", "--quiet"]
            } else {
                try? fm.removeItem(atPath: folder)
            }
            let warm = plan.warmUp(seed: run.seed).directory
            let log = run.arm == nil ? "logs/warmup-seed-\(run.seed).log"
                : "logs/\(run.directory.replacingOccurrences(of: "/", with: "-")).log"
            jobsToRun.append(.init(name: run.directory, arguments: arguments, log: log,
                                   after: run.arm != nil && jobsToRun.contains { $0.name == warm } ? [warm] : []))
        }
        say("experiment in \(out): \(plan.arms.count) arms × \(plan.seeds.count) seeds; \(jobsToRun.count) runs to do, \(width) at a time")
        let signals = Self.forwardSignals(to: queue)
        defer { _ = signals }
        try queue.run(jobsToRun, progress: say)
        try Self.summarise(plan, in: out)
        print("# summary in \(out)/summary.md, \(out)/summary.json; curves in \(out)/report.html")
        print(try String(contentsOfFile: out + "/summary.md", encoding: .utf8), terminator: "")
    }

    /// Writes summary.json, summary.md, report.html and the figures from the finished runs.
    static func summarise(_ plan: ExperimentPlan, in out: String) throws {
        let summary = try ExperimentSummary(plan: plan, directory: out)
        try summary.write(to: out)
        let report = ExperimentReport(
            title: "koopscope experiment: " + plan.arms.map(\.name).joined(separator: ", "),
            arms: summary.arms.map { ($0.name, $0.metrics) },
            tables: [.init(title: "Paired comparisons with \(plan.arms[0].name)", headers: ExperimentSummary.comparisonHeaders,
                           rows: summary.comparisonRows)])
        try FileManager.default.createDirectory(atPath: out + "/figures", withIntermediateDirectories: true)
        for (name, svg) in report.svgFiles { try AtomicFile.write(Data(svg.utf8), to: "\(out)/figures/\(name).svg") }
        try AtomicFile.write(Data(report.html.utf8), to: out + "/report.html")
    }

    /// `--out`: created with experiment.json; or, holding this very experiment, resumed; anything else refused.
    static func prepare(_ out: String, plan: ExperimentPlan) throws {
        let fm = FileManager.default
        let marker = out + "/experiment.txt"
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: out, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ExperimentError.outputDirectory(path: out, detail: "is a file, not a folder") }
            if let saved = try? String(contentsOfFile: marker, encoding: .utf8) {
                guard saved == plan.specification else {
                    throw ExperimentError.outputDirectory(path: out, detail: "holds a different experiment (see \(marker)); "
                                                          + "give the same arms, seeds and flags to resume it, or another --out")
                }
                return
            }
            guard (try fm.contentsOfDirectory(atPath: out)).isEmpty else {
                throw ExperimentError.outputDirectory(path: out, detail: "is not empty and holds no experiment")
            }
        }
        do {
            try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
            try AtomicFile.write(Data(plan.specification.utf8), to: marker)
        } catch {
            throw ExperimentError.outputDirectory(path: out, detail: "cannot be created: \(error.localizedDescription)")
        }
    }

    /// `koopscope train` arguments of a run (relative paths: the child runs in the experiment folder).
    static func arguments(_ run: ExperimentPlan.Run) -> [String] {
        ["train", "--run-dir", run.directory, "--quiet"] + run.settings.flatMap { ["--" + $0.key, $0.value] }
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
    static func forwardSignals(to queue: RunQueue) -> [DispatchSourceSignal] {
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
