import FoundationEssentials
import Glibc

/// Writes a hidden-state dump, trajectory by trajectory, to a temporary file that is
/// renamed into place only when ``finish()`` succeeds: a failed or abandoned write
/// leaves nothing at the destination.
///
/// ```swift
/// let writer = try DumpWriter(path: "rollouts.h5", count: 2, maxLength: 128, dimension: 896,
///                             options: .init(elementType: .float16, gzipLevel: 4))
/// try writer.write(statesOfFirst, at: 0)
/// try writer.write(statesOfSecond, at: 1)
/// writer.rewards = [1, 0]
/// writer.attributes = [("format_version", .integer(1)), ("model", .string("toy"))]
/// try writer.finish()
/// ```
public final class DumpWriter {
    /// How the states are stored.
    public struct Options: Sendable {
        public var layout: Dump.Layout
        public var elementType: StateElementType
        /// Rows per chunk along time; nil stores the states contiguously (unless compressed).
        public var chunkRows: Int?
        /// gzip level 0…9 (with the shuffle filter); nil for no compression.
        public var gzipLevel: Int?
        /// Further layers written as `/layers/<k>/hidden_states` beside `/hidden_states` (padded
        /// layout only), by the model's layer index as the dump format gives it.
        public var layers: [Int]

        public init(layout: Dump.Layout = .padded, elementType: StateElementType = .float32,
                    chunkRows: Int? = nil, gzipLevel: Int? = nil, layers: [Int] = []) {
            self.layers = layers
            self.layout = layout
            self.elementType = elementType
            self.chunkRows = chunkRows
            self.gzipLevel = gzipLevel
        }
    }

    /// Where the dump will be once finished.
    public let path: String
    public let count: Int
    public let maxLength: Int
    public let dimension: Int
    public let options: Options
    public var rewards: [Double]?
    public var groupIDs: [Int]?
    public var advantages: [Double]?
    public var prompts: [String]?
    public var responses: [String]?
    /// Each trajectory's prompt and response token ids, written padded with −1; row t of the
    /// states is the one that predicts `responseIDs[i][t]`.
    public var promptIDs: [[Int]]?
    public var responseIDs: [[Int]]?
    /// Root attributes.
    public var attributes: [(name: String, value: AttributeValue)] = []

    private let temporaryPath: String
    private var root: HDF5Location?
    private var padded: HDF5Dataset?
    private var layerDatasets: [Int: HDF5Dataset] = [:]
    private var fileType: HDF5Object?
    private var lengths: [Int]
    private var finished = false

    /// Starts a dump of `count` trajectories of at most `maxLength` steps of dimension `dimension`.
    public init(path: String, count: Int, maxLength: Int, dimension: Int, options: Options = Options()) throws {
        guard count >= 0, maxLength >= 0, dimension > 0 else {
            throw DumpError.writeFailed(file: path, detail: "count \(count), maxLength \(maxLength) and "
                                        + "dimension \(dimension) must be non-negative, the dimension positive")
        }
        if let level = options.gzipLevel, !(0...9).contains(level) {
            throw DumpError.writeFailed(file: path, detail: "gzip level \(level) is outside 0…9")
        }
        if !options.layers.isEmpty && options.layout != .padded {
            throw DumpError.writeFailed(file: path, detail: "/layers is written in the padded layout only")
        }
        if Set(options.layers).count != options.layers.count {
            throw DumpError.writeFailed(file: path, detail: "layers \(options.layers) name one layer twice")
        }
        self.path = path
        self.count = count
        self.maxLength = maxLength
        self.dimension = dimension
        self.options = options
        self.lengths = Array(repeating: 0, count: count)
        temporaryPath = AtomicFile.temporarySibling(of: path)
        do {
            let root = try createHDF5File(temporaryPath)
            self.root = root
            fileType = try Self.number(storing: options.elementType).storedType()
            switch options.layout {
            case .padded:
                let compressed = options.gzipLevel != nil
                let chunk = options.chunkRows.map { [1, $0, dimension] } ?? (compressed ? [1, 256, dimension] : nil)
                padded = try root.createDataset("hidden_states", type: fileType!,
                                                shape: [count, maxLength, dimension], chunk: chunk,
                                                gzipLevel: options.gzipLevel)
                if options.elementType == .bfloat16 {
                    try padded!.location.setAttribute("dtype", .string("bfloat16"))
                }
                if !options.layers.isEmpty { _ = try root.createGroup("layers") }
                for k in options.layers {
                    _ = try root.createGroup("layers/\(k)")
                    let dataset = try root.createDataset("layers/\(k)/hidden_states", type: fileType!,
                                                         shape: [count, maxLength, dimension], chunk: chunk,
                                                         gzipLevel: options.gzipLevel)
                    if options.elementType == .bfloat16 { try dataset.location.setAttribute("dtype", .string("bfloat16")) }
                    layerDatasets[k] = dataset
                }
            case .ragged:
                _ = try root.createGroup("trajectories")
            }
        } catch {
            cleanUp()
            throw wrap(error)
        }
    }

    deinit { if !finished { cleanUp() } }

