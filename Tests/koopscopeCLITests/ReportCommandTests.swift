import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Collects what the report tests look at while parsing a page as XML.
final class PageScanner: NSObject, XMLParserDelegate {
    var svgCount = 0
    var axes: [String] = []           // "x"/"y" per axis group, in order
    var axisLabels: [String] = []
    var tables: [[[String]]] = []     // table → rows → cells
    private var inAxisLabel = false, inCell = false
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let classes = (attributes["class"] ?? "").split(separator: " ").map(String.init)
        switch name {
        case "svg": svgCount += 1
        case "g" where classes.contains("axis"): axes.append(classes.contains("x") ? "x" : "y")
        case "text" where classes.contains("axis-label"): inAxisLabel = true; text = ""
        case "table": tables.append([])
        case "tr": tables[tables.count - 1].append([])
        case "td", "th": inCell = true; text = ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inAxisLabel || inCell { text += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" && inAxisLabel { axisLabels.append(text); inAxisLabel = false }
        if (name == "td" || name == "th") && inCell {
            tables[tables.count - 1][tables[tables.count - 1].count - 1].append(text)
            inCell = false
        }
    }
}

func scan(_ data: Data) -> (ok: Bool, scanner: PageScanner, error: String) {
    let parser = XMLParser(data: data)
    let scanner = PageScanner()
    parser.delegate = scanner
    let ok = parser.parse()
    return (ok, scanner, parser.parserError.map { "\($0)" } ?? "")
}

/// The same rounding as a reader sees in the page: four significant digits.
func fourDigits(_ x: Double) -> String { String(format: "%.4g", x) }

@Suite("koopscope report")
struct ReportCommandTests {
    @Test func mixedInputsGiveAWellFormedPageWhoseTablesMatchTheInputs() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let analysis = dir.appendingPathComponent("step-0.json").path
        #expect(try koopscope("analyze", fixturePath("linear-padded.h5"), "--format", "json", "-o", analysis).status == 0)
        let html = dir.appendingPathComponent("report.html").path
        let svgDir = dir.appendingPathComponent("svg").path
        let r = try koopscope("report", analysis, fixturePath("linear-ragged-f16.h5"), fixturePath("runs/grpo-seed1"),
                              fixturePath("runs/relax-seed1"), "-o", html, "--svg", svgDir)
        #expect(r.status == 0, "\(r.stderr)")
        let page = try Data(contentsOf: URL(fileURLWithPath: html))
        let text = String(decoding: page, as: UTF8.self)
        #expect(!text.contains("<script"), "no scripts")
        #expect(!text.contains("http://") || text.components(separatedBy: "http://").count - 1 == text.components(separatedBy: "http://www.w3.org/2000/svg").count - 1,
                "nothing fetched from anywhere: the only URL is the SVG namespace")
        let (ok, scanner, error) = scan(page)
        #expect(ok, "not well-formed: \(error)")
        #expect(scanner.svgCount >= 12)
        // Every picture has an x and a y axis, each with a label.
        #expect(scanner.axes.count == 2 * scanner.svgCount)
        #expect(scanner.axisLabels.filter { !$0.isEmpty }.count >= 2 * scanner.svgCount)
        #expect(scanner.axisLabels.contains("Re λ") && scanner.axisLabels.contains("training step"))
        // The dsd table lists each input's mean as the analysis JSON has it.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: analysis))) as? [String: Any])
        let summary = try #require((json["summary"] as? [String: Any])?["dsd"] as? [String: Any])
        let mean = try #require(summary["mean"] as? Double)
        let dsdTable = try #require(scanner.tables.first { $0.first == ["input", "count", "mean", "std", "min", "median", "max"] })
        let row = try #require(dsdTable.first { $0.first == "step-0" })
        #expect(row[1] == "8" && row[2] == fourDigits(mean), "\(row) vs mean \(mean)")
        // The reward table of the runs: first and last value of critic/score/mean from the file.
        let lines = try String(contentsOfFile: fixturePath("runs/grpo-seed1/metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let rewards = lines.compactMap { $0["critic/score/mean"] as? Double }
        let runRow = try #require(scanner.tables.compactMap { t in t.first { $0.first == "grpo-seed1" && $0.count == 6 } }.first)
        #expect(runRow[1] == "40" && runRow[2] == fourDigits(rewards.first!) && runRow[3] == fourDigits(rewards.last!))
        // Two analyses: a Differences section.
        #expect(text.contains("<h2>Differences</h2>"))
        // --svg: standalone files, each well-formed with the SVG namespace.
        let files = try FileManager.default.contentsOfDirectory(atPath: svgDir).filter { $0.hasSuffix(".svg") }
        #expect(files.count == scanner.svgCount)
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: svgDir).appendingPathComponent(file))
            #expect(scan(data).ok, "\(file)")
            #expect(String(decoding: data.prefix(200), as: UTF8.self).contains("xmlns=\"http://www.w3.org/2000/svg\""))
        }
    }

    @Test func identicalInputsDoNotDiffer() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = dir.appendingPathComponent("r.html").path
        let r = try koopscope("report", fixturePath("linear-padded.h5"), fixturePath("linear-padded.h5"), "-o", html)
        #expect(r.status == 0, "\(r.stderr)")
        let (_, scanner, _) = scan(try Data(contentsOf: URL(fileURLWithPath: html)))
        // Same sample twice: Δ = 0, U = n²/2 = 32, both p-values 1.
        let differences = scanner.tables.filter { $0.first?.first == "input" && $0.first?.contains("p (Welch)") == true }
        #expect(differences.count == 3)
        for table in differences {
            let row = table[1]
            #expect(row[2] == "0" && row[3] == "0" && row[4] == "32" && row[5] == "1" && row[7] == "1", "\(row)")
        }
    }

    @Test(arguments: [
        (["malformed/not-hdf5.h5"], "not a dump, an analysis (JSON) or a training run directory"),
        (["malformed/older-analysis.json"], "unsupported format"),
        (["runs/no-metrics"], "training run directory without metrics.jsonl"),
        (["malformed/bad-metrics"], "metrics.jsonl: line 2: not a JSON object"),
        (["nowhere.json"], "no such file or directory"),
        (["malformed/ragged-gap.h5"], "/trajectories"),
    ])
    func badInputsAreRefusedAndNothingIsWritten(inputs: [String], message: String) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = dir.appendingPathComponent("r.html").path
        let r = try koopscope(["report", fixturePath("runs/grpo-seed1")] + inputs.map(fixturePath) + ["-o", html])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.contains(fixturePath(inputs[0])), "the input is named: \(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func flagErrors() throws {
        #expect(try koopscope("report", fixturePath("runs/grpo-seed1")).status == 64, "-o is required")
        #expect(try koopscope("report", "-o", "/tmp/x.html").status == 64, "inputs are required")
        let r = try koopscope("report", fixturePath("linear-padded.h5"), "-o", "/tmp/x.html", "--rank", "3")
        #expect(r.status == 1 && r.stderr.contains("--rank applies to exact DMD"))
    }
}

