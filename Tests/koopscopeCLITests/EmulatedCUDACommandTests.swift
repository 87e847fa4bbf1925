import Foundation
import Testing

/// Where the emulated CUDA libraries are (`scripts/cuda-emulation`), when the suite runs with them.
let emulatedCUDA: String? = {
    guard let folder = ProcessInfo.processInfo.environment["KOOPSCOPE_CUDA_LIBRARY_PATH"],
          FileManager.default.fileExists(atPath: folder + "/libcuda.so.1") else { return nil }
    return folder
}()

/// `--device cuda` through the CLI on the host emulation of CUDA: the same analysis and the same
/// training as the CPU, and an emulated failure reported as a real one would be.
@Suite("--device cuda on the emulated CUDA", .serialized,
       .enabled(if: emulatedCUDA != nil, "KOOPSCOPE_CUDA_LIBRARY_PATH does not name the emulated CUDA (bash scripts/cuda-emulation)"))
struct EmulatedCUDACommandTests {
    /// The numbers of a text, and the text with each number replaced by `#`.
    func numbersAndShape(_ text: String) -> ([Double], String) {
        let pattern = try! NSRegularExpression(pattern: "-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?")
        let range = NSRange(text.startIndex..., in: text)
        let numbers = pattern.matches(in: text, range: range).map { Double((text as NSString).substring(with: $0.range))! }
        return (numbers, pattern.stringByReplacingMatches(in: text, range: range, withTemplate: "#"))
    }

    /// The same report, and per trajectory the same DSD (all three), spectral radius and rank to
    /// float rounding: the lift's products run in another order on CUDA, and the eigenvalues of a
    /// rank-deficient K at its noise floor (|λ| ~ 10⁻⁴) and their residuals differ with it.
    @Test func analyzeOnCUDAIsTheCPUAnalysis() throws {
        struct Report: Decodable {
            struct Row: Decodable { var dsd: Double?, dsd_filtered: Double?, dsd_reference: Double?, spectral_radius: Double?, kept: Int? }
            var trajectories: [Row]
        }
        for fixture in ["linear-padded.h5", "linear-ragged-f16.h5"] {
            let cpu = try koopscope("analyze", fixturePath(fixture), "--format", "json")
            let cuda = try koopscope("analyze", fixturePath(fixture), "--format", "json", "--device", "cuda")
            #expect(cpu.status == 0 && cuda.status == 0, "\(fixture): \(cuda.stderr)")
            #expect(numbersAndShape(cpu.stdout).1 == numbersAndShape(cuda.stdout).1, "\(fixture): the same report")
            let a = try JSONDecoder().decode(Report.self, from: Data(cpu.stdout.utf8)).trajectories
            let b = try JSONDecoder().decode(Report.self, from: Data(cuda.stdout.utf8)).trajectories
            #expect(a.count == b.count && !a.isEmpty)
            func close(_ x: Double?, _ y: Double?) -> Bool {
                guard let x, let y else { return x == nil && y == nil }
                return abs(x - y) <= 1e-4 * max(abs(x), 1e-6)
            }
            for (k, (x, y)) in zip(a, b).enumerated() {
                #expect(close(x.dsd, y.dsd) && close(x.dsd_filtered, y.dsd_filtered) && close(x.dsd_reference, y.dsd_reference)
                        && close(x.spectral_radius, y.spectral_radius) && x.kept == y.kept, "\(fixture), trajectory \(k): \(x) against \(y)")
            }
        }
    }

    /// The same run on both: the same sampled responses, so the same rewards; losses equal to float rounding.
    @Test func trainOnCUDAIsTheCPURun() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var series: [String: [[String: Double]]] = [:]
        for device in ["cpu", "cuda"] {
            let run = dir.appendingPathComponent(device).path
            let r = try koopscope(["train", "--run-dir", run, "--device", device, "--steps", "3", "--eval-every", "0",
                                   "--method", "relax"] + TrainCommandTests.tiny)
            #expect(r.status == 0, "\(device): \(r.stderr)")
            series[device] = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
                try JSONDecoder().decode([String: Double?].self, from: Data($0.utf8)).compactMapValues { $0 }
            }
        }
        let cpu = try #require(series["cpu"]), cuda = try #require(series["cuda"])
        #expect(cpu.count == cuda.count && cpu.count >= 3)
        for (a, b) in zip(cpu, cuda) {
            for key in ["critic/score/mean", "response_length/mean"] { #expect(a[key] == b[key], "step \(a["step"] ?? -1): \(key)") }
            for key in ["actor/pg_loss", "actor/entropy", "actor/dsd/mean"] {
                let (x, y) = (try #require(a[key]), try #require(b[key]))
                #expect(abs(x - y) <= 1e-3 * max(1e-3, abs(x)), "step \(a["step"] ?? -1): \(key) \(x) on the CPU, \(y) on CUDA")
            }
        }
    }

    @Test func anEmulatedOutOfMemoryIsACUDAErrorNamingTheCall() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("a.json").path
        let r = try koopscope(["analyze", fixturePath("linear-padded.h5"), "--device", "cuda", "--format", "json", "-o", out],
                              environment: ["KOOPSCOPE_CUDA_EMULATION_MEMORY": "1024"])
        #expect(r.status == 1 && r.stderr.contains("cuMemAlloc_v2") && r.stderr.contains("CUDA_ERROR_OUT_OF_MEMORY"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing half-written")
        let run = dir.appendingPathComponent("run").path
        let t = try koopscope(["train", "--run-dir", run, "--device", "cuda", "--steps", "1"] + TrainCommandTests.tiny,
                              environment: ["KOOPSCOPE_CUDA_EMULATION_MEMORY": "65536"])
        #expect(t.status == 1 && t.stderr.contains("CUDA_ERROR_OUT_OF_MEMORY"), "\(t.stderr)")
    }
}
