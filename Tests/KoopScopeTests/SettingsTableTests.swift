import Foundation
import Testing
@testable import KoopScope

private func text(_ path: String) throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
}

/// A documented default as the table renders it: "none" and "none: …" are absent, booleans lowercase.
private func normalized(_ value: String) -> String {
    let v = value.trimmingCharacters(in: .whitespaces).lowercased()
    return v == "none" || v.hasPrefix("none:") ? "" : v
}

/// key → default of a Markdown table under `heading` whose first two columns are `key` and default.
private func markdownDefaults(_ document: String, under heading: String) -> [String: String] {
    guard let start = document.range(of: heading) else { return [:] }
    var out: [String: String] = [:]
    for line in document[start.upperBound...].split(separator: "\n").prefix(40) where line.hasPrefix("| `") {
        let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        out[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = normalized(cells[1])
    }
    return out
}

/// key → default from a Python docstring's "key [default]" list after `marker`.
private func docstringDefaults(_ source: String, after marker: String) throws -> [String: String] {
    guard let start = source.range(of: marker) else { return [:] }
    let tail = source[start.upperBound...]
    let end = tail.range(of: "\"\"\"")!.lowerBound
    let regex = try NSRegularExpression(pattern: #"([a-z_]+) \[([^\]]*)\]"#)
    let body = String(tail[..<end])
    var out: [String: String] = [:]
    for match in regex.matches(in: body, range: NSRange(body.startIndex..., in: body)) {
        let key = String(body[Range(match.range(at: 1), in: body)!])
        out[key] = normalized(String(body[Range(match.range(at: 2), in: body)!]))
    }
    return out
}

/// key → default from the header's " *   key   default   what" list after `marker`.
private func headerDefaults(_ header: String, after marker: String) -> [String: String] {
    guard let start = header.range(of: marker) else { return [:] }
    var out: [String: String] = [:]
    for line in header[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
        guard line.hasPrefix(" *   ") else { break }
        let words = line.dropFirst(5).split(separator: " ", omittingEmptySubsequences: true)
        out[String(words[0])] = normalized(words[1] == "\"\"" ? "" : String(words[1]))
    }
    return out
}

private func tableDefaults<C: SettingsTable>(_ type: C.Type) -> [String: String] {
    Dictionary(uniqueKeysWithValues: C.keys.map { ($0.name, normalized($0.defaultText)) })
}

@Suite struct SettingsTableTests {
    @Test func analysisDefaultsAreThePapers() throws {
        let c = AnalysisConfiguration()
        #expect(c.koopmanDimension == 50 && c.seed == 42 && c.ridge == 1e-3 && c.rcond == 1e-12)
        #expect(c.residualThreshold == 0.5 && c.batchSize == 64 && c.rank == .optimal && !c.identity)
        #expect(AnalysisSettings().estimator == .ridge(delta: 1e-3))
    }

    @Test func valuesAreReadFromTextAndJSON() throws {
        let flags = try AnalysisConfiguration(values: [("koopman_dim", .text("64")), ("pinv", .flag(true)),
                                                       ("rcond", .text("1e-10")), ("shard", .text("2/4"))], naming: .flag)
        #expect(flags.koopmanDimension == 64 && flags.estimator == .pseudoInverse(rcond: 1e-10))
        #expect(flags.shard == AnalysisShard(index: 2, count: 4))
        let json = try AnalysisConfiguration(values: [("identity", .flag(true)), ("rank", .number(3)),
                                                      ("population_variance", .flag(true))], naming: .option)
        #expect(json.rank == .fixed(3) && json.variance == .population)
    }

    @Test func boundsAreTypedErrorsNamingTheSettingAndTheBound() {
        #expect(throws: LimitError(what: "--koopman-dim", value: "1000000000000", bounds: 1...4096)) {
            try AnalysisConfiguration(values: [("koopman_dim", .text("1000000000000"))], naming: .flag)
        }
        #expect(throws: LimitError(what: "\"koopman_dim\"", value: "1000000000000", bounds: 1...4096)) {
            try AnalysisConfiguration(values: [("koopman_dim", .number(1e12))], naming: .option)
        }
        #expect(throws: LimitError.self) { try AnalysisConfiguration(values: [("koopman_dim", .number(2.5))], naming: .option) }
        #expect(throws: LimitError.self) { try AnalysisConfiguration(values: [("koopman_dim", .number(0))], naming: .option) }
        #expect(throws: LimitError.self) { try AnalysisConfiguration(values: [("batch_size", .text("0"))], naming: .flag) }
        #expect(throws: SettingError.invalid(setting: "--ridge", detail: "is -1.0; it must be a finite δ ≥ 0")) {
            try AnalysisConfiguration(values: [("ridge", .text("-1"))], naming: .flag)
        }
        #expect(throws: SettingError.self) { try AnalysisConfiguration(values: [("shard", .text("3/0"))], naming: .flag) }
        #expect(throws: SettingError.self) { try AnalysisConfiguration(values: [("shard", .text("1/2000000"))], naming: .flag) }
        #expect(throws: SettingError.self) { try AnalysisConfiguration(values: [("pinv", .number(1))], naming: .option) }
        #expect(throws: SettingError.self) { try AnalysisConfiguration(values: [("koopman_dimension", .number(1))], naming: .option) }
    }

    @Test func settingsThatExcludeEachOtherAreRefusedAlike() {
        let refused: [[(String, SettingValue)]] = [
            [("identity", .flag(true)), ("dictionary", .text("d.h5"))],
            [("identity", .flag(true)), ("koopman_dim", .number(10))],
            [("identity", .flag(true)), ("seed", .number(1))],
            [("identity", .flag(true)), ("ridge", .number(0.1))],
            [("identity", .flag(true)), ("pinv", .flag(true))],
            [("rank", .text("3"))],
            [("dictionary", .text("d.h5")), ("koopman_dim", .number(10))],
            [("ridge", .number(0.1)), ("pinv", .flag(true))],
            [("rcond", .number(0.1))],
        ]
        for values in refused {
            for naming in [SettingNaming.flag, .option] {
                #expect(throws: SettingError.self, "\(values)") { try AnalysisConfiguration(values: values, naming: naming) }
            }
        }
        #expect(throws: SettingError.conflict(detail: "\"ridge\" and \"pinv\" exclude each other")) {
            try AnalysisConfiguration(values: [("pinv", .flag(true)), ("ridge", .number(0.1))], naming: .option)
        }
    }

    @Test func fitSettings() throws {
        let c = try DictionaryFitConfiguration(values: [("variant", .text("reference")), ("steps", .number(7))], naming: .option)
        #expect(c.options.learningRate == 1e-3 && c.options.steps == 7)
        #expect(DictionaryFitConfiguration().options.learningRate == 1e-4)
        #expect(throws: LimitError.self) { try DictionaryFitConfiguration(values: [("koopman_dim", .text("5000"))], naming: .flag) }
        #expect(throws: SettingError.self) { try DictionaryFitConfiguration(values: [("variant", .text("svd"))], naming: .flag) }
        #expect(throws: SettingError.self) { try DictionaryFitConfiguration(values: [("holdout", .number(1))], naming: .option) }
        #expect(throws: SettingError.self) {
            try DictionaryFitConfiguration(values: [("init", .text("d.h5")), ("koopman_dim", .number(8))], naming: .option)
        }
    }

    @Test func documentationNamesExactlyTheTablesKeysAndDefaults() throws {
        let analysis = tableDefaults(AnalysisConfiguration.self), fit = tableDefaults(DictionaryFitConfiguration.self)
        let header = try text("Sources/_KoopScopeABI/include/koopscope.h")
        #expect(headerDefaults(header, after: "The keys, with their defaults:") == analysis)
        #expect(headerDefaults(header, after: "fit-dictionary`'s settings") == fit)
        let python = try text("python/koopscope/__init__.py")
        #expect(try docstringDefaults(python, after: "Options are the analyze settings") == analysis)
        #expect(try docstringDefaults(python, after: "Options are `koopscope fit-dictionary`'s") == fit)
        #expect(markdownDefaults(try text("docs/analyze.md"), under: "## Settings") == analysis)
        #expect(markdownDefaults(try text("docs/fit-dictionary.md"), under: "## Settings") == fit)
    }

    @Test func limitsRefuseWithoutOverflow() {
        #expect(throws: LimitError.self) { try Limits.product(Int.max, 2, "x") }
        #expect(throws: LimitError.self) { try Limits.count(.nan, "x", within: 0...1) }
        #expect(throws: LimitError.self) { try Limits.count(1e300, "x", within: 0...Int.max) }
        #expect((try? Limits.count(4096, "x", within: Limits.koopmanDimension)) == 4096)
    }

    @Test func shardBoundsHoldForAnyTotal() throws {
        let shard = try #require(AnalysisShard(index: 3, count: 7))
        for total in [0, 1, 10, 1 << 40, Int.max / 2, Int.max] {
            let exact = { (k: Int) in Int(Int128(total) * Int128(k) / 7) }
            #expect(shard.trajectories(of: total) == exact(2)..<exact(3))
        }
        #expect(AnalysisShard(index: 1, count: 1 << 21) == nil)
        #expect(AnalysisShard(argument: "1/1000000000000") == nil)
    }
}
