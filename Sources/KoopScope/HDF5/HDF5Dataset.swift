import _CHDF5

/// How a dataset is laid out on disk, for `inspect` and for choosing read sizes.
public struct DatasetStorage: Sendable, Equatable, CustomStringConvertible {
    /// Chunk shape, or nil for contiguous or compact storage.
    public var chunkShape: [Int]?
    /// Filters in pipeline order, by name (`deflate`, `shuffle`, …).
    public var filters: [String]

    public var description: String {
        var parts = [chunkShape.map { "chunked " + $0.map(String.init).joined(separator: "×") } ?? "contiguous"]
        parts += filters
        return parts.joined(separator: ", ")
    }
}

/// One stage of a chunked dataset's filter pipeline.
struct HDF5Filter: Sendable, CustomStringConvertible {
    static let deflate = Int(H5Z_FILTER_DEFLATE), shuffle = Int(H5Z_FILTER_SHUFFLE)
    static let fletcher32 = Int(H5Z_FILTER_FLETCHER32)

    /// The registered filter identifier (1 deflate, 2 shuffle, 32000 lzf, …).
    let id: Int
    /// The name the file records for it (may be empty).
    let name: String
    /// The filter's client values (the deflate level, the shuffle element size).
    let values: [UInt32]

    /// Whether this HDF5 library can apply the filter (built in or a loaded plugin).
    var isAvailableInLibrary: Bool { HDF5Serial.locked(nil) { ks_filter_available(Int32(id)) != 0 } }

    var description: String {
        switch id {
        case Self.deflate: values.isEmpty ? "gzip" : "gzip \(values[0])"
        case Self.shuffle: "shuffle"
        case Self.fletcher32: "fletcher32"
        case 32000: "lzf"
        default: name.isEmpty ? "filter \(id)" : name
        }
    }
}

/// An open dataset with its shape and file datatype. Each method takes the HDF5 lock itself.
struct HDF5Dataset {
    let object: HDF5Object
    let name: String
    let shape: [Int]
    let type: HDF5Object
    var id: hid_t { object.id }

    init(_ object: HDF5Object, name: String) throws {
        self.object = object
        self.name = name
        (shape, type) = try HDF5Serial.locked(object.file) {
            let space = object.child(try checkID(H5Dget_space(object.id), "H5Dget_space"), .dataspace)
            return (try dataspaceDimensions(space.id),
                    object.child(try checkID(H5Dget_type(object.id), "H5Dget_type"), .datatype))
        }
    }

    /// Runs `body`'s HDF5 calls under the lock, blamed on this dataset's file.
    private func locked<R>(_ body: () throws -> R) rethrows -> R { try HDF5Serial.locked(object.file, body) }

    var typeClass: HDF5TypeClass { locked { HDF5TypeClass(H5Tget_class(type.id)) } }
    var typeSize: Int { locked { H5Tget_size(type.id) } }

    /// Attributes of this dataset.
    var location: HDF5Location { HDF5Location(object: object) }

    func storage() throws -> DatasetStorage {
        DatasetStorage(chunkShape: try chunkShape(), filters: try filterPipeline().map(\.description))
    }

    /// The chunk shape, or nil for contiguous or compact storage.
    func chunkShape() throws -> [Int]? {
        try locked {
            let plist = object.child(try checkID(H5Dget_create_plist(id), "H5Dget_create_plist"), .propertyList)
            guard H5Pget_layout(plist.id) == H5D_CHUNKED else { return nil }
            var dims = [hsize_t](repeating: 0, count: 32)
            let rank = H5Pget_chunk(plist.id, 32, &dims)
            try checkStatus(rank, "H5Pget_chunk")
            return dims.prefix(Int(rank)).map { Int($0) }
        }
    }

    /// The filters chunks pass through on writing, in pipeline order.
    func filterPipeline() throws -> [HDF5Filter] {
        try locked {
            let plist = object.child(try checkID(H5Dget_create_plist(id), "H5Dget_create_plist"), .propertyList)
            let count = H5Pget_nfilters(plist.id)
            try checkStatus(count, "H5Pget_nfilters")
            var filters: [HDF5Filter] = []
            for i in 0..<UInt32(count) {
                var flags: UInt32 = 0, nValues = 8, config: UInt32 = 0
                var values = [UInt32](repeating: 0, count: 8)
                var name = [CChar](repeating: 0, count: 64)
                let filter = H5Pget_filter2(plist.id, i, &flags, &nValues, &values, 64, &name, &config)
                try checkStatus(filter, "H5Pget_filter2")
                let text = text(ofCString: name)
                filters.append(HDF5Filter(id: Int(filter), name: text, values: Array(values.prefix(min(nValues, 8)))))
            }
            return filters
        }
    }

