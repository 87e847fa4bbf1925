import Foundation
import KoopScope

/// The outcome of an experiment from its runs' metrics: per run, held-out accuracy at the end and
/// how DSD and entropy moved; per arm, paired comparisons with the first arm (seed by seed).
///
/// ```swift
/// let summary = try ExperimentSummary(plan: plan, directory: "exp")
/// try summary.write(to: "exp")   // summary.json, summary.md
/// ```
public struct ExperimentSummary: Sendable {
    /// Held-out accuracies are averaged over this many of the last evaluations.
    public static let lastEvaluations = 3
    /// DSD and entropy are compared at this step (or the last, if the run is shorter) with step 1.
    public static let ratioStep = 50
    /// The outcomes compared between arms, in order.
    public static let outcomes = ["mean_at_1", "mean_at_k", "pass_at_k", "final_mean_at_1", "dsd_ratio",
                                  "dsd_window_ratio", "entropy_ratio"]

    public struct RunOutcome: Sendable {
        public var seed: UInt64
        public var directory: String
        public var steps: Int
        /// k of mean@k and pass@k.
        public var k: Int
        /// The outcomes by name (``ExperimentSummary/outcomes``; NaN where the run has no data).
        public var values: [String: Double]
        /// The step the ratios were taken at.
        public var ratioStep: Int
        /// The share of rollouts with T − 1 < m, over the whole run.
        public var shortFraction: Double
    }

    public struct Arm: Sendable {
        public var name: String
        public var runs: [RunOutcome]
        /// Each seed's metrics, as read (for the report's curves).
        public var metrics: [TrainingRun]
    }

    public struct Comparison: Sendable {
        public var arm: String
        public var baseline: String
        public var outcome: String
        public var test: PairedComparison
        /// Holm-adjusted over the arms compared with the baseline on this outcome.
        public var holmT: Double
        public var holmWilcoxon: Double
    }

    public var arms: [Arm]
    public var comparisons: [Comparison]

    /// Reads every arm's runs under `directory` (all must exist) and compares them.
    public init(plan: ExperimentPlan, directory: String) throws {
        arms = try plan.arms.map { arm in
            let folders = plan.seeds.map { "\(arm.directoryName)/seed-\($0)" }
            let metrics = try folders.map { folder in
                do { return try TrainingRun(directory: directory + "/" + folder) } catch {
                    throw ExperimentError.run(path: directory + "/" + folder, detail: "\(error)")
                }
            }
            return Arm(name: arm.name, runs: zip(plan.seeds, zip(folders, metrics)).map { seed, run in
                Self.outcome(of: run.1, seed: seed, relative: run.0)
            }, metrics: metrics)
        }
        comparisons = []
        guard let baseline = arms.first else { return }
        for outcome in Self.outcomes {
            var rows: [Comparison] = arms.dropFirst().map { arm in
                Comparison(arm: arm.name, baseline: baseline.name, outcome: outcome,
                           test: PairedComparison(baseline: baseline.runs.map { $0.values[outcome] ?? .nan },
                                                  method: arm.runs.map { $0.values[outcome] ?? .nan }),
                           holmT: .nan, holmWilcoxon: .nan)
            }
            let t = PairedComparison.holm(rows.map(\.test.t.p)), w = PairedComparison.holm(rows.map(\.test.wilcoxon.p))
            for k in rows.indices { rows[k].holmT = t[k]; rows[k].holmWilcoxon = w[k] }
            comparisons += rows
        }
    }

    /// One run's outcomes from its metrics.
    static func outcome(of run: TrainingRun, seed: UInt64, relative: String) -> RunOutcome {
        let k = run.keys.compactMap { key -> Int? in key.hasPrefix(Metric.evalMeanPrefix) ? Int(key.dropFirst(Metric.evalMeanPrefix.count)) : nil }
            .filter { $0 != 1 }.first ?? 1
        func lastMean(_ key: String) -> Double {
            let values = run.series(key).suffix(lastEvaluations).map(\.1)
            return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        }
        let lastStep = Int(run.steps.map(\.step).max() ?? 0)
        let at = min(ratioStep, lastStep)
        func ratio(_ key: String) -> Double {
            let s = run.series(key)
            guard let first = s.first(where: { $0.0 == 1 })?.1, let later = s.last(where: { $0.0 <= Double(at) })?.1,
                  first != 0 else { return .nan }
            return later / first
        }
        let shorts = run.series(Metric.actorDSDShortFraction).map(\.1)
        return RunOutcome(
            seed: seed, directory: relative, steps: lastStep, k: k,
            values: ["mean_at_1": lastMean(Metric.evalMeanAt1), "mean_at_k": lastMean(Metric.evalMean(at: k)),
                     "pass_at_k": lastMean(Metric.evalPass(at: k)), "final_mean_at_1": run.series(Metric.evalMeanAt1).last?.1 ?? .nan,
                     "dsd_ratio": ratio(Metric.actorDSDMean), "dsd_window_ratio": ratio(Metric.actorDSDWindowMean),
                     "entropy_ratio": ratio(Metric.actorEntropy)],
            ratioStep: at, shortFraction: shorts.isEmpty ? .nan : shorts.reduce(0, +) / Double(shorts.count))
    }

