import Foundation
import Testing

/// `koopscope analyze` as a user runs it: every flag and every error.
@Suite("koopscope analyze")
struct AnalyzeCommandTests {
    func json(_ arguments: String...) throws -> [String: Any] {
        let r = try koopscope(["analyze"] + arguments + ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func trajectories(_ report: [String: Any]) -> [[String: Any]] { report["trajectories"] as? [[String: Any]] ?? [] }

    func variance(_ values: [Double], sample: Bool = true) -> Double {
        let mean = values.reduce(0, +) / Double(values.count)
        return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - (sample ? 1 : 0))
    }

    /// The README's first command: a real model's states, every trajectory with more than 2m
    /// snapshot pairs, so none is flagged rank-deficient.
    @Test func theFirstCommandsFixtureHoldsDynamicsNotTheRidge() throws {
        let r = try koopscope("analyze", fixturePath("minilm-states.h5"), "--format", "json")
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let trajectories = try #require(report["trajectories"] as? [[String: Any]])
        #expect(trajectories.count == 8)
        for t in trajectories {
            #expect((t["length"] as! NSNumber).intValue - 1 >= 2 * 50)
            #expect((t["flags"] as! [String]).isEmpty, "\(t["flags"]!)")
            #expect((t["dsd"] as? NSNumber).map { $0.doubleValue.isFinite } == true)
        }
    }

    @Test func identityRecoversTheLinearSystemAndItsDSD() throws {
        let report = try json(fixturePath("linear-padded.h5"), "--identity", "--rank", "8")
        // |λ| = 0.95, 0.95, 0.8, 0.8, 0.9, 0.7, 0.5, 0.4: mean 0.75, Σ(|λ| − 0.75)² = 0.295, /7.
        let expected = 0.295 / 7
        for t in trajectories(report) {
            #expect(t["rank"] as? Int == 8)
            #expect(abs((t["dsd"] as? Double ?? 0) - expected) < 1e-5)
            let radius = t["spectral_radius"] as? Double ?? 0
            #expect(abs(radius - 0.95) < 1e-5)
            #expect((t["residuals"] as? [Double] ?? [1]).allSatisfy { $0 < 1e-3 })
        }
        let settings = try #require(report["settings"] as? [String: Any])
        #expect(settings["estimator"] as? String == "exact-dmd" && settings["rank"] as? String == "8")
    }

    @Test func defaultDictionaryReportIsCompleteAndConsistent() throws {
        let report = try json(fixturePath("linear-padded.h5"))
        #expect(report["format"] as? String == "koopscope-analysis" && report["format_version"] as? Int == 1)
        let dump = try #require(report["dump"] as? [String: Any])
        #expect(dump["path"] as? String == fixturePath("linear-padded.h5"))
        #expect((dump["attributes"] as? [String: Any])?["model"] as? String == "linear-toy")
        let dictionary = try #require(report["dictionary"] as? [String: Any])
        #expect(dictionary["m"] as? Int == 50 && dictionary["d"] as? Int == 8)
        #expect((dictionary["sha256"] as? String)?.count == 64)
        #expect((dictionary["source"] as? String)?.contains("seed 42") == true)
        let settings = try #require(report["settings"] as? [String: Any])
        #expect(settings["ridge"] as? Double == 0.001 && settings["residual_threshold"] as? Double == 0.5)
        #expect(settings["variance"] as? String == "sample")
        let rows = trajectories(report)
        #expect(rows.count == 8)
        for t in rows {
            let eigen = try #require(t["eigenvalues"] as? [[Double]])
            let residuals = try #require(t["residuals"] as? [Double])
            let singular = try #require(t["singular_values"] as? [Double])
            #expect(eigen.count == 50 && residuals.count == 50 && singular.count == 50)
            // The DSDs follow from the reported spectrum by docs/math.md §6, recomputed here.
            let magnitudes = eigen.map { hypot($0[0], $0[1]) }
            #expect(abs((t["dsd"] as? Double ?? 0) - variance(magnitudes)) < 1e-12)
            #expect(abs((t["dsd_reference"] as? Double ?? 0) - variance(singular.map { ($0 * $0 + 1e-3).squareRoot() })) < 1e-12)
            let kept = zip(magnitudes, residuals).filter { $0.1 <= 0.5 }.map(\.0)
            #expect(t["kept"] as? Int == kept.count)
            if kept.count >= 2 { #expect(abs((t["dsd_filtered"] as? Double ?? 0) - variance(kept)) < 1e-12) }
            #expect((t["flags"] as? [String])?.first?.hasPrefix("rank-deficient") == true)
            #expect(t["group"] != nil && t["reward"] != nil)
        }
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(summary["count"] as? Int == 8 && summary["analyzed"] as? Int == 8 && summary["skipped"] as? Int == 0)
        let dsd = try #require(summary["dsd"] as? [String: Any])
        let values = rows.compactMap { $0["dsd"] as? Double }
        #expect(abs((dsd["mean"] as? Double ?? 0) - values.reduce(0, +) / 8) < 1e-14)
        #expect(dsd["min"] as? Double == values.min() && dsd["max"] as? Double == values.max())
        let groups = try #require(summary["groups"] as? [[String: Any]])
        #expect(groups.map { $0["group"] as? Int } == [0, 1, 2, 3])
        #expect(groups.allSatisfy { $0["count"] as? Int == 2 })
    }

    @Test func estimatorAndVarianceFlags() throws {
        let base = trajectories(try json(fixturePath("linear-padded.h5")))
        let population = trajectories(try json(fixturePath("linear-padded.h5"), "--population-variance"))
        for (s, p) in zip(base, population) {
            // Same spectrum: population = sample × (n − 1)/n with n = 50.
            let ds = s["dsd"] as? Double ?? 0, dp = p["dsd"] as? Double ?? 0
            #expect(abs(dp - ds * 49 / 50) < 1e-14)
        }
        let ridge = trajectories(try json(fixturePath("linear-padded.h5"), "--ridge", "0.5"))
        #expect(zip(base, ridge).allSatisfy { ($0["dsd"] as? Double) != ($1["dsd"] as? Double) })
        let pinv = try json(fixturePath("linear-padded.h5"), "--pinv", "--rcond", "1e-6")
        let settings = try #require(pinv["settings"] as? [String: Any])
        #expect(settings["estimator"] as? String == "pinv" && settings["rcond"] as? Double == 1e-6)
        let strict = trajectories(try json(fixturePath("linear-padded.h5"), "--residual-threshold", "0"))
        for t in strict {
            let residuals = t["residuals"] as? [Double] ?? []
            #expect(t["kept"] as? Int == residuals.filter { $0 <= 0 }.count)
        }
    }

    @Test func dictionaryChoices() throws {
        let file = try json(fixturePath("linear-padded.h5"), "--dictionary", fixturePath("dictionary-d8-m4.h5"))
        let dictionary = try #require(file["dictionary"] as? [String: Any])
        #expect(dictionary["m"] as? Int == 4 && dictionary["bias"] as? Bool == true)
        #expect((dictionary["source"] as? String)?.contains("dictionary-d8-m4.h5") == true)
        #expect(trajectories(file).allSatisfy { ($0["eigenvalues"] as? [Any])?.count == 4 && ($0["flags"] as? [String])?.isEmpty == true })
        let small = try json(fixturePath("linear-padded.h5"), "--koopman-dim", "6", "--seed", "7")
        let other = try #require(small["dictionary"] as? [String: Any])
        #expect(other["m"] as? Int == 6 && (other["source"] as? String)?.contains("seed 7") == true)
        #expect(other["sha256"] as? String != dictionary["sha256"] as? String)
    }

    @Test func oddTrajectoriesAreSkippedOrFlagged() throws {
        let nonFinite = try json(fixturePath("nonfinite-f64.h5"), "--koopman-dim", "4")
        let rows = trajectories(nonFinite)
        #expect(rows[1]["skipped"] as? String == "1 non-finite state values")
        #expect(rows[2]["skipped"] as? String == "2 non-finite state values")
        #expect(rows[0]["skipped"] is NSNull && rows[3]["skipped"] is NSNull)
        let summary = try #require(nonFinite["summary"] as? [String: Any])
        #expect(summary["skipped"] as? Int == 2 && (summary["dsd"] as? [String: Any])?["count"] as? Int == 2)
        let ragged = trajectories(try json(fixturePath("ragged-with-empty.h5")))
        #expect((ragged[0]["flags"] as? [String])?.contains("constant") == true)
        #expect((ragged[1]["skipped"] as? String)?.contains("length 0 < 2") == true)
        let empty = try koopscope("analyze", fixturePath("empty.h5"), "--format", "csv")
        #expect(empty.status == 0 && empty.stdout.split(separator: "\n").count == 1)
    }

    @Test func batchSizeDoesNotChangeTheNumbers() throws {
        let whole = try koopscope("analyze", fixturePath("linear-ragged-f16.h5"), "--format", "csv")
        let single = try koopscope("analyze", fixturePath("linear-ragged-f16.h5"), "--format", "csv", "--batch-size", "1")
        #expect(whole.status == 0 && single.status == 0)
        // The lift GEMM may round a row differently inside a larger product (BLAS blocking),
        // so numbers agree to Float32 rounding, not bit for bit.
        let a = whole.stdout.split(separator: "\n"), b = single.stdout.split(separator: "\n")
        #expect(a.count == 9 && a.count == b.count)
        for (x, y) in zip(a.dropFirst(), b.dropFirst()) {
            for (u, v) in zip(x.split(separator: ",", omittingEmptySubsequences: false),
                              y.split(separator: ",", omittingEmptySubsequences: false)) {
                if let p = Double(u), let q = Double(v) {
                    #expect(abs(p - q) <= 1e-6 * max(abs(p), 1e-3), "\(x) vs \(y)")
                } else {
                    #expect(u == v)
                }
            }
        }
    }

    @Test func csvTableAndOutputFile() throws {
        let csv = try koopscope("analyze", fixturePath("nonfinite-f64.h5"), "--format", "csv")
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "index,length,group,reward,dsd,dsd_reference,dsd_filtered,kept,spectral_radius,rank,skipped,flags")
        #expect(lines.count == 5 && lines[2].contains("1 non-finite state values"))
        let table = try koopscope("analyze", fixturePath("linear-padded.h5"))
        #expect(table.status == 0 && table.stdout.contains("8 analysed, 0 skipped") && table.stdout.contains("per group"))
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("report.json").path
        let written = try koopscope("analyze", fixturePath("linear-padded.h5"), "--format", "json", "-o", out)
        #expect(written.status == 0 && written.stdout.isEmpty)
        #expect(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) is [String: Any])
        let nowhere = try koopscope("analyze", fixturePath("linear-padded.h5"), "-o", "/nonexistent-dir/r.txt")
        #expect(nowhere.status != 0 && nowhere.stderr.contains("/nonexistent-dir/r.txt"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.json"])
    }

    @Test(arguments: [
        (["--rank", "5"], "--rank applies to exact DMD"),
        (["--identity", "--rank", "zero"], "--rank is \"zero\""),
        (["--identity", "--dictionary", "x.h5"], "--identity and --dictionary"),
        (["--identity", "--ridge", "0.1"], "--identity runs exact DMD"),
        (["--pinv", "--ridge", "0.1"], "--ridge and --pinv"),
        (["--rcond", "0.1"], "--rcond applies to --pinv"),
        (["--pinv", "--rcond", "2"], "--rcond is 2.0; it must be in (0, 1)"),
        (["--ridge=-1"], "--ridge is -1.0; it must be a finite δ ≥ 0"),
        (["--koopman-dim", "0"], "--koopman-dim is 0; it must be a whole number in 1…4096"),
        (["--dictionary", "x.h5", "--seed", "3"], "--seed shapes the default dictionary"),
        (["--residual-threshold=-0.5"], "--residual-threshold"),
        (["--batch-size", "0"], "--batch-size"),
        (["--format", "xml"], "--format"),
    ])
    func flagErrors(arguments: [String], message: String) throws {
        let r = try koopscope(["analyze", fixturePath("linear-padded.h5")] + arguments)
        // ArgumentParser's usage errors are 64; a setting the library's table refuses is 1.
        #expect(r.status == (arguments.first == "--format" ? 64 : 1), "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test(arguments: [
        (["malformed/lengths-too-long.h5"], "malformed/lengths-too-long.h5: /lengths"),
        (["missing.h5"], "missing.h5: no such file"),
        (["nonfinite-f64.h5", "--dictionary", "FIXTURES/dictionary-d8-m4.h5"], "dictionary expects states of dimension d = 8"),
        (["linear-padded.h5", "--dictionary", "FIXTURES/malformed/dictionary-bias-count.h5"], "/bias: has 3 entries"),
        (["linear-padded.h5", "--dictionary", "FIXTURES/missing-dictionary.h5"], "missing-dictionary.h5: no such file"),
    ])
    func inputErrors(arguments: [String], message: String) throws {
        let resolved = [fixturePath(arguments[0])] + arguments.dropFirst().map {
            $0.replacingOccurrences(of: "FIXTURES/", with: repositoryRoot.path + "/Fixtures/")
        }
        let r = try koopscope(["analyze"] + resolved)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
}

@Suite("koopscope analyze --pseudospectrum")
struct PseudospectrumCommandTests {
    @Test func gridValuesVanishAtAnEigenvalueAndRankDeficientTrajectoriesSaySo() throws {
        // The linear fixture has the eigenvalue 0.9: the centre of this 3×3 grid.
        let r = try koopscope("analyze", fixturePath("linear-padded.h5"), "--identity", "--rank", "8", "--format", "json",
                              "--pseudospectrum", "--grid-re", "0.8:1.0", "--grid-im=-0.1:0.1", "--grid-points", "3",
                              "--pseudospectrum-trajectories", "0,2")
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let rows = try #require(json["trajectories"] as? [[String: Any]])
        for (k, t) in rows.enumerated() {
            let p = t["pseudospectrum"] as? [String: Any]
            #expect((p != nil) == (k == 0 || k == 2), "trajectory \(k)")
            guard let p else { continue }
            #expect(p["re"] as? [Double] == [0.8, 1.0] && p["points"] as? Int == 3)
            let values = try #require(p["values"] as? [[Double]])
            #expect(values.count == 3 && values.allSatisfy { $0.count == 3 })
            #expect(values[1][1] < 1e-3, "res(0.9) = \(values[1][1])")
            // 0.1 away from every eigenvalue but 0.9 and 0.95e^{±0.3i} (|0.8 − 0.9| = 0.1): res is
            // bounded below by the distance only for normal operators, so just check it is larger.
            #expect(values[0][0] > values[1][1] && values[2][2] > values[1][1])
        }
        // The default dictionary has m = 50 > T − 1: the pseudospectrum cannot be formed.
        let deficient = try koopscope("analyze", fixturePath("linear-padded.h5"), "--format", "json", "--pseudospectrum")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(deficient.stdout.utf8)) as? [String: Any])
        let first = try #require((report["trajectories"] as? [[String: Any]])?.first)
        #expect(((first["pseudospectrum"] as? [String: Any])?["error"] as? String)?.contains("snapshot pairs") == true)
    }

    @Test(arguments: [
        (["--pseudospectrum"], "add --format json"),
        (["--grid-points", "8"], "need --pseudospectrum"),
        (["--format", "json", "--pseudospectrum", "--grid-re", "1:0"], "--grid-re '1:0'"),
        (["--format", "json", "--pseudospectrum", "--grid-points", "1"], "--grid-points must lie"),
        (["--format", "json", "--pseudospectrum", "--pseudospectrum-trajectories", "a,b"], "--pseudospectrum-trajectories"),
    ])
    func flagErrors(arguments: [String], message: String) throws {
        let r = try koopscope(["analyze", fixturePath("linear-padded.h5")] + arguments)
        #expect(r.status == 64 && r.stderr.contains(message), "\(r.stderr)")
    }
}
