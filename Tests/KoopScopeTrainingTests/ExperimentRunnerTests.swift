import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

/// A launcher that starts nothing: each job "finishes" at once with the status given for it,
/// and the order of launches is kept.
private final class FakeLauncher: ExperimentLauncher {
    final class Child: ExperimentChild {
        let terminationStatus: Int32
        init(_ status: Int32) { terminationStatus = status }
        var isRunning: Bool { false }
        func terminate() {}
    }

    var launched: [ExperimentJob] = []
    var failing: Set<String> = []

    func launch(_ job: ExperimentJob) throws -> any ExperimentChild {
        launched.append(job)
        return Child(failing.contains(job.name) ? 3 : 0)
    }
}

@Suite("Running an experiment")
struct ExperimentRunnerTests {
    let plan = try! ExperimentPlan(arms: ["grpo", "relax"], seeds: [1, 2], flags: [("steps", "4")])

    @Test func warmUpsRunBeforeTheArmsThatStartFromThem() throws {
        let dir = temporaryDirectory().appendingPathComponent("exp").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let runner = try ExperimentRunner(plan: plan, directory: dir)
        try runner.prepare()
        let jobs = try runner.pendingJobs { _ in }
        #expect(jobs.map(\.name) == ["warmup/seed-1", "warmup/seed-2", "grpo/seed-1", "relax/seed-1", "grpo/seed-2", "relax/seed-2"])
        #expect(jobs[2].after == ["warmup/seed-1"] && jobs[5].after == ["warmup/seed-2"])
        #expect(jobs[3].arguments.starts(with: ["train", "--run-dir", "relax/seed-1", "--quiet"]))
        #expect(jobs[3].arguments.contains("--method") && jobs[3].arguments.contains("relax"))

        let launcher = FakeLauncher()
        try ExperimentScheduler(launcher: launcher, width: 1, pollInterval: 0).run(jobs) { _ in }
        let order = launcher.launched.map(\.name)
        for job in jobs where !job.after.isEmpty {
            #expect(order.firstIndex(of: job.after[0])! < order.firstIndex(of: job.name)!)
        }
    }

    @Test func aFailedRunStopsWhatDependsOnItAndIsNamed() throws {
        let dir = temporaryDirectory().appendingPathComponent("exp").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let runner = try ExperimentRunner(plan: plan, directory: dir)
        try runner.prepare()
        let launcher = FakeLauncher()
        launcher.failing = ["warmup/seed-1"]
        var lines: [String] = []
        #expect(throws: ExperimentRunFailure.self) {
            try ExperimentScheduler(launcher: launcher, width: 1, pollInterval: 0).run(try runner.pendingJobs { _ in }) { lines.append($0) }
        }
        #expect(!launcher.launched.map(\.name).contains("grpo/seed-1"))
        #expect(lines.contains { $0.contains("warmup/seed-1 FAILED (status 3)") })
    }

    /// What a rerun does with each run: skip the finished, resume a started arm, start afresh
    /// (its partial folder wiped) what has no configuration yet.
    @Test func aRerunSkipsResumesAndWipes() throws {
        let dir = temporaryDirectory().appendingPathComponent("exp").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let runner = try ExperimentRunner(plan: plan, directory: dir)
        try runner.prepare()
        let fm = FileManager.default
        func touch(_ path: String) throws {
            try fm.createDirectory(atPath: (dir + "/" + path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = fm.createFile(atPath: dir + "/" + path, contents: Data("{}".utf8))
        }
        try touch("warmup/seed-1/checkpoints/step-000000/state.json")      // finished
        try touch("grpo/seed-1/checkpoints/step-000004/state.json")        // finished after its 4 steps
        try touch("relax/seed-1/config.toml")                              // started
        try touch("warmup/seed-2/metrics.jsonl")                           // partial, no configuration
        let jobs = try runner.pendingJobs { _ in }
        #expect(jobs.map(\.name) == ["warmup/seed-2", "relax/seed-1", "grpo/seed-2", "relax/seed-2"])
        #expect(jobs[1].arguments == ["train", "--run-dir", "relax/seed-1", "--resume", "--quiet"] && jobs[1].after.isEmpty)
        #expect(!fm.fileExists(atPath: dir + "/warmup/seed-2/metrics.jsonl"), "a partial run is wiped")
        #expect(jobs[2].after == ["warmup/seed-2"])

        // The folder of another experiment, or a foreign non-empty one, is refused.
        let other = try ExperimentRunner(plan: try ExperimentPlan(arms: ["grpo"], seeds: [1], flags: []), directory: dir)
        #expect(throws: ExperimentError.self) { try other.prepare() }
        let foreign = temporaryDirectory()
        defer { try? fm.removeItem(at: foreign) }
        _ = fm.createFile(atPath: foreign.path + "/notes.txt", contents: Data())
        #expect(throws: ExperimentError.self) { try ExperimentRunner(plan: plan, directory: foreign.path).prepare() }
        #expect(throws: ExperimentError.self) { try ExperimentRunner(plan: plan, directory: dir, reuse: "/no/such/folder") }
    }
}
