import Foundation
import Testing
import _TestSupport
@testable import KoopScope
@testable import KoopScopeC
import _KoopScopeABI

/// The C interface as a C caller meets it: results equal the Swift API's, every bad argument is a
/// code and a message (never a trap), and calls from many threads at once do not disturb each other.
@Suite("C interface")
struct CInterfaceTests {
    func message(_ status: koopscope_status) -> String {
        withUnsafeBytes(of: status.message) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
    }

    /// A smooth trajectory of T states in d dimensions and the default dictionary of m features.
    func problem(t: Int = 40, d: Int = 4, m: Int = 6) -> (Matrix<Float>, KoopmanDictionary) {
        let x = Matrix<Float>(rows: t, columns: d) { i, j in Float(sin(0.3 * Double(i) + Double(j)) + 0.1 * Double(j)) }
        return (x, .kaimingUniform(dimension: d, koopmanDimension: m, seed: 3))
    }

    @Test func dsdOfStatesIsTheLibrarysWithItsGradient() throws {
        let (x, dictionary) = problem()
        var options = koopscope_dsd_options()
        koopscope_dsd_options_init(&options)
        var value = 0.0, status = koopscope_status()
        var gradStates = [Double](repeating: .nan, count: x.elements.count)
        var gradWeight = [Double](repeating: .nan, count: dictionary.weight.elements.count)
        let code = x.elements.withUnsafeBytes { states in
            dictionary.weight.elements.withUnsafeBufferPointer { w in
                koopscope_dsd_states(states.baseAddress, Int32(KOOPSCOPE_FLOAT32.rawValue), 1, Int64(x.rows), Int64(x.columns),
                                     nil, w.baseAddress, nil, Int64(dictionary.koopmanDimension), &options, &value,
                                     &gradStates, &gradWeight, nil, &status)
            }
        }
        #expect(code == 0 && status.code == 0 && message(status).isEmpty)
        let expected = try BLASThreads.singleThreaded { try DSDGradient(states: x, weight: dictionary.weight, bias: nil) }
        #expect(value == expected.dsd)
        #expect(gradStates == expected.states.elements && gradWeight == expected.weight.elements)
    }

    /// Two trajectories in one padded batch; the second is 25 states long, the rest of its rows
    /// are garbage that must not matter, and its gradient there is zero.
    @Test func lengthsWindowsAndFeatures() throws {
        let (x, dictionary) = problem()
        let g = x.withUnsafeBufferPointer { dictionary.liftToDouble($0.baseAddress!, rows: x.rows) }
        var features = g.elements + g.elements
        for k in (25 * 6)..<(40 * 6) { features[40 * 6 + k] = 1e30 }
        let lengths: [Int64] = [40, 25]
        var options = koopscope_dsd_options()
        koopscope_dsd_options_init(&options)
        var values = [0.0, 0.0], grad = [Double](repeating: .nan, count: features.count), status = koopscope_status()
        #expect(koopscope_dsd_features(features, 2, 40, 6, lengths, &options, &values, &grad, &status) == 0)
        // The interface runs OpenBLAS at one thread; so does the expectation, to compare exactly.
        let (whole, short) = try BLASThreads.singleThreaded {
            (try DSDGradient.withRespectToFeatures(g), try DSDGradient.withRespectToFeatures(g.rows(0..<25)))
        }
        #expect(values == [whole.dsd, short.dsd])
        #expect(Array(grad[0..<240]) == whole.gradient.elements)
        #expect(Array(grad[240..<(240 + 150)]) == short.gradient.elements)
        #expect(grad[(240 + 150)...].allSatisfy { $0 == 0 })
        // The windowed DSD: the first 30 pairs; the 25-state trajectory has too few and gets NaN.
        options.window = 30
        #expect(koopscope_dsd_features(features, 2, 40, 6, lengths, &options, &values, nil, &status) == 0)
        let windowed = try BLASThreads.singleThreaded { try DSDGradient.withRespectToFeatures(g.rows(0..<31)) }
        #expect(values[0] == windowed.dsd && values[1].isNaN)
    }

