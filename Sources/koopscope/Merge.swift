import ArgumentParser
import Foundation
import KoopScope

/// `koopscope merge PART.json… -o ALL.json`: the parts of a sharded analysis as one report.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the JSON parts of a sharded analysis into the report of one unsharded run.",
        discussion: """
            The parts are what `koopscope analyze DUMP --shard K/N --format json` wrote for \
            K = 1…N, given in any order. The result equals, byte for byte, the report of one \
            unsharded run: the trajectories in dump order and the summary recomputed from all \
            of them. Parts of different dumps, dictionaries or settings, and a missing or \
            repeated shard, are refused and nothing is written. See docs/scaling.md.
            """)

    @Argument(help: ArgumentHelp("The parts (JSON).", valueName: "part"))
    var parts: [String]

    @Option(name: [.short, .long], help: ArgumentHelp("Write the report here (atomically) instead of to stdout.",
                                                      valueName: "file"))
    var output: String?

    func run() throws {
        let texts = try parts.map { path -> (path: String, text: String) in
            guard FileManager.default.fileExists(atPath: path) else { throw ReportError.notFound(path: path) }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MergeError.malformed(path: path, detail: "cannot be read")
            }
            return (path, String(decoding: data, as: UTF8.self))
        }
        let merged = try AnalysisMerge.merge(texts)
        let out = try OutputStream(path: output)
        try out.write(merged)
        try out.commit()
    }
}
