import Dispatch
import FoundationEssentials
import Glibc

/// A hidden-state dump opened for reading (the HDF5 contract of `DUMP-FORMAT.md`).
///
/// Opening validates the whole structure — layout, ranks, lengths, counts of the
/// optional datasets, ragged names, element types — and reads the small per-trajectory
/// datasets. States are read later, a batch at a time, so memory follows the batch and
/// never the file.
///
/// ```swift
/// let dump = try Dump(path: "rollouts.h5")
/// for range in dump.batchRanges() {
///     let batch = try dump.read(range)
///     for trajectory in batch.trajectories { print(trajectory.states.rows) }
/// }
/// ```
public final class Dump {
    /// The two ways a dump can hold its trajectories.
    public enum Layout: String, Sendable {
        /// `/hidden_states`, N × T_max × d, with `/lengths`.
        case padded
        /// `/trajectories/<i>`, one T_i × d dataset each.
        case ragged
    }

    /// The file's path as given.
    public let path: String
    public let layout: Layout
    /// The layer asked for (nil: the dump's main states, the last layer's).
    public let layer: Int?
    /// The dataset the states are read from: `/hidden_states`, `/layers/<k>/hidden_states`, or
    /// `/trajectories` (ragged).
    public let statesDataset: String
    /// Number of trajectories N.
    public var count: Int { lengths.count }
    /// State dimension d (0 for an empty ragged dump).
    public let dimension: Int
    /// T_max: the padded time extent, or the longest ragged trajectory.
    public let maxLength: Int
    /// True length of each trajectory.
    public let lengths: [Int]
    /// Element type of the states (of the first trajectory, for a ragged dump).
    public let elementType: StateElementType
    /// Every element type among the states (several only in a ragged dump).
    public let elementTypes: Set<StateElementType>
    /// Chunking and filters of the states (of the first trajectory, for a ragged dump).
    public let storage: DatasetStorage?
    /// Whether `/lengths` was present (padded layout).
    public let hasLengths: Bool
    public let rewards: [Double]?
    public let groupIDs: [Int]?
    public let advantages: [Double]?
    public let prompts: [String]?
    public let responses: [String]?
    /// `/prompt_ids` and `/response_ids`, each row without its −1 padding: row t of a trajectory's
    /// states is the one that predicts `responseIDs[i][t]`.
    public let promptIDs: [[Int]]?
    public let responseIDs: [[Int]]?
    /// Root attributes, in name order.
    public let attributes: [(name: String, value: AttributeValue)]

    /// The file's root group.
    let root: HDF5Location
    let fileAdvisor: FileAdvisor?
    let paddedStates: (dataset: HDF5Dataset, decoding: StateDecoding)?
    /// `/hidden_states` read chunk by chunk on every core (nil when contiguous, or when a
    /// filter only HDF5 undoes).
    let chunkedStates: ChunkedStates?

    /// Opens and validates the dump at `path`; with `layer`, its states at that layer
    /// (`/layers/<layer>/hidden_states`, or the main states when `layer` is the last one).
    public convenience init(path: String, layer: Int? = nil) throws {
        try self.init(path: path, layer: layer, sharing: nil)
    }

    /// The same file at another layer, through the open file (its small datasets read again).
    public func atLayer(_ k: Int?) throws -> Dump {
        try Dump(path: path, layer: k, sharing: root)
    }