    /// Writes trajectory `index`: `states` is T×d with T ≤ maxLength; with `layer`, its states at
    /// that layer of ``Options/layers`` (the trajectory's length is the one `/hidden_states` gets).
    public func write(_ states: Matrix<Float>, at index: Int, layer: Int? = nil) throws {
        guard !finished, let root else { throw DumpError.writeFailed(file: path, detail: "the writer is finished") }
        guard (0..<count).contains(index) else {
            throw DumpError.writeFailed(file: path, detail: "trajectory index \(index) is outside 0..<\(count)")
        }
        guard states.columns == dimension, states.rows <= maxLength else {
            throw DumpError.writeFailed(file: path, detail: "trajectory \(index) is \(states.rows)×\(states.columns); "
                                        + "expected at most \(maxLength)×\(dimension)")
        }
        if let layer, layerDatasets[layer] == nil {
            throw DumpError.writeFailed(file: path, detail: "layer \(layer) is not among the writer's layers \(options.layers)")
        }
        do {
            let t = states.rows
            if layer == nil { lengths[index] = t }
            let dataset: HDF5Dataset
            let start: [Int], shape: [Int]
            switch options.layout {
            case .padded:
                if let layer {
                    dataset = layerDatasets[layer]!
                    start = [index, 0, 0]
                    shape = [1, t, dimension]
                    break
                }
                dataset = padded!
                start = [index, 0, 0]
                shape = [1, t, dimension]
            case .ragged:
                let group = try root.openGroup("trajectories")
                let chunk = options.chunkRows.map { [$0, dimension] }
                    ?? (options.gzipLevel != nil ? [256, dimension] : nil)
                dataset = try group.createDataset(String(index), type: fileType!, shape: [t, dimension],
                                                  chunk: chunk, gzipLevel: options.gzipLevel)
                if options.elementType == .bfloat16 {
                    try dataset.location.setAttribute("dtype", .string("bfloat16"))
                }
                start = [0, 0]
                shape = [t, dimension]
            }
            guard t > 0 else { return }
            try encode(states) { memType, buffer in
                try dataset.writeBlock(start: start, count: shape, as: memType, from: buffer)
            }
        } catch {
            throw wrap(error)
        }
    }

    /// Writes lengths, optional datasets and attributes, closes the file and moves it into place.
    public func finish() throws {
        guard !finished, let root else { throw DumpError.writeFailed(file: path, detail: "the writer is finished") }
        for (name, values) in [("rewards", rewards?.count), ("group_ids", groupIDs?.count),
                               ("advantages", advantages?.count), ("prompts", prompts?.count),
                               ("responses", responses?.count), ("prompt_ids", promptIDs?.count),
                               ("response_ids", responseIDs?.count)] {
            if let values, values != count {
                throw DumpError.wrongCount(file: path, dataset: "/" + name, count: values, expected: count)
            }
        }
        do {
            if options.layout == .padded {
                try root.writeDataset("lengths", lengths.map { Int64($0) }, as: .int64)
            }
            if let rewards { try root.writeDataset("rewards", rewards, as: .float64) }
            if let advantages { try root.writeDataset("advantages", advantages, as: .float64) }
            if let groupIDs { try root.writeDataset("group_ids", groupIDs.map { Int64($0) }, as: .int64) }
            for (name, rows, width) in [("prompt_ids", promptIDs, promptIDs?.map(\.count).max() ?? 0),
                                        ("response_ids", responseIDs, maxLength)] {
                guard let rows else { continue }
                var padded = [Int64](repeating: -1, count: count * width)
                for (i, row) in rows.enumerated() {
                    guard row.count <= width else {
                        throw DumpError.writeFailed(file: path, detail: "/\(name): trajectory \(i) has \(row.count) ids, more than \(width)")
                    }
                    for (t, id) in row.enumerated() { padded[i * width + t] = Int64(id) }
                }
                try root.writeDataset(name, padded, as: .int64, shape: [count, width])
            }
            for (name, strings) in [("prompts", prompts), ("responses", responses)] {
                guard let strings else { continue }
                let type = try variableStringType()
                try root.createDataset(name, type: type, shape: [count]).writeAll(strings, as: type)
            }
            for (name, value) in attributes { try root.setAttribute(name, value) }
        } catch {
            cleanUp()
            throw wrap(error)
        }
        padded = nil
        layerDatasets = [:]
        fileType = nil
        self.root = nil
        if let reason = AtomicFile.commit(temporaryPath, to: path) {
            throw DumpError.writeFailed(file: path, detail: "rename from temporary file: \(reason)")
        }
        finished = true
    }

    private func cleanUp() {
        padded = nil
        layerDatasets = [:]
        fileType = nil
        root = nil
        AtomicFile.discard(temporaryPath)
    }

    private func wrap(_ error: Error) -> Error {
        if let failure = error as? HDF5Failure {
            return DumpError.writeFailed(file: path, detail: failure.description)
        }
        return error
    }

    /// The number each element type is stored as (bfloat16 as raw 16-bit words).
    private static func number(storing type: StateElementType) -> HDF5Number {
        switch type {
        case .float16: .float16
        case .bfloat16: .uint16
        case .float32: .float32
        case .float64: .float64
        }
    }

    /// Hands `states` to `write` in the file's element type, with the matching memory type.
    private func encode(_ states: Matrix<Float>, write: (HDF5Object, UnsafeRawPointer) throws -> Void) throws {
        let memType = try Self.number(storing: options.elementType).memoryType()
        switch options.elementType {
        case .float32:
            try states.withUnsafeBufferPointer { try write(memType, UnsafeRawPointer($0.baseAddress!)) }
        case .float64:
            let values = states.elements.map { Double($0) }
            try values.withUnsafeBytes { try write(memType, $0.baseAddress!) }
        case .float16:
            let bits = states.elements.map(HalfPrecision.float16Bits)
            try bits.withUnsafeBytes { try write(memType, $0.baseAddress!) }
        case .bfloat16:
            let bits = states.elements.map(HalfPrecision.bfloat16Bits)
            try bits.withUnsafeBytes { try write(memType, $0.baseAddress!) }
        }
    }
}
