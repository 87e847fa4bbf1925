import Foundation
import Testing
@testable import KoopScope

@Suite("Koopman dictionaries")
struct DictionaryTests {
    @Test func liftIsTheSigmoidOfAnAffineMap() throws {
        let w = Matrix<Float>([[1, 0], [0, -1], [1, 1]])
        let dictionary = try KoopmanDictionary(weight: w, bias: [0, 0, -1])
        let x = Matrix<Float>([[Float(log(3.0)), 0], [0, 2]])
        let psi = try dictionary.lift(x)
        func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
        // Row 0: z = (ln 3, 0, ln 3 − 1) → σ = (3/4, 1/2, σ(ln 3 − 1)); row 1: z = (0, −2, 1).
        let expected: [Double] = [0.75, 0.5, sigmoid(log(3) - 1), 0.5, sigmoid(-2), sigmoid(1)]
        for (got, want) in zip(psi.elements, expected) { #expect(abs(Double(got) - want) < 1e-7) }
        // Far tails saturate without overflow.
        // z = (200, −200, 399).
        let far = try dictionary.lift(Matrix([[200, 200]]))
        #expect(far.elements == [1, 0, 1])
    }

    @Test func defaultInitialisationIsKaimingUniformAndReproducible() {
        let a = KoopmanDictionary.kaimingUniform(dimension: 896)
        let b = KoopmanDictionary.kaimingUniform(dimension: 896)
        let c = KoopmanDictionary.kaimingUniform(dimension: 896, seed: 7)
        #expect(a.koopmanDimension == 50 && a.dimension == 896 && a.bias == nil)
        #expect(a.weight == b.weight && a.sha256 == b.sha256)
        #expect(a.weight != c.weight)
        let bound = Float(0.5 * (3.0 / 896).squareRoot())
        #expect(a.weight.elements.allSatisfy { abs($0) <= bound })
        #expect(a.weight.elements.map(abs).max()! > 0.95 * bound, "the range is used")
    }

    @Test func sha256KnownAnswers() {
        #expect(sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func fileRoundTripAndAnH5pyWrittenDictionary() throws {
        let loaded = try KoopmanDictionary(contentsOf: fixturePath("dictionary-d8-m4.h5"))
        #expect(loaded.koopmanDimension == 4 && loaded.dimension == 8)
        #expect(loaded.bias == [0, 0.1, -0.1, 0.2])
        #expect(loaded.attributes.first { $0.name == "variant" }?.value == .string("hand-made"))
        #expect(loaded.source.contains("dictionary-d8-m4.h5"))
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("copy.h5").path
        try loaded.write(to: path, attributes: [("note", .string("copied"))])
        let again = try KoopmanDictionary(contentsOf: path)
        #expect(again.weight == loaded.weight && again.bias == loaded.bias && again.sha256 == loaded.sha256)
        #expect(again.attributes.contains { $0.name == "note" && $0.value == .string("copied") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["copy.h5"])
    }

    @Test(arguments: [
        ("malformed/dictionary-no-weight.h5", "/weight: missing"),
        ("malformed/dictionary-rank1.h5", "/weight: has rank 1, expected 2"),
        ("malformed/dictionary-bias-count.h5", "/bias: has 3 entries, /weight has 4 rows"),
        ("malformed/dictionary-int-weight.h5", "/weight: must hold floating-point numbers"),
        ("malformed/dictionary-nan.h5", "/weight: holds NaN"),
        ("malformed/dictionary-declared-huge.h5", "/weight: its shape [1000000, 8] is past the bounds m ≤ 4096"),
        ("malformed/not-hdf5.h5", "not an HDF5 file"),
        ("missing.h5", "no such file"),
    ])
    func malformedDictionaries(name: String, message: String) {
        do {
            _ = try KoopmanDictionary(contentsOf: fixturePath(name))
            Issue.record("\(name) must be refused")
        } catch {
            #expect("\(error)".hasPrefix(fixturePath(name) + ": "), "\(error)")
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
