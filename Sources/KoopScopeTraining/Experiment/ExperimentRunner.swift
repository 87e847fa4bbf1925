import Foundation
import KoopScope

/// Carries out an experiment's plan in its folder: creates the folder (or checks that it holds
/// this very experiment, to resume it), decides what each run needs — nothing when it finished,
/// a copy when another experiment finished it with the same settings, `--resume` when an arm
/// started, a fresh start (its partial folder wiped) otherwise — has a scheduler run those, and
/// writes the summary and the report.
///
/// ```swift
/// let plan = try ExperimentPlan(arms: ["grpo", "relax"], seeds: [1, 2], flags: [("steps", "50")])
/// let runner = try ExperimentRunner(plan: plan, directory: "exp")
/// let launcher = ProcessLauncher(executable: URL(fileURLWithPath: "/usr/local/bin/koopscope"),
///                                workingDirectory: URL(fileURLWithPath: "exp"))
/// try runner.run(with: ExperimentScheduler(launcher: launcher, width: 2)) { print($0) }
/// ```
public struct ExperimentRunner: Sendable {
    public let plan: ExperimentPlan
    /// The experiment's folder.
    public let directory: String
    /// Another experiment's folder whose finished runs are copied where they train alike.
    public let reuse: String?
    /// The runs of `reuse` that train exactly as this plan's, found before anything is written.
    let reusable: [ExperimentPlan.Run]

    /// Checks `reuse` and finds its reusable runs (a run trained otherwise is refused, naming
    /// the setting) before the experiment's folder is touched.
    public init(plan: ExperimentPlan, directory: String, reuse: String? = nil) throws {
        if let reuse {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: reuse, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ExperimentError.invalidFlag(flag: "--reuse", detail: "\(reuse) is not a folder")
            }
        }
        self.plan = plan
        self.directory = directory
        self.reuse = reuse
        reusable = try reuse.map { try plan.reusableRuns(from: $0) } ?? []
    }

    /// Prepares the folder, runs what is left through `scheduler`, and summarises.
    public func run(with scheduler: ExperimentScheduler, progress: (String) -> Void) throws {
        try prepare()
        let jobs = try pendingJobs(progress: progress)
        progress("experiment in \(directory): \(plan.arms.count) arms × \(plan.seeds.count) seeds; "
                 + "\(jobs.count) runs to do, \(scheduler.width) at a time")
        try scheduler.run(jobs, progress: progress)
        try summarise()
    }

    /// Creates the folder with its `experiment.txt`; or, holding this very experiment, keeps it
    /// to resume; anything else is refused.
    public func prepare() throws {
        let fm = FileManager.default
        let marker = directory + "/experiment.txt"
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ExperimentError.outputDirectory(path: directory, detail: "is a file, not a folder") }
            if let saved = try? String(contentsOfFile: marker, encoding: .utf8) {
                guard saved == plan.specification else {
                    throw ExperimentError.outputDirectory(path: directory, detail: "holds a different experiment (see \(marker)); "
                                                          + "give the same arms, seeds and flags to resume it, or another --out")
                }
                return
            }
            guard (try fm.contentsOfDirectory(atPath: directory)).isEmpty else {
                throw ExperimentError.outputDirectory(path: directory, detail: "is not empty and holds no experiment")
            }
        }
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try AtomicFile.write(Data(plan.specification.utf8), to: marker)
        } catch {
            throw ExperimentError.outputDirectory(path: directory, detail: "cannot be created: \(error.localizedDescription)")
        }
    }

    /// The runs still to do, warm-ups first: finished ones are skipped, reusable ones copied now
    /// (`progress` says so), an arm that started resumes, anything else starts afresh.
    public func pendingJobs(progress: (String) -> Void) throws -> [ExperimentJob] {
        let fm = FileManager.default
        var jobs: [ExperimentJob] = []
        for run in plan.seeds.map(plan.warmUp(seed:)) + plan.runs {
            let folder = "\(directory)/\(run.directory)"
            if fm.fileExists(atPath: "\(directory)/\(try plan.finishedMarker(of: run))") { continue }
            if let reuse, reusable.contains(run), try plan.copy(run, from: reuse, into: directory) {
                progress("copied \(run.directory) from \(reuse)")
                continue
            }
            var arguments = ["train", "--run-dir", run.directory, "--quiet"] + run.settings.flatMap { ["--" + $0.key, $0.value] }
            if run.arm != nil && fm.fileExists(atPath: folder + "/config.toml") {
                arguments = ["train", "--run-dir", run.directory, "--resume", "--quiet"]
            } else {
                try? fm.removeItem(atPath: folder)
            }
            let warm = plan.warmUp(seed: run.seed).directory
            let log = run.arm == nil ? "logs/warmup-seed-\(run.seed).log"
                : "logs/\(run.directory.replacingOccurrences(of: "/", with: "-")).log"
            jobs.append(ExperimentJob(name: run.directory, arguments: arguments, log: log,
                                      after: run.arm != nil && jobs.contains { $0.name == warm } ? [warm] : []))
        }
        return jobs
    }

    /// Writes summary.json, summary.md, report.html and the figures from the finished runs.
    public func summarise() throws {
        let summary = try ExperimentSummary(plan: plan, directory: directory)
        try summary.write(to: directory)
        let report = ExperimentReport(
            title: "koopscope experiment: " + plan.arms.map(\.name).joined(separator: ", "),
            arms: summary.arms.map { ($0.name, $0.metrics) },
            tables: [.init(title: "Paired comparisons with \(plan.arms[0].name)", headers: ExperimentSummary.comparisonHeaders,
                           rows: summary.comparisonRows)])
        try FileManager.default.createDirectory(atPath: directory + "/figures", withIntermediateDirectories: true)
        for (name, svg) in report.svgFiles { try AtomicFile.write(Data(svg.utf8), to: "\(directory)/figures/\(name).svg") }
        try AtomicFile.write(Data(report.html.utf8), to: directory + "/report.html")
    }
}
