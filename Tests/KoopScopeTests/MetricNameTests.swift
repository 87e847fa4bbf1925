import Foundation
import Testing
@testable import KoopScope

/// The metric names are declared once (``Metric``): no source spells one itself, and the Python
/// package logs the same strings.
@Suite struct MetricNameTests {
    static let root = repositoryRoot
    /// Python's ReLaX metrics once began with `relax/`, which Swift sources use for arm folders.
    func metricLiterals(in text: String, prefixes: String = "actor|critic|eval|perf|timing_s|response_length|sft|dictionary")
        -> [String]
    {
        let pattern = try! NSRegularExpression(pattern: #""(("# + prefixes + #")/[^"]*|frac_reward_zero_std)""#)
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
            String(text[Range($0.range(at: 1), in: text)!])
        }
    }

    @Test func namesAreUniqueAndVeRLs() {
        #expect(Set(Metric.all).count == Metric.all.count)
        #expect(Metric.actorEntropy == "actor/entropy" && Metric.actorPGClipfrac == "actor/pg_clipfrac")
        #expect(Metric.evalMean(at: 4) == "eval/mean@4" && Metric.evalPass(at: 4) == "eval/pass@4")
        #expect(Metric.actorRelaxPenalisedFrac == "actor/relax/penalised_frac")
    }

    @Test func noSourceSpellsAMetricOfItsOwn() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") && !$0.hasSuffix("Reports/Metric.swift") }
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            #expect(metricLiterals(in: text).isEmpty, "\(file) spells \(metricLiterals(in: text)); use Metric")
        }
    }

    @Test func thePythonPackageLogsTheSameNames() throws {
        for file in ["python/koopscope/torch.py", "python/examples/trl_relax.py"] {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            let names = metricLiterals(in: text, prefixes: "actor|critic|eval|perf|timing_s|response_length|sft|dictionary|relax")
                .filter { !$0.hasSuffix("/") }
            #expect(!names.isEmpty || file.hasSuffix("trl_relax.py"))
            for name in names { #expect(Metric.all.contains(name), "\(file) logs \(name), which the trainer does not") }
        }
    }
}