@Suite("koopscope report: pseudospectra")
struct ReportPseudospectrumTests {
    @Test func anAnalysisWithAPseudospectrumGetsItsMap() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let analysis = dir.appendingPathComponent("ps.json").path
        let a = try koopscope("analyze", fixturePath("linear-padded.h5"), "--identity", "--rank", "8", "--format", "json",
                              "--pseudospectrum", "--grid-points", "21", "-o", analysis)
        #expect(a.status == 0, "\(a.stderr)")
        let html = dir.appendingPathComponent("r.html").path
        let r = try koopscope("report", analysis, "-o", html)
        #expect(r.status == 0, "\(r.stderr)")
        let page = try Data(contentsOf: URL(fileURLWithPath: html))
        let text = String(decoding: page, as: UTF8.self)
        #expect(text.contains("<h2>Pseudospectrum</h2>") && text.contains("class=\"heat\""))
        let (ok, scanner, _) = scan(page)
        #expect(ok)
        // The share of the grid within ε = 1 of the spectrum, from the JSON's own values.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: analysis))) as? [String: Any])
        let first = try #require((json["trajectories"] as? [[String: Any]])?.first)
        let values = try #require((first["pseudospectrum"] as? [String: Any])?["values"] as? [[Double]]).flatMap { $0 }
        let table = try #require(scanner.tables.first { $0.first == ["ε", "share of the grid with res(z) ≤ ε"] })
        let row = try #require(table.first { $0.first == "1" })
        #expect(row[1] == fourDigits(Double(values.filter { $0 <= 1 }.count) / Double(values.count)), "\(row)")
    }
}