    init(path: String, layer: Int?, sharing open: HDF5Location?) throws {
        self.path = path
        self.layer = layer
        let root: HDF5Location
        if let open {
            root = open
        } else {
            do {
                root = try openHDF5ForReading(path)
            } catch {
                switch error {
                case .notFound: throw DumpError.fileNotFound(file: path)
                case .notHDF5: throw DumpError.notHDF5(file: path)
                case .unreadable(let detail): throw DumpError.unreadable(file: path, detail: detail)
                }
            }
        }
        let advisor = FileAdvisor(path: path)
        fileAdvisor = advisor
        self.root = root

        func wrap<T>(_ dataset: String?, _ body: () throws -> T) throws -> T { try Self.naming(path, dataset, body) }

        let statesKind = try wrap("/hidden_states") { try root.kind(of: "hidden_states") }
        let raggedKind = try wrap("/trajectories") { try root.kind(of: "trajectories") }
        switch (statesKind, raggedKind) {
        case (nil, nil):
            if try wrap("/weight", { try root.kind(of: "weight") }) == .dataset { throw DumpError.dictionaryGiven(file: path) }
            throw DumpError.missingStates(file: path)
        case (.some, .some): throw DumpError.ambiguousLayout(file: path)
        case (.some(let kind), nil):
            guard kind == .dataset else {
                throw DumpError.wrongObjectKind(file: path, dataset: "/hidden_states", expected: "a dataset")
            }
            layout = .padded
            let name = try layer.flatMap { try Self.layerDataset($0, root: root, path: path) } ?? "hidden_states"
            let shown = "/" + name
            statesDataset = shown
            let states = try wrap(shown) { try root.openDataset(name) }
            guard states.shape.count == 3 else {
                throw DumpError.wrongRank(file: path, dataset: shown, rank: states.shape.count, expected: 3)
            }
            if name != "hidden_states" {
                let main = try wrap("/hidden_states") { try root.openDataset("hidden_states") }
                guard main.shape.count == 3, Array(main.shape.prefix(2)) == Array(states.shape.prefix(2)) else {
                    throw DumpError.layer(file: path, detail: "\(shown) is \(states.shape.map(String.init).joined(separator: " × ")); "
                                          + "it must have /hidden_states' N × T_max (\(main.shape.prefix(2).map(String.init).joined(separator: " × ")))")
                }
            }
            let decoding = try Self.decoding(of: states, dataset: shown, groupAttribute: nil, path: path)
            let (n, tMax, d) = (states.shape[0], states.shape[1], states.shape[2])
            try Self.requireWithinLimits(count: n, length: tMax, dimension: d, shown, path: path)
            dimension = d
            maxLength = tMax
            elementType = decoding.elementType
            elementTypes = [decoding.elementType]
            storage = try wrap(shown) { try states.storage() }
            try wrap(shown) { try Self.requireDecodableFilters(states, shown, path: path) }
            paddedStates = (states, decoding)
            chunkedStates = try wrap(shown) {
                try ChunkedStates(file: path, datasetName: shown, dataset: states,
                                  descriptor: advisor?.descriptor)
            }
            switch try wrap("/lengths", { try root.kind(of: "lengths") }) {
            case nil:
                hasLengths = false
                lengths = Array(repeating: tMax, count: n)
            case .some(.dataset):
                hasLengths = true
                let dataset = try wrap("/lengths") { try root.openDataset("lengths") }
                try Self.requireVector(dataset, "/lengths", count: n, path: path)
                guard dataset.typeClass == .integer else {
                    throw DumpError.wrongType(file: path, dataset: "/lengths", expected: "integers")
                }
                let values = try wrap("/lengths") { try dataset.readIntegers() }
                for (i, length) in values.enumerated() where length < 0 || length > Int64(tMax) {
                    throw DumpError.lengthOutOfRange(file: path, dataset: "/lengths", index: i, length: length,
                                                     maxLength: tMax)
                }
                lengths = values.map { Int($0) }
            case .some:
                throw DumpError.wrongObjectKind(file: path, dataset: "/lengths", expected: "a dataset")
            }
        case (nil, .some(let kind)):
            guard kind == .group else {
                throw DumpError.wrongObjectKind(file: path, dataset: "/trajectories", expected: "a group")
            }
            if let layer, try Self.layerDataset(layer, root: root, path: path) != nil {
                throw DumpError.layer(file: path, detail: "layer \(layer) is stored under /layers, which koopscope reads "
                                      + "beside the padded layout only; this dump is ragged")
            }
            layout = .ragged
            statesDataset = "/trajectories"
            paddedStates = nil
            chunkedStates = nil
            hasLengths = false
            let group = try wrap("/trajectories") { try root.openGroup("trajectories") }
            let groupDtype = try wrap("/trajectories") { try group.attribute("dtype") }
            let names = try wrap("/trajectories") { try group.memberNames() }
            try Self.validateRaggedNames(names, path: path)
            var lengths: [Int] = [], types: [StateElementType] = []
            var firstStorage: DatasetStorage?
            var d: Int?
            for i in 0..<names.count {
                let name = "/trajectories/\(i)"
                guard try wrap(name, { try group.kind(of: String(i)) }) == .dataset else {
                    throw DumpError.wrongObjectKind(file: path, dataset: name, expected: "a dataset")
                }
                let dataset = try wrap(name) { try group.openDataset(String(i)) }
                guard dataset.shape.count == 2 else {
                    throw DumpError.wrongRank(file: path, dataset: name, rank: dataset.shape.count, expected: 2)
                }
                if let d, dataset.shape[1] != d {
                    throw DumpError.differingDimension(file: path, dataset: name, dimension: dataset.shape[1],
                                                       expected: d)
                }
                d = dataset.shape[1]
                try Self.requireWithinLimits(count: names.count, length: dataset.shape[0], dimension: dataset.shape[1], name,
                                             path: path)
                types.append(try Self.decoding(of: dataset, dataset: name, groupAttribute: groupDtype,
                                               path: path).elementType)
                if i == 0 { firstStorage = try wrap(name) { try dataset.storage() } }
                try wrap(name) { try Self.requireDecodableFilters(dataset, name, path: path) }
                lengths.append(dataset.shape[0])
            }
            self.lengths = lengths
            dimension = d ?? 0
            maxLength = lengths.max() ?? 0
            elementType = types.first ?? .float32
            elementTypes = Set(types)
            storage = firstStorage
        }

        let n = lengths.count
        func optional<T>(_ name: String, _ expected: String, accept: (HDF5TypeClass) -> Bool,
                         read: (HDF5Dataset) throws -> T) throws -> T? {
            let path0 = "/" + name
            switch try wrap(path0, { try root.kind(of: name) }) {
            case nil: return nil
            case .some(.dataset): break
            case .some: throw DumpError.wrongObjectKind(file: path, dataset: path0, expected: "a dataset")
            }
            let dataset = try wrap(path0) { try root.openDataset(name) }
            try Self.requireVector(dataset, path0, count: n, path: path)
            guard accept(dataset.typeClass) else {
                throw DumpError.wrongType(file: path, dataset: path0, expected: expected)
            }
            return try wrap(path0) { try read(dataset) }
        }
        let numeric: (HDF5TypeClass) -> Bool = { $0 == .float || $0 == .integer }
        rewards = try optional("rewards", "numbers", accept: numeric) { try $0.readDoubles() }
        advantages = try optional("advantages", "numbers", accept: numeric) { try $0.readDoubles() }
        groupIDs = try optional("group_ids", "integers", accept: { $0 == .integer }) {
            try $0.readIntegers().map { Int($0) }
        }
        prompts = try optional("prompts", "strings", accept: { $0 == .string }) { try $0.readStrings() }
        responses = try optional("responses", "strings", accept: { $0 == .string }) { try $0.readStrings() }
        promptIDs = try Self.tokenIDs("prompt_ids", root: root, count: n, width: nil, path: path)
        responseIDs = try Self.tokenIDs("response_ids", root: root, count: n, width: maxLength, path: path)
        attributes = try wrap(nil) { try root.attributes() }
    }