    // MARK: The element type

    /// The bit fields of a floating-point element type: sign, exponent and mantissa positions,
    /// exponent and mantissa sizes.
    func floatFields() throws -> [Int] {
        try locked {
            var spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0
            try checkStatus(H5Tget_fields(type.id, &spos, &epos, &esize, &mpos, &msize), "H5Tget_fields")
            return [spos, epos, esize, mpos, msize]
        }
    }

    /// Whether an integer element type is signed (two's complement).
    var isSignedInteger: Bool { locked { H5Tget_sign(type.id) == H5T_SGN_2 } }

    /// Whether the elements are stored most significant byte first.
    var isBigEndian: Bool { locked { ks_type_is_big_endian(type.id) != 0 } }

    /// The element type with little-endian byte order, for reading the stored bits as they
    /// are (HDF5 then copies instead of converting).
    func littleEndianType() throws -> HDF5Object {
        try locked {
            let memory = HDF5Object(try checkID(H5Tcopy(type.id), "H5Tcopy"), .datatype, file: nil)
            try checkStatus(H5Tset_order(memory.id, H5T_ORDER_LE), "H5Tset_order")
            return memory
        }
    }

    // MARK: Where the bytes are

    /// The byte offset of a contiguous dataset's data in the file, or nil when it has none
    /// (chunked, compact or never written).
    var contiguousOffset: Int? {
        locked {
            let offset = ks_contiguous_offset(id)
            return offset >= 0 ? Int(offset) : nil
        }
    }

    /// Where the stored chunk whose first element is at `coordinates` lies: its filter mask,
    /// byte address and stored size, or nil when it was never written.
    func chunkLocation(_ coordinates: [Int]) throws -> (mask: UInt32, address: Int, size: Int)? {
        try locked {
            var mask: UInt32 = 0, address: Int64 = 0, size: UInt64 = 0
            guard ks_chunk_location(id, coordinates.map { hsize_t($0) }, &mask, &address, &size) == 0 else {
                throw HDF5Failure.take("H5Dget_chunk_info_by_coord")
            }
            return address >= 0 ? (mask, Int(address), Int(size)) : nil
        }
    }

    // MARK: Reading

    /// The whole dataset converted to `memType`, into `buffer` (which must be large enough).
    func readAll(into buffer: UnsafeMutableRawPointer, as memType: HDF5Object) throws {
        try locked {
            try checkStatus(H5Dread(id, memType.id, ks_H5S_ALL(), ks_H5S_ALL(), ks_H5P_DEFAULT(), buffer),
                            "H5Dread(\(name))")
        }
    }

    /// Refuses, before HDF5 converts it, an element type that is not a number of at most 16 bytes
    /// (``isPlausibleNumber(_:width:)``).
    func requireNumericElements() throws {
        let typeClass = typeClass, size = typeSize
        guard isPlausibleNumber(typeClass, width: size) else {
            throw HDF5Failure(call: "H5Dread(\(name))", stack: typeClass == .integer || typeClass == .float
                ? "its elements are declared \(size) bytes wide, which no number is (a damaged file)"
                : "its elements are not numbers")
        }
    }

    /// The whole dataset as `number`s in memory, converted by HDF5.
    func readNumbers<T: Numeric>(as number: HDF5Number, _: T.Type) throws -> [T] {
        try requireNumericElements()
        var values = [T](repeating: 0, count: shape.reduce(1, *))
        if values.isEmpty { return [] }
        let memType = try number.memoryType()
        try values.withUnsafeMutableBytes { try readAll(into: $0.baseAddress!, as: memType) }
        return values
    }

    /// A numeric dataset as Int64 (HDF5 converts any integer type).
    func readIntegers() throws -> [Int64] { try readNumbers(as: .int64, Int64.self) }

    /// A numeric dataset as Double.
    func readDoubles() throws -> [Double] { try readNumbers(as: .float64, Double.self) }

    /// A numeric dataset as Float.
    func readFloats() throws -> [Float] { try readNumbers(as: .float32, Float.self) }

    /// A 1-D string dataset.
    func readStrings() throws -> [String] {
        try locked {
            let space = object.child(try checkID(H5Dget_space(id), "H5Dget_space"), .dataspace)
            return try KoopScope.readStrings(count: shape.reduce(1, *), fileType: type.id, space: space.id,
                                             file: object.file, what: name) { mem, buf in
                H5Dread(id, mem, ks_H5S_ALL(), ks_H5S_ALL(), ks_H5P_DEFAULT(), buf)
            }
        }
    }