    /// `summary.json` and `summary.md` in `directory`, each written whole or not at all.
    public func write(to directory: String) throws {
        try AtomicFile.write(Data(json.utf8), to: directory + "/summary.json")
        try AtomicFile.write(Data(markdown.utf8), to: directory + "/summary.md")
    }

    /// The summary as JSON (NaN as null).
    public var json: String {
        func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
        func test(_ t: PairedComparison.Test) -> String { "{\"statistic\": \(number(t.statistic)), \"p\": \(number(t.p))}" }
        var s = "{\n  \"last_evaluations\": \(Self.lastEvaluations),\n  \"ratio_step\": \(Self.ratioStep),\n  \"arms\": [\n"
        s += arms.map { arm in
            "    {\"name\": \(quoted(arm.name)), \"runs\": [\n" + arm.runs.map { r in
                "      {\"seed\": \(r.seed), \"directory\": \(quoted(r.directory)), \"steps\": \(r.steps), \"k\": \(r.k), "
                    + Self.outcomes.map { "\"\($0)\": \(number(r.values[$0] ?? .nan))" }.joined(separator: ", ")
                    + ", \"ratio_at_step\": \(r.ratioStep), \"short_fraction\": \(number(r.shortFraction))}"
            }.joined(separator: ",\n") + "\n    ]}"
        }.joined(separator: ",\n")
        s += "\n  ],\n  \"comparisons\": [\n"
        s += comparisons.map { c in
            "    {\"arm\": \(quoted(c.arm)), \"baseline\": \(quoted(c.baseline)), \"outcome\": \(quoted(c.outcome)), "
                + "\"pairs\": \(c.test.pairs), \"mean_difference\": \(number(c.test.meanDifference)), "
                + "\"ci95\": [\(number(c.test.confidenceInterval[0])), \(number(c.test.confidenceInterval[1]))], "
                + "\"paired_t\": \(test(c.test.t)), \"wilcoxon\": \(test(c.test.wilcoxon)), "
                + "\"p_holm_t\": \(number(c.holmT)), \"p_holm_wilcoxon\": \(number(c.holmWilcoxon))}"
        }.joined(separator: ",\n")
        return s + "\n  ]\n}\n"
    }

    /// Tables of every arm's outcomes (mean ± sd over seeds) and of the comparisons.
    public var markdown: String {
        let f = Self.format
        func meanSD(_ values: [Double]) -> String {
            let v = values.filter(\.isFinite)
            guard !v.isEmpty else { return "–" }
            let s = Statistics(v)
            return "\(f(s.mean)) ± \(f(s.standardDeviation))"
        }
        let k = arms.first?.runs.first?.k ?? 1
        var s = "# Experiment summary\n\nEach cell: mean ± sd over seeds. Held-out accuracies are averaged over the last "
            + "\(Self.lastEvaluations) evaluations; ratios are the rollouts' value at step \(arms.first?.runs.first?.ratioStep ?? Self.ratioStep) "
            + "over step 1 (the warmed-up policy's).\n\n"
        s += "| arm | seeds | mean@1 | mean@\(k) | pass@\(k) | final mean@1 | DSD ratio | windowed DSD ratio | entropy ratio | T − 1 < m |\n"
        s += "|---|---|---|---|---|---|---|---|---|---|\n"
        for arm in arms {
            s += "| \(arm.name) | \(arm.runs.count) | "
                + Self.outcomes.map { o in meanSD(arm.runs.map { $0.values[o] ?? .nan }) }.joined(separator: " | ")
                + " | \(meanSD(arm.runs.map(\.shortFraction))) |\n"
        }
        s += "\nPaired by seed against \(arms.first?.name ?? "the first arm"): mean difference (arm − baseline), "
            + "bootstrap 95 % interval, paired t and Wilcoxon signed-rank p-values, both also Holm-adjusted over the arms.\n\n"
        s += "| " + Self.comparisonHeaders.joined(separator: " | ") + " |\n"
        s += "|" + String(repeating: "---|", count: Self.comparisonHeaders.count) + "\n"
        for row in comparisonRows { s += "| " + row.joined(separator: " | ") + " |\n" }
        return s
    }

    /// The comparisons as a table, for summary.md and the report.
    public static let comparisonHeaders = ["arm", "outcome", "pairs", "mean difference", "95 % CI", "p (t)", "p (Wilcoxon)",
                                           "Holm p (t)", "Holm p (Wilcoxon)"]
    public var comparisonRows: [[String]] {
        comparisons.map { c in
            [c.arm, c.outcome, String(c.test.pairs), Self.format(c.test.meanDifference),
             "[\(Self.format(c.test.confidenceInterval[0])), \(Self.format(c.test.confidenceInterval[1]))]",
             Self.format(c.test.t.p), Self.format(c.test.wilcoxon.p), Self.format(c.holmT), Self.format(c.holmWilcoxon)]
        }
    }

    /// Four significant digits, or a dash for NaN.
    static func format(_ x: Double) -> String { x.isFinite ? String(format: "%.4g", x) : "–" }
}

/// `s` as a JSON string literal.
private func quoted(_ s: String) -> String { (try? compactJSON(s)) ?? "\"\"" }
