import Foundation
@_exported import _TestSupport

/// The result of running the `koopscope` binary.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The `koopscope` binary built beside the test runner.
let koopscopeBinary: URL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    .deletingLastPathComponent().appendingPathComponent("koopscope")

/// The test program that crashes and hangs under the crash guard on purpose.
let crashCheckBinary: URL = koopscopeBinary.deletingLastPathComponent().appendingPathComponent("koopscope-crash-check")

/// Runs `koopscope` with `arguments` and collects its exit status and output.
func koopscope(_ arguments: String...) throws -> CommandResult {
    try koopscope(arguments)
}

/// Runs `koopscope` with `arguments` and `stdin` as its standard input.
func koopscope(_ arguments: String..., stdin: String) throws -> CommandResult {
    try run(koopscopeBinary, arguments, input: stdin)
}

/// Runs `koopscope` with `arguments`, in `directory`, with `environment` added to the test's own
/// and the variables `removing` names taken out of it.
func koopscope(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
               removing: [String] = []) throws -> CommandResult {
    try run(koopscopeBinary, arguments, in: directory, environment: environment, removing: removing)
}

/// Runs `program` with `arguments` and collects its exit status and output.
func run(_ program: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
         removing: [String] = [], input: String? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if !environment.isEmpty || !removing.isEmpty {
        var merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        for name in removing { merged[name] = nil }
        process.environment = merged
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let inputPipe = input.map { _ in Pipe() }
    if let inputPipe { process.standardInput = inputPipe }
    try process.run()
    if let inputPipe, let input {
        inputPipe.fileHandleForWriting.write(Data(input.utf8))
        try inputPipe.fileHandleForWriting.close()
    }
    // Read both pipes before waiting, so a large output cannot block the child.
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: stdoutData, as: UTF8.self),
                         stderr: String(decoding: stderrData, as: UTF8.self))
}