    /// Reads the union of `blocks` — each a start and a count per dimension — converted
    /// to `memType`, packed one after another in row-major order into `buffer`.
    func readBlocks(_ blocks: [(start: [Int], count: [Int])], as memType: HDF5Object,
                    into buffer: UnsafeMutableRawPointer) throws {
        let total = blocks.reduce(0) { $0 + $1.count.reduce(1, *) }
        guard total > 0 else { return }
        try locked {
            let fileSpace = object.child(try checkID(H5Dget_space(id), "H5Dget_space"), .dataspace)
            var first = true
            for block in blocks where block.count.reduce(1, *) > 0 {
                let start = block.start.map { hsize_t($0) }, count = block.count.map { hsize_t($0) }
                try checkStatus(H5Sselect_hyperslab(fileSpace.id, first ? H5S_SELECT_SET : H5S_SELECT_OR,
                                                    start, nil, count, nil), "H5Sselect_hyperslab")
                first = false
            }
            let memSpace = try makeDataspace([total])
            try checkStatus(H5Dread(id, memType.id, memSpace.id, fileSpace.id, ks_H5P_DEFAULT(), buffer),
                            "H5Dread(\(name))")
        }
    }

    // MARK: Writing

    /// Writes `buffer` (of `memType`) into the block at `start` of shape `count`.
    func writeBlock(start: [Int], count: [Int], as memType: HDF5Object, from buffer: UnsafeRawPointer) throws {
        guard count.reduce(1, *) > 0 else { return }
        try locked {
            let fileSpace = object.child(try checkID(H5Dget_space(id), "H5Dget_space"), .dataspace)
            try checkStatus(H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, start.map { hsize_t($0) }, nil,
                                                count.map { hsize_t($0) }, nil), "H5Sselect_hyperslab")
            let memSpace = try makeDataspace([count.reduce(1, *)])
            try checkStatus(H5Dwrite(id, memType.id, memSpace.id, fileSpace.id, ks_H5P_DEFAULT(), buffer),
                            "H5Dwrite(\(name))")
        }
    }

    /// Writes the whole dataset from `buffer` of `memType`.
    func writeAll(as memType: HDF5Object, from buffer: UnsafeRawPointer) throws {
        try locked {
            try checkStatus(H5Dwrite(id, memType.id, ks_H5S_ALL(), ks_H5S_ALL(), ks_H5P_DEFAULT(), buffer),
                            "H5Dwrite(\(name))")
        }
    }

    /// Writes the whole dataset from `values`, stored as this dataset's type.
    func writeAll<T>(_ values: [T], as number: HDF5Number) throws {
        guard !values.isEmpty else { return }
        let memType = try number.memoryType()
        try values.withUnsafeBytes { try writeAll(as: memType, from: $0.baseAddress!) }
    }

    /// Writes the whole 1-D dataset from `strings`, of the variable-length string type `type`.
    func writeAll(_ strings: [String], as type: HDF5Object) throws {
        try withCStringPointers(strings) { try writeAll(as: type, from: $0) }
    }
}

extension HDF5Location {
    /// Creates a dataset of `shape` and file type `type`, chunked and gzip-compressed when asked.
    func createDataset(_ name: String, type: HDF5Object, shape: [Int], chunk: [Int]? = nil,
                       gzipLevel: Int? = nil) throws -> HDF5Dataset {
        try locked {
            let space = try makeDataspace(shape)
            let dcpl = HDF5Object(try checkID(H5Pcreate(ks_H5P_DATASET_CREATE()), "H5Pcreate"), .propertyList, file: nil)
            if let chunk, shape.reduce(1, *) > 0 {
                let c = zip(chunk, shape).map { hsize_t(max(1, min($0, $1))) }
                try checkStatus(H5Pset_chunk(dcpl.id, Int32(c.count), c), "H5Pset_chunk")
                if let level = gzipLevel {
                    try checkStatus(H5Pset_shuffle(dcpl.id), "H5Pset_shuffle")
                    try checkStatus(H5Pset_deflate(dcpl.id, UInt32(level)), "H5Pset_deflate")
                }
            }
            let d = H5Dcreate2(id, name, type.id, space.id, ks_H5P_DEFAULT(), dcpl.id, ks_H5P_DEFAULT())
            return try HDF5Dataset(object.child(try checkID(d, "H5Dcreate2(\(name))"), .dataset), name: name)
        }
    }

    /// Creates a dataset of `number`s, stored little-endian, and writes `values` into it.
    func writeDataset<T>(_ name: String, _ values: [T], as number: HDF5Number, shape: [Int]? = nil) throws {
        try createDataset(name, type: try number.storedType(), shape: shape ?? [values.count])
            .writeAll(values, as: number)
    }
}
