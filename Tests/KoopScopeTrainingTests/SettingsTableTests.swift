import Foundation
import Testing
@testable import KoopScopeTraining

/// The one table of training settings: names unique, the documentation listing exactly its
/// settings, resuming governed by its `resumable` column.
@Suite("Settings table")
struct SettingsTableTests {
    let names = TrainingConfiguration.keys.map(\.name)

    func documentation() throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("docs/training.md"), encoding: .utf8)
    }

    @Test func namesAreUniqueAndEverySettingRoundTripsThroughTOML() throws {
        #expect(Set(names).count == names.count)
        var c = TrainingConfiguration()
        try c.set("relax-alpha", to: "0.3", source: "test")
        var back = TrainingConfiguration()
        let entries = try TOMLFile.parse(c.toml, path: "test")
        #expect(entries.map(\.key) == names, "the saved configuration lists every setting, in the table's order")
        for entry in entries { try back.set(entry.key, to: entry.value, source: "test") }
        #expect(back.toml == c.toml)
    }

    @Test func documentationListsExactlyTheSettings() throws {
        let text = try documentation()
        let section = try #require(text.components(separatedBy: "## Settings").dropFirst().first?
            .components(separatedBy: "\n## ").first)
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| group") }
        let documented = rows.flatMap { row in
            row.matches(of: /`([a-z0-9-]+)` \(/).map { String($0.output.1) }
        }
        #expect(documented.sorted() == names.sorted(), "docs/training.md's settings table names each setting once")
        let resuming = try #require(text.components(separatedBy: "## Resuming").dropFirst().first?
            .components(separatedBy: "\n## ").first)
        let flags = Set(resuming.matches(of: /`--([a-z0-9-]+)`/).map { String($0.output.1) }).subtracting(["resume"])
        #expect(flags == TrainingConfiguration.resumableKeys, "the Resuming section names the resumable settings")
    }

    @Test func onlyResumableSettingsMayDifferBetweenARunAndItsResumption() throws {
        let base = TrainingConfiguration()
        #expect(TrainingConfiguration.resumableKeys == ["steps", "eval-every", "dump-every", "checkpoint-every", "device"])
        for (key, value) in [("steps", "7"), ("eval-every", "3"), ("dump-every", "2"), ("checkpoint-every", "1"), ("device", "auto")] {
            var c = base
            try c.set(key, to: value, source: "test")
            #expect(c.trainsLike(base), "\(key) may change on resuming")
        }
        for (key, value) in [("relax-alpha", "0.5"), ("seed", "3"), ("method", "relax"), ("epsilon-high", "0.3"), ("task", "sorting")] {
            var c = base
            try c.set(key, to: value, source: "test")
            #expect(!c.trainsLike(base), "\(key) changes training")
        }
        var explicit = base
        try explicit.set("epsilon-high", to: "0.2", source: "test")
        #expect(explicit.trainsLike(base), "a default written out trains like the default left implicit")
    }
}

@Suite("Resolving a run's settings")
struct SettingsResolutionTests {
    @Test func aRecipeGoesFirstWhereverItStands() throws {
        for flags in [[("dual-clip", "4"), ("recipe", "relax-authors")], [("recipe", "relax-authors"), ("dual-clip", "4")]] {
            let c = try TrainingConfiguration.resolve(.init(flags: flags))
            #expect(c.dualClip == 4 && c.weightDecay == 0 && c.epsilonLow == 1, "\(flags)")
        }
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("c.toml").path
        try "weight-decay = 0.5\nlr = 0.002\n".write(toFile: file, atomically: true, encoding: .utf8)
        // The flag's recipe goes before the file's settings too; the flags go after the file.
        let c = try TrainingConfiguration.resolve(.init(flags: [("recipe", "relax-authors"), ("lr", "0.003")], file: file))
        #expect(c.weightDecay == 0.5 && c.learningRate == 0.003 && c.dualClip == 10)
    }

    @Test func aResumedRunChangesOnlyResumableSettings() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: TrainingError.self) { try TrainingConfiguration.resolve(.init(resumeDirectory: dir.path)) }
        var saved = TrainingConfiguration()
        saved.steps = 5
        try saved.toml.write(toFile: dir.path + "/config.toml", atomically: true, encoding: .utf8)
        let resumed = try TrainingConfiguration.resolve(.init(flags: [("steps", "9")], resumeDirectory: dir.path))
        #expect(resumed.steps == 9)
        #expect(throws: TrainingError.self) {
            try TrainingConfiguration.resolve(.init(flags: [("lr", "0.1")], resumeDirectory: dir.path))
        }
        #expect(throws: TrainingError.self) {
            try TrainingConfiguration.resolve(.init(file: dir.path + "/config.toml", resumeDirectory: dir.path))
        }
    }
}

@Suite("Training settings past their bounds")
struct TrainingBoundsTests {
    @Test func sizesPastTheLimitsAreRefusedNamingTheSetting() throws {
        for (key, value, message) in [("model-dim", "10000000", "must be at most 262144"), ("koopman-dim", "5000", "must be at most 4096"),
                                      ("context", "2000000", "must be at most 1048576"), ("group-size", "100000", "must be at most 65536")] {
            #expect(throws: TrainingError.self) { try TrainingConfiguration.resolve(.init(flags: [(key, value)])) }
            do { _ = try TrainingConfiguration.resolve(.init(flags: [(key, value)])) } catch {
                #expect("\(error)".contains("--\(key)") && "\(error)".contains(message), "\(error)")
            }
        }
        // Each within its bound, together past any machine's memory: refused before allocating.
        do {
            _ = try TrainingConfiguration.resolve(.init(flags: [("model-dim", "200000"), ("mlp-dim", "200000")]))
            Issue.record("a 10¹² parameter policy must be refused")
        } catch {
            #expect("\(error)".contains("more than this machine's"), "\(error)")
        }
    }
}

@Suite("Configuration files")
struct TOMLFileTests {
    @Test func entriesComeInLineOrderWithTheirLines() throws {
        let entries = try TOMLFile.parse("# a run\nsteps = 1_000\n\nlr = 1e-6  # paper\ntask = \"count\\\"down\"\nquiet = false\n",
                                         path: "run.toml")
        #expect(entries.map(\.key) == ["steps", "lr", "task", "quiet"])
        #expect(entries.map(\.value) == ["1000", "1e-06", "count\"down", "false"])
        #expect(entries.map(\.line) == [2, 4, 5, 6])
    }

    @Test func whatARunCannotTakeIsNamedWithItsLine() {
        for (text, message) in [("steps = 1\n[grpo]\nlr = 1\n", "run.toml:2: [grpo]: tables are not supported"),
                                ("steps = [1, 2]\n", "run.toml:1: steps: arrays are not supported"),
                                ("steps = 1\nsteps = 2\n", "run.toml:2"), ("lr = \n", "run.toml:1")] {
            do { _ = try TOMLFile.parse(text, path: "run.toml"); Issue.record("\(text) must be refused") } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }

    @Test func renderedStringsReadBack() throws {
        let text = TOMLFile.render([("task", "a \"quoted\"\nline\\", true), ("steps", "3", false)])
        #expect(try TOMLFile.parse(text, path: "x").map(\.value) == ["a \"quoted\"\nline\\", "3"])
    }
}