    @Test func everyBadArgumentIsACodeAndAMessage() {
        let (x, dictionary) = problem()
        var options = koopscope_dsd_options()
        koopscope_dsd_options_init(&options)
        var value = 0.0
        func call(_ states: UnsafeRawPointer?, dtype: Int32 = 3, batch: Int64 = 1, length: Int64 = 40, d: Int64 = 4,
                  lengths: [Int64]? = nil, weight: Bool = true, m: Int64 = 6) -> (Int32, String) {
            var status = koopscope_status()
            let code = dictionary.weight.elements.withUnsafeBufferPointer { w in
                koopscope_dsd_states(states, dtype, batch, length, d, lengths, weight ? w.baseAddress : nil, nil, m,
                                     &options, &value, nil, nil, nil, &status)
            }
            #expect(status.code == code)
            return (code, message(status))
        }
        x.elements.withUnsafeBytes { p in
            let states = p.baseAddress
            let argument = Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue)
            #expect(call(nil) == (argument, "states is NULL"))
            #expect(call(states, dtype: 9).1.contains("dtype 9"))
            #expect(call(states, batch: -1).1.contains("batch is -1"))
            #expect(call(states, d: 0).1.contains("d is 0"))
            #expect(call(states, batch: Int64.max, length: Int64.max).1.contains("batch is 9223372036854775807"))
            #expect(call(states, batch: 1 << 16, length: 1 << 16, d: 1 << 20).1.contains("batch × max_length × d"))
            #expect(call(states, lengths: [41]).1.contains("lengths[0] is 41"))
            #expect(call(states, weight: false).1 == "weight is NULL")
            #expect(call(states, m: 0).1.contains("m is 0"))
            options.variant = 7
            #expect(call(states).1.contains("options.variant is 7"))
            koopscope_dsd_options_init(&options)
            options.delta = -.infinity
            #expect(call(states).0 == argument)
            koopscope_dsd_options_init(&options)
        }
        // A non-finite state is a numerical error naming the trajectory.
        var bad = x.elements
        bad[5] = .nan
        let (code, text) = bad.withUnsafeBytes { call($0.baseAddress) }
        #expect(code == Int32(KOOPSCOPE_ERROR_NUMERICAL.rawValue) && text.contains("trajectory 0"))
        // A NULL status is allowed: the code alone comes back.
        #expect(koopscope_dsd_features(nil, 1, 4, 2, nil, nil, &value, nil, nil) == Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue))
    }

    @Test func sizesPastTheLimitsAreRefusedBeforeAnythingIsAllocated() throws {
        var status = koopscope_status(), value = 0.0
        let feature = [Double](repeating: 0.5, count: 8)
        // m = 10⁹ over one state: m × m would be 8 EB; refused by the bound on m.
        let code = koopscope_dsd_features(feature, 1, 1, 1_000_000_000, nil, nil, &value, nil, &status)
        #expect(code == Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue))
        #expect(message(status).contains("m is 1000000000; it must be a whole number in 1…4096"), "\(message(status))")
        var w = [Float](repeating: 0, count: 1), report: UnsafeMutablePointer<CChar>?
        let fit = koopscope_fit_dictionary(feature, 4, 1, 2, 4, nil, 1 << 40, nil, &w, nil, &report, &status)
        #expect(fit == Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue) && message(status).contains("m is 1099511627776"))
        #expect(koopscope_fit_dictionary(feature, 4, 1, 2, 4, nil, 3, #"{"koopman_dim": 4}"#, &w, nil, &report, &status)
                == Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue))
        #expect(message(status).contains("the call's m is 3"))
    }

    @Test func inspectionIsTheLibrarys() throws {
        var text: UnsafeMutablePointer<CChar>?, status = koopscope_status()
        let path = fixturePath("nonfinite-f64.h5")
        #expect(koopscope_inspect(path, 0, &text, &status) == 0, "\(message(status))")
        let json = String(cString: text!)
        koopscope_free(text)
        #expect(json == (try DumpInspection(try Dump(path: path)).json()))
        #expect(koopscope_inspect(path, 2, &text, &status) == Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue) && text == nil)
        #expect(koopscope_inspect("/no/such.h5", 1, &text, &status) == Int32(KOOPSCOPE_ERROR_FILE.rawValue))
    }

    @Test func settingsTablesAndLimitsAsJSON() throws {
        var text: UnsafeMutablePointer<CChar>?, status = koopscope_status()
        #expect(koopscope_settings("analyze", &text, &status) == 0)
        let analyze = try JSONSerialization.jsonObject(with: Data(String(cString: text!).utf8)) as! [[String: String]]
        koopscope_free(text)
        #expect(analyze.map { $0["name"]! } == AnalysisConfiguration.keys.map(\.name))
        #expect(analyze.first { $0["name"] == "koopman_dim" }?["default"] == "50")
        #expect(koopscope_settings("limits", &text, &status) == 0)
        let limits = try JSONSerialization.jsonObject(with: Data(String(cString: text!).utf8)) as! [String: [Int]]
        koopscope_free(text)
        #expect(limits["koopman_dim"] == [1, 4096])
        #expect(koopscope_settings("train", &text, &status) == Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue) && text == nil)
    }

    @Test func analysisAndOptionsJSON() throws {
        let (x, _) = problem()
        var report: UnsafeMutablePointer<CChar>?, status = koopscope_status()
        let code = x.elements.withUnsafeBytes {
            koopscope_analyze_states($0.baseAddress, 3, 1, 40, 4, nil, #"{"identity": true, "rank": 3}"#, &report, &status)
        }
        #expect(code == 0, "\(message(status))")
        let text = String(cString: report!)
        koopscope_free(report)
        let expected = try Analyzer(dictionary: .identity(.fixed(3)))
            .analyze(try TrajectoryBatch(trajectories: [Trajectory(index: 0, states: x)]), source: "memory")
        #expect(text == (try expected.text(.json)))
        for (options, complaint) in [(#"{"rnak": 3}"#, "\"rnak\" is not a setting"), (#"[1, 2]"#, "not a JSON object"),
                                     (#"{"rank": 3}"#, "applies to exact DMD"), (#"{"identity": "yes"}"#, "true or false"),
                                     (#"{"shard": "3/2"}"#, "it must be K/N"),
                                     (#"{"koopman_dim": 1e12}"#, "\"koopman_dim\" is 1000000000000; it must be a whole number in 1…4096"),
                                     (#"{"koopman_dim": 1e300}"#, "\"koopman_dim\""),
                                     (#"{"ridge": 0.1, "pinv": true}"#, "exclude each other"),
                                     (#"{"identity": true, "dictionary": "d.h5"}"#, "exclude each other")] {
            let failed = x.elements.withUnsafeBytes { koopscope_analyze_states($0.baseAddress, 3, 1, 40, 4, nil, options, &report, &status) }
            #expect(failed == Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue) && report == nil)
            #expect(message(status).contains(complaint), "\(options): \(message(status))")
        }
        #expect(koopscope_analyze_file("/no/such/dump.h5", nil, &report, &status) == Int32(KOOPSCOPE_ERROR_FILE.rawValue))
        #expect(message(status).contains("/no/such/dump.h5"))
    }

    @Test func dumpsReadAsTheSwiftReaderReadsThem() throws {
        let path = fixturePath("linear-ragged-f16.h5")
        var handle: OpaquePointer?, status = koopscope_status()
        #expect(koopscope_dump_open(path, &handle, &status) == 0)
        defer { koopscope_dump_close(handle) }
        var n: Int64 = 0, length: Int64 = 0, d: Int64 = 0
        #expect(koopscope_dump_shape(handle, &n, &length, &d, &status) == 0)
        let dump = try Dump(path: path)
        #expect(n == Int64(dump.count) && d == Int64(dump.dimension) && length == Int64(dump.lengths.max()!))
        var lengths = [Int64](repeating: 0, count: Int(n))
        #expect(koopscope_dump_lengths(handle, &lengths, &status) == 0 && lengths.map(Int.init) == dump.lengths)
        var states = [Float](repeating: .nan, count: Int(2 * length * d))
        #expect(koopscope_dump_read(handle, 3, 2, &states, &status) == 0)
        for k in 0..<2 {
            let own = try dump.read(trajectory: 3 + k).states.elements
            let row = Array(states[(k * Int(length * d))..<((k + 1) * Int(length * d))])
            #expect(Array(row.prefix(own.count)) == own && row.dropFirst(own.count).allSatisfy { $0 == 0 })
        }
        #expect(koopscope_dump_read(handle, 7, 2, &states, &status) == Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue))
        #expect(message(status).contains("holds 8"))
        #expect(koopscope_dump_read(nil, 0, 1, &states, &status) == Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue))
        var missing: OpaquePointer?
        #expect(koopscope_dump_open(fixturePath("malformed/not-hdf5.h5"), &missing, &status) == Int32(KOOPSCOPE_ERROR_FILE.rawValue))
        #expect(missing == nil)
    }

    /// Eight threads at once, each its own problem, each result what it is alone.
    @Test func manyThreadsAtOnce() throws {
        let path = fixturePath("linear-padded.h5")
        let expected = try BLASThreads.singleThreaded {
            try (0..<8).map { k -> Double in
                let (x, dictionary) = problem(t: 30 + k)
                return try DSD.value(states: x, dictionary: dictionary)
            }
        }
        let results = concurrentMap(8) { k -> (Double, Int32) in
            let (x, dictionary) = problem(t: 30 + k)
            var options = koopscope_dsd_options()
            koopscope_dsd_options_init(&options)
            var value = 0.0, status = koopscope_status(), handle: OpaquePointer?
            let code = x.elements.withUnsafeBytes { s in
                dictionary.weight.elements.withUnsafeBufferPointer { w in
                    koopscope_dsd_states(s.baseAddress, 3, 1, Int64(x.rows), 4, nil, w.baseAddress, nil, 6, &options,
                                         &value, nil, nil, nil, &status)
                }
            }
            let opened = koopscope_dump_open(path, &handle, &status)
            var states = [Float](repeating: 0, count: 8 * 48 * 8)
            let read = koopscope_dump_read(handle, 0, 8, &states, &status)
            koopscope_dump_close(handle)
            return (value, code | opened | read)
        }
        #expect(results.map(\.0) == expected && results.allSatisfy { $0.1 == 0 })
    }

    @Test func versionsAndTheDefaultDictionary() {
        #expect(koopscope_abi_version() == KOOPSCOPE_ABI_VERSION)
        #expect(String(cString: koopscope_version()) == koopscopeVersion)
        var w = [Float](repeating: 0, count: 12), status = koopscope_status()
        #expect(koopscope_default_dictionary(4, 3, 42, &w, &status) == 0)
        #expect(w == KoopmanDictionary.kaimingUniform(dimension: 4, koopmanDimension: 3, seed: 42).weight.elements)
        #expect(koopscope_default_dictionary(0, 3, 42, &w, &status) == Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue))
        #expect(koopscope_default_dictionary(1 << 20, 1 << 16, 42, &w, &status) == Int32(KOOPSCOPE_ERROR_ARGUMENT.rawValue))
        #expect(message(status).contains("m is 65536; it must be a whole number in 1…4096"))
    }
}
