import Foundation
import Testing
@testable import KoopScope

/// Dumps with several layers: `/layers/<k>/hidden_states` beside `/hidden_states`, read at any
/// layer under either spelling of its index, refused with the layers there are.
@Suite("Dumps with several layers")
struct LayerDumpTests {
    /// A dump of 3 trajectories of a 2-block model: the last layer in `/hidden_states`, layers 0
    /// and 1 under `/layers`, each layer's states a distinct constant plus noise.
    func writeDump(_ path: String, depth: Int? = 2, layers: [Int] = [0, 1]) throws -> [Int: [Matrix<Float>]] {
        var rng = SeededGenerator(seed: 5)
        let lengths = [6, 4, 8]
        var written: [Int: [Matrix<Float>]] = [:]
        let writer = try DumpWriter(path: path, count: 3, maxLength: 8, dimension: 3,
                                    options: .init(chunkRows: 4, layers: layers))
        for (i, t) in lengths.enumerated() {
            for layer in [-1] + layers {
                let x = Matrix<Float>(rows: t, columns: 3) { _, _ in Float(layer) * 10 + Float(rng.nextGaussian()) }
                try writer.write(x, at: i, layer: layer == -1 ? nil : layer)
                written[layer, default: []].append(x)
            }
        }
        writer.attributes = [("format_version", .integer(1)), ("layer", .integer(-1))]
            + (depth.map { [("num_hidden_layers", AttributeValue.integer(Int64($0)))] } ?? [])
        try writer.finish()
        return written
    }

    @Test func everyLayerReadsBackUnderEitherSpelling() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("layers.h5").path
        let written = try writeDump(path)
        let dump = try Dump(path: path)
        #expect(dump.storedLayers == [0, 1] && dump.analysableLayers == [0, 1, nil])
        // hidden_states has 3 entries for 2 blocks: 0 is −3, 1 is −2, 2 (the last) is −1.
        for (asked, stored) in [(0, 0), (-3, 0), (1, 1), (-2, 1), (2, -1), (-1, -1)] {
            let view = try Dump(path: path, layer: asked)
            #expect(view.statesDataset == (stored == -1 ? "/hidden_states" : "/layers/\(stored)/hidden_states"))
            #expect(view.lengths == [6, 4, 8])
            let batch = try view.read(0..<3)
            for k in 0..<3 { #expect(batch.trajectory(k).states.elements == written[stored]![k].elements, "layer \(asked)") }
        }
        // The same through the open file.
        #expect(try dump.atLayer(-3).read(0..<1).trajectory(0).states.elements == written[0]![0].elements)
    }

    @Test func aLayerTheDumpDoesNotHoldIsNamed() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("layers.h5").path
        _ = try writeDump(path)
        #expect(throws: DumpError.layer(file: path, detail: "layer 7 is outside the model's hidden states 0…2 (−3…−1 from the end)")) {
            try Dump(path: path, layer: 7)
        }
        // Without the depth attribute only the stored numbers and −1 are known.
        let bare = dir.appendingPathComponent("bare.h5").path
        _ = try writeDump(bare, depth: nil, layers: [0])
        #expect(throws: DumpError.layer(file: bare, detail: "holds no layer 1; its layers are 0, -1 (/hidden_states)")) {
            try Dump(path: bare, layer: 1)
        }
        #expect(try Dump(path: bare, layer: -1).statesDataset == "/hidden_states")
        // A dump without /layers at all, asked for layer 3.
        #expect(throws: DumpError.layer(file: fixturePath("linear-padded.h5"),
                                        detail: "holds no layer 3; its layers are -1 (/hidden_states)")) {
            try Dump(path: fixturePath("linear-padded.h5"), layer: 3)
        }
        // Layers are written beside the padded layout only.
        #expect(throws: DumpError.self) {
            try DumpWriter(path: dir.appendingPathComponent("r.h5").path, count: 1, maxLength: 2, dimension: 2,
                           options: .init(layout: .ragged, layers: [0]))
        }
    }

    @Test func aLayerOfAnotherShapeIsRefused() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("odd.h5").path
        do {
            let root = try createHDF5File(path)
            try root.writeDataset("hidden_states", [Float](repeating: 0.5, count: 3 * 8 * 3), as: .float32, shape: [3, 8, 3])
            _ = try root.createGroup("layers")
            _ = try root.createGroup("layers/1")
            try root.writeDataset("layers/1/hidden_states", [Float](repeating: 0.5, count: 3 * 5 * 3), as: .float32, shape: [3, 5, 3])
        }
        #expect(throws: DumpError.layer(file: path, detail: "/layers/1/hidden_states is 3 × 5 × 3; it must have /hidden_states' N × T_max (3 × 8)")) {
            try Dump(path: path, layer: 1)
        }
    }

    /// `analyze --all-layers` in the library: one block per layer, each equal to the analysis of
    /// that layer alone, the layers ordered by depth.
    @Test func theProfileMatchesSingleLayerAnalyses() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("layers.h5").path
        _ = try writeDump(path)
        let dump = try Dump(path: path)
        var settings = AnalysisSettings()
        settings.effectiveRank = true
        let analyzer = Analyzer(dictionary: .sigmoid(.kaimingUniform(dimension: 3, koopmanDimension: 2, seed: 1)), settings: settings)
        let profile = try LayerProfile(dump, analyzer: analyzer)
        #expect(profile.layers.map(\.layer) == [0, 1, nil] && profile.layers.map(\.depth) == [0, 1, 2])
        for entry in profile.layers {
            let alone = try analyzer.analyze(try Dump(path: path, layer: entry.layer))
            #expect(entry.summary.dsd == alone.summary.overall.dsd)
            #expect(entry.summary.effectiveRank == alone.summary.overall.effectiveRank)
            #expect(entry.spectralRadius == Statistics(alone.trajectories.filter(\.isAnalyzed).map(\.spectralRadius)))
        }
        // The JSON form reads back to the same numbers.
        let text = try profile.text(.json)
        let back = try LayerProfile(json: Data(text.utf8), path: "profile.json")
        #expect(back.layers.map(\.dataset) == profile.layers.map(\.dataset))
        #expect(back.layers.map(\.summary.dsd) == profile.layers.map(\.summary.dsd))
        #expect(back.layers.map(\.spectralRadius) == profile.layers.map(\.spectralRadius))
        let csv = try profile.text(.csv).split(separator: "\n")
        #expect(csv.count == 4 && csv[3].hasPrefix(",2,/hidden_states,3,3,"))
    }
}