    private static func decoding(of dataset: HDF5Dataset, dataset name: String, groupAttribute: AttributeValue?,
                                 path: String) throws -> StateDecoding {
        do {
            let own = try dataset.location.attribute("dtype")
            switch try StateDecoding.resolve(dataset, dtypeAttribute: own ?? groupAttribute) {
            case .success(let decoding): return decoding
            case .failure(let reason):
                throw DumpError.unsupportedElementType(file: path, dataset: name, detail: reason)
            }
        } catch let failure as HDF5Failure {
            throw DumpError.hdf5(file: path, dataset: name, detail: failure.description)
        }
    }

    /// Throws unless every filter of `dataset` is one koopscope or this HDF5 library undoes.
    private static func requireDecodableFilters(_ dataset: HDF5Dataset, _ name: String, path: String) throws {
        for filter in try dataset.filterPipeline() where !filter.isAvailableInLibrary {
            guard filter.id == HDF5Filter.deflate || filter.id == HDF5Filter.shuffle else {
                throw DumpError.unsupportedFilter(file: path, dataset: name, filter: filter.description)
            }
        }
    }

    /// An optional N × width matrix of token ids padded with −1 (`width` checked when given), as
    /// rows without the padding.
    private static func tokenIDs(_ name: String, root: HDF5Location, count: Int, width: Int?, path: String) throws -> [[Int]]? {
        let dataset = "/" + name
        func wrap<T>(_ body: () throws -> T) throws -> T { try naming(path, dataset, body) }
        switch try wrap({ try root.kind(of: name) }) {
        case nil: return nil
        case .some(.dataset): break
        case .some: throw DumpError.wrongObjectKind(file: path, dataset: dataset, expected: "a dataset")
        }
        let ids = try wrap { try root.openDataset(name) }
        guard ids.shape.count == 2 else {
            throw DumpError.wrongRank(file: path, dataset: dataset, rank: ids.shape.count, expected: 2)
        }
        guard ids.shape[0] == count else {
            throw DumpError.wrongCount(file: path, dataset: dataset, count: ids.shape[0], expected: count)
        }
        guard ids.typeClass == .integer else { throw DumpError.wrongType(file: path, dataset: dataset, expected: "integers") }
        let columns = ids.shape[1]
        if let width, columns != width {
            throw DumpError.invalidTokenIDs(file: path, dataset: dataset, detail: "\(columns) columns, the states have \(width) rows")
        }
        guard count.multipliedReportingOverflow(by: columns).overflow == false,
              count * columns <= Limits.elementCount.upperBound else {
            throw DumpError.sizeOutOfBounds(file: path, dataset: dataset, detail: "\(count) × \(columns) ids")
        }
        let values = try wrap { try ids.readIntegers() }
        return try (0..<count).map { i in
            let row = values[(i * columns)..<((i + 1) * columns)]
            let used = row.prefix { $0 >= 0 }
            guard row.dropFirst(used.count).allSatisfy({ $0 == -1 }) else {
                throw DumpError.invalidTokenIDs(file: path, dataset: dataset, detail: "row \(i) has an id below 0, or ids after its −1 padding")
            }
            return used.map { Int($0) }
        }
    }

