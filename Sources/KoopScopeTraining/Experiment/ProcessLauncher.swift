import Foundation

/// Starts each job as a child process of `executable` (the `koopscope` binary) in the
/// experiment's folder, its output appended to its log.
public final class ProcessLauncher: ExperimentLauncher {
    public let executable: URL
    public let workingDirectory: URL
    /// Added to the parent's environment.
    public let environment: [String: String]

    public init(executable: URL, workingDirectory: URL, environment: [String: String] = [:]) {
        self.executable = executable
        self.workingDirectory = workingDirectory
        self.environment = environment
    }

    public func launch(_ job: ExperimentJob) throws -> any ExperimentChild {
        let process = Process()
        process.executableURL = executable
        process.arguments = job.arguments
        process.currentDirectoryURL = workingDirectory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
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
        return ChildProcess(process)
    }

    private final class ChildProcess: ExperimentChild {
        let process: Process
        init(_ process: Process) { self.process = process }
        var isRunning: Bool { process.isRunning }
        var terminationStatus: Int32 { process.terminationStatus }
        func terminate() { process.terminate() }
    }
}
