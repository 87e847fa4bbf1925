import Foundation

/// One `koopscope train` run of an experiment, as the scheduler starts it.
public struct ExperimentJob: Sendable, Equatable {
    /// The run's folder, relative to the experiment's (also its name in messages).
    public var name: String
    /// The `koopscope` arguments: `train --run-dir …`.
    public var arguments: [String]
    /// Where its output goes, relative to the experiment's folder.
    public var log: String
    /// Names of jobs that must finish first.
    public var after: [String]

    public init(name: String, arguments: [String], log: String, after: [String]) {
        self.name = name
        self.arguments = arguments
        self.log = log
        self.after = after
    }
}

/// A started job, as the scheduler watches it.
public protocol ExperimentChild: AnyObject {
    var isRunning: Bool { get }
    /// The exit status, once it is not running.
    var terminationStatus: Int32 { get }
    func terminate()
}

/// Starts jobs: child processes of `koopscope` (``ProcessLauncher``), or anything a test puts
/// in their place.
public protocol ExperimentLauncher: AnyObject {
    func launch(_ job: ExperimentJob) throws -> any ExperimentChild
}

/// Runs jobs through a launcher, at most `width` at once, each after the jobs it depends on.
///
/// ```swift
/// let launcher = ProcessLauncher(executable: URL(fileURLWithPath: "/usr/local/bin/koopscope"),
///                                workingDirectory: URL(fileURLWithPath: "exp"))
/// try ExperimentScheduler(launcher: launcher, width: 2).run(jobs) { print($0) }
/// ```
public final class ExperimentScheduler: @unchecked Sendable {
    public let launcher: any ExperimentLauncher
    public let width: Int
    /// How long to wait between looks at the running jobs.
    public let pollInterval: TimeInterval
    private var running: [(job: ExperimentJob, child: any ExperimentChild, started: Date)] = []
    private let lock = NSLock()

    public init(launcher: any ExperimentLauncher, width: Int, pollInterval: TimeInterval = 0.2) {
        self.launcher = launcher
        self.width = max(1, width)
        self.pollInterval = pollInterval
    }

    /// Runs every job; `progress` hears of each start and end. Throws after the running jobs
    /// finish when one fails (jobs not yet started are then left).
    public func run(_ jobs: [ExperimentJob], progress: (String) -> Void) throws {
        var pending = jobs, finished = Set<String>(), failures: [(ExperimentJob, Int32)] = []
        let total = jobs.count
        var done = 0
        while !pending.isEmpty || !runningSnapshot().isEmpty {
            for entry in runningSnapshot() where !entry.child.isRunning {
                remove(entry.child)
                done += 1
                let seconds = Int(Date().timeIntervalSince(entry.started))
                if entry.child.terminationStatus == 0 {
                    finished.insert(entry.job.name)
                    progress("[\(done)/\(total)] \(entry.job.name) done in \(seconds) s")
                } else {
                    failures.append((entry.job, entry.child.terminationStatus))
                    progress("[\(done)/\(total)] \(entry.job.name) FAILED (status \(entry.child.terminationStatus)); see \(entry.job.log)")
                }
            }
            if failures.isEmpty {
                while runningSnapshot().count < width, let k = pending.firstIndex(where: { $0.after.allSatisfy(finished.contains) }) {
                    let job = pending.remove(at: k)
                    let child = try launcher.launch(job)
                    lock.lock(); running.append((job, child, Date())); lock.unlock()
                    progress("started \(job.name)")
                }
                if runningSnapshot().isEmpty, let blocked = pending.first {
                    throw ExperimentError.run(path: blocked.name, detail: "waits for runs that are not in the experiment: "
                                              + blocked.after.filter { !finished.contains($0) }.joined(separator: ", "))
                }
            } else {
                pending.removeAll()
            }
            if pollInterval > 0 { Thread.sleep(forTimeInterval: pollInterval) }
        }
        if let (job, status) = failures.first {
            throw ExperimentRunFailure(name: job.name, status: status, log: job.log, others: failures.count - 1)
        }
    }

    /// Stops every running job (on SIGINT or SIGTERM).
    public func terminateAll() {
        for entry in runningSnapshot() { entry.child.terminate() }
    }

    private func runningSnapshot() -> [(job: ExperimentJob, child: any ExperimentChild, started: Date)] {
        lock.lock(); defer { lock.unlock() }
        return running
    }

    private func remove(_ child: any ExperimentChild) {
        lock.lock(); running.removeAll { $0.child === child }; lock.unlock()
    }
}

/// A run that exited with a non-zero status.
public struct ExperimentRunFailure: Error, CustomStringConvertible {
    public var name: String
    public var status: Int32
    public var log: String
    public var others: Int
    public var description: String {
        "run \(name) exited with status \(status); its output is in \(log)"
            + (others > 0 ? " (\(others) more failed)" : "") + ". Run the same command again to resume."
    }
}
