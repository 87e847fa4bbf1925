import Foundation
import KoopScopeTraining

/// Runs `koopscope train` child processes, at most `width` at once, each after the jobs it
/// depends on; each one's output goes to its own log file.
final class RunQueue {
    struct Job {
        var name: String
        var arguments: [String]
        var log: String
        /// Names of jobs that must finish first.
        var after: [String]
    }

    let executable: URL
    let workingDirectory: URL
    let width: Int
    let environment: [String: String]
    private var running: [(job: Job, process: Process, started: Date)] = []
    private let lock = NSLock()

    init(executable: URL, workingDirectory: URL, width: Int, environment: [String: String]) {
        self.executable = executable
        self.workingDirectory = workingDirectory
        self.width = max(1, width)
        self.environment = environment
    }

    /// Runs every job; `progress` hears of each start and end. Throws after the running jobs
    /// finish when one fails (jobs that depend on it are not started).
    func run(_ jobs: [Job], progress: (String) -> Void) throws {
        var pending = jobs, finished = Set<String>(), failures: [(Job, Int32)] = []
        let total = jobs.count
        var done = 0
        while !pending.isEmpty || !runningSnapshot().isEmpty {
            for entry in runningSnapshot() where !entry.process.isRunning {
                remove(entry.process)
                done += 1
                let seconds = Int(Date().timeIntervalSince(entry.started))
                if entry.process.terminationStatus == 0 {
                    finished.insert(entry.job.name)
                    progress("[\(done)/\(total)] \(entry.job.name) done in \(seconds) s")
                } else {
                    failures.append((entry.job, entry.process.terminationStatus))
                    progress("[\(done)/\(total)] \(entry.job.name) FAILED (status \(entry.process.terminationStatus)); see \(entry.job.log)")
                }
            }
            if failures.isEmpty {
                while runningSnapshot().count < width, let k = pending.firstIndex(where: { $0.after.allSatisfy(finished.contains) }) {
                    let job = pending.remove(at: k)
                    try start(job)
                    progress("started \(job.name)")
                }
            } else {
                pending.removeAll()
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        if let (job, status) = failures.first {
            throw ExperimentRunFailure(name: job.name, status: status, log: job.log, others: failures.count - 1)
        }
    }

    /// Stops every running child (on SIGINT or SIGTERM).
    func terminateAll() {
        for entry in runningSnapshot() { entry.process.terminate() }
    }

    private func start(_ job: Job) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = job.arguments
        process.currentDirectoryURL = workingDirectory
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let logURL = workingDirectory.appendingPathComponent(job.log)
        do {
            try FileManager.default.createDirectory(at: logURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw ExperimentError.run(path: logURL.path, detail: "cannot create the log's folder: \(error.localizedDescription)")
        }
        if !FileManager.default.fileExists(atPath: logURL.path),
           !FileManager.default.createFile(atPath: logURL.path, contents: nil) {
            throw ExperimentError.run(path: logURL.path, detail: "cannot create the log")
        }
        let handle = try FileHandle(forWritingTo: logURL)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        lock.lock(); running.append((job, process, Date())); lock.unlock()
    }

    private func runningSnapshot() -> [(job: Job, process: Process, started: Date)] {
        lock.lock(); defer { lock.unlock() }
        return running
    }

    private func remove(_ process: Process) {
        lock.lock(); running.removeAll { $0.process === process }; lock.unlock()
    }
}

/// A child run that exited with a non-zero status.
struct ExperimentRunFailure: Error, CustomStringConvertible {
    var name: String
    var status: Int32
    var log: String
    var others: Int
    var description: String {
        "run \(name) exited with status \(status); its output is in \(log)"
            + (others > 0 ? " (\(others) more failed)" : "") + ". Run the same command again to resume."
    }
}