    /// `body`'s result, an HDF5 failure in it rethrown naming the file and the dataset.
    private static func naming<T>(_ path: String, _ dataset: String?, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let failure as HDF5Failure {
            throw DumpError.hdf5(file: path, dataset: dataset, detail: failure.description)
        }
    }

    private static func requireVector(_ dataset: HDF5Dataset, _ name: String, count: Int, path: String) throws {
        guard dataset.shape.count == 1 else {
            throw DumpError.wrongRank(file: path, dataset: name, rank: dataset.shape.count, expected: 1)
        }
        guard dataset.shape[0] == count else {
            throw DumpError.wrongCount(file: path, dataset: name, count: dataset.shape[0], expected: count)
        }
    }

    private static func validateRaggedNames(_ names: [String], path: String) throws {
        var seen = Set<Int>()
        for name in names {
            guard let i = Int(name), i >= 0, String(i) == name else {
                throw DumpError.raggedNames(file: path, detail: "member \"\(name)\" is not a trajectory index")
            }
            seen.insert(i)
        }
        if let missing = (0..<names.count).first(where: { !seen.contains($0) }) {
            throw DumpError.raggedNames(file: path, detail: "\(names.count) members but no \"\(missing)\"")
        }
    }
}

extension Dump {
    /// Throws unless the sizes a states dataset declares lie within ``Limits`` (a crafted file
    /// can declare any dimensions over a few bytes of fill value).
    static func requireWithinLimits(count: Int, length: Int, dimension: Int, _ dataset: String, path: String) throws {
        for (what, value, bounds) in [("trajectories", count, Limits.trajectoryCount),
                                      ("states per trajectory", length, Limits.trajectoryLength),
                                      // An empty dump's states have no width (d = 0).
                                      ("state width d", dimension, 0...Limits.stateDimension.upperBound)]
        where !bounds.contains(value) {
            throw DumpError.sizeOutOfBounds(file: path, dataset: dataset,
                                            detail: "\(value) \(what), past the bound \(bounds.upperBound)")
        }
        if (try? Limits.product(length, dimension, "")) == nil {
            throw DumpError.sizeOutOfBounds(file: path, dataset: dataset, detail: "a trajectory of \(length) × \(dimension) "
                                            + "states is past the bound of \(Limits.elementCount.upperBound) elements")
        }
    }
}
