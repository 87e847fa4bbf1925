import _CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file or group: a place datasets, groups and attributes hang from.
struct HDF5Location {
    /// What a link inside a location points to.
    enum MemberKind { case dataset, group, other }

    let object: HDF5Object
    var id: hid_t { object.id }

    /// What `name` is, or nil when there is no such link. `name` may be a path (`a/b`);
    /// every intermediate link is checked in turn, as H5Lexists requires.
    func kind(of name: String) throws -> MemberKind? {
        try locked {
            var prefix = ""
            for part in name.split(separator: "/") {
                prefix += prefix.isEmpty ? String(part) : "/" + part
                let exists = H5Lexists(id, prefix, ks_H5P_DEFAULT())
                try checkStatus(exists, "H5Lexists(\(prefix))")
                if exists == 0 { return nil }
            }
            let member = object.child(try checkID(H5Oopen(id, name, ks_H5P_DEFAULT()), "H5Oopen(\(name))"), .object)
            switch H5Iget_type(member.id) {
            case H5I_DATASET: return .dataset
            case H5I_GROUP: return .group
            default: return .other
            }
        }
    }

    func openDataset(_ name: String, chunkCacheBytes: Int = 64 << 20) throws -> HDF5Dataset {
        try locked {
            let dapl = HDF5Object(try checkID(H5Pcreate(ks_H5P_DATASET_ACCESS()), "H5Pcreate"), .propertyList, file: nil)
            // A chunk cache that holds a batch's chunks, so no chunk is decompressed twice.
            try checkStatus(H5Pset_chunk_cache(dapl.id, 12421, chunkCacheBytes, 1.0), "H5Pset_chunk_cache")
            let d = try checkID(H5Dopen2(id, name, dapl.id), "H5Dopen2(\(name))")
            return try HDF5Dataset(object.child(d, .dataset), name: name)
        }
    }

    func openGroup(_ name: String) throws -> HDF5Location {
        try locked {
            HDF5Location(object: object.child(try checkID(H5Gopen2(id, name, ks_H5P_DEFAULT()), "H5Gopen2(\(name))"),
                                              .group))
        }
    }

    func createGroup(_ name: String) throws -> HDF5Location {
        try locked {
            let g = H5Gcreate2(id, name, ks_H5P_DEFAULT(), ks_H5P_DEFAULT(), ks_H5P_DEFAULT())
            return HDF5Location(object: object.child(try checkID(g, "H5Gcreate2(\(name))"), .group))
        }
    }

    /// Runs `body`'s HDF5 calls under the lock, blamed on this location's file.
    func locked<R>(_ body: () throws -> R) rethrows -> R { try HDF5Serial.locked(object.file, body) }

    /// The names of the links in this group, in name order.
    func memberNames() throws -> [String] {
        try locked { try unlockedMemberNames() }
    }

    private func unlockedMemberNames() throws -> [String] {
        var info = H5G_info_t()
        try checkStatus(H5Gget_info(id, &info), "H5Gget_info")
        var names: [String] = []
        names.reserveCapacity(Int(info.nlinks))
        for i in 0..<info.nlinks {
            let size = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, ks_H5P_DEFAULT())
            try checkStatus(size, "H5Lget_name_by_idx")
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            try checkStatus(H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count,
                                               ks_H5P_DEFAULT()), "H5Lget_name_by_idx")
            names.append(text(ofCString: buffer.prefix(Int(size))))
        }
        return names
    }

    // MARK: Attributes

    /// Every attribute of this object, in name order.
    func attributes() throws -> [(name: String, value: AttributeValue)] {
        try locked { try unlockedAttributes() }
    }

    private func unlockedAttributes() throws -> [(name: String, value: AttributeValue)] {
        let count = ks_attribute_count(id)
        try checkStatus(count, "H5Oget_info")
        var result: [(String, AttributeValue)] = []
        for i in 0..<hsize_t(count) {
            let a = H5Aopen_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, ks_H5P_DEFAULT(), ks_H5P_DEFAULT())
            let attribute = object.child(try checkID(a, "H5Aopen_by_idx"), .attribute)
            let size = H5Aget_name(attribute.id, 0, nil)
            try checkStatus(size, "H5Aget_name")
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            try checkStatus(H5Aget_name(attribute.id, buffer.count, &buffer), "H5Aget_name")
            let name = text(ofCString: buffer.prefix(Int(size)))
            result.append((name, try readAttribute(attribute, name: name)))
        }
        return result
    }

    /// The attribute `name`, or nil when there is none.
    func attribute(_ name: String) throws -> AttributeValue? {
        try locked {
            let exists = H5Aexists(id, name)
            try checkStatus(exists, "H5Aexists(\(name))")
            guard exists > 0 else { return nil }
            let attribute = object.child(try checkID(H5Aopen(id, name, ks_H5P_DEFAULT()), "H5Aopen(\(name))"), .attribute)
            return try readAttribute(attribute, name: name)
        }
    }

    private func readAttribute(_ attribute: HDF5Object, name: String) throws -> AttributeValue {
        let type = attribute.child(try checkID(H5Aget_type(attribute.id), "H5Aget_type"), .datatype)
        let space = attribute.child(try checkID(H5Aget_space(attribute.id), "H5Aget_space"), .dataspace)
        let dims = try dataspaceDimensions(space.id)
        guard dims.count <= 1 else { return .unsupported("\(dims.count)-D array") }
        let n = dims.first ?? 1
        let scalar = dims.isEmpty
        let typeClass = HDF5TypeClass(H5Tget_class(type.id)), width = H5Tget_size(type.id)
        if (typeClass == .integer || typeClass == .float) && !isPlausibleNumber(typeClass, width: width) {
            return .unsupported("\(width)-byte number")
        }
        switch typeClass {
        case .integer:
            var values = [Int64](repeating: 0, count: n)
            try checkStatus(H5Aread(attribute.id, ks_H5T_NATIVE_INT64(), &values), "H5Aread")
            return scalar ? .integer(values[0]) : .integers(values)
        case .float:
            var values = [Double](repeating: 0, count: n)
            try checkStatus(H5Aread(attribute.id, ks_H5T_NATIVE_DOUBLE(), &values), "H5Aread")
            return scalar ? .real(values[0]) : .reals(values)
        case .string:
            let strings = try readStrings(count: n, fileType: type.id, space: space.id, file: attribute.file,
                                          what: "the attribute \(name)") { mem, buffer in
                H5Aread(attribute.id, mem, buffer)
            }
            return scalar ? .string(strings[0]) : .strings(strings)
        case .enumeration: return .unsupported("enum")
        case .compound: return .unsupported("compound")
        case .other: return .unsupported("unsupported type")
        }
    }

    /// Writes (replacing) the attribute `name`.
    func setAttribute(_ name: String, _ value: AttributeValue) throws {
        try locked { try unlockedSetAttribute(name, value) }
    }

    private func unlockedSetAttribute(_ name: String, _ value: AttributeValue) throws {
        if H5Aexists(id, name) > 0 { try checkStatus(H5Adelete(id, name), "H5Adelete(\(name))") }
        func create(_ type: hid_t, _ dims: [Int]) throws -> HDF5Object {
            let space = try makeDataspace(dims)
            let a = H5Acreate2(id, name, type, space.id, ks_H5P_DEFAULT(), ks_H5P_DEFAULT())
            return object.child(try checkID(a, "H5Acreate2(\(name))"), .attribute)
        }
        // Each attribute is bound to a local so it stays open through H5Awrite.
        switch value {
        case .integer(let v):
            let a = try create(ks_H5T_STD_I64LE(), [])
            try withUnsafeBytes(of: v) { try checkStatus(H5Awrite(a.id, ks_H5T_NATIVE_INT64(), $0.baseAddress), "H5Awrite") }
        case .integers(let v):
            let a = try create(ks_H5T_STD_I64LE(), [v.count])
            try checkStatus(H5Awrite(a.id, ks_H5T_NATIVE_INT64(), v), "H5Awrite")
        case .real(let v):
            let a = try create(ks_H5T_IEEE_F64LE(), [])
            try withUnsafeBytes(of: v) { try checkStatus(H5Awrite(a.id, ks_H5T_NATIVE_DOUBLE(), $0.baseAddress), "H5Awrite") }
        case .reals(let v):
            let a = try create(ks_H5T_IEEE_F64LE(), [v.count])
            try checkStatus(H5Awrite(a.id, ks_H5T_NATIVE_DOUBLE(), v), "H5Awrite")
        case .string(let s):
            let type = try variableStringType()
            let a = try create(type.id, [])
            try withCStringPointers([s]) { try checkStatus(H5Awrite(a.id, type.id, $0), "H5Awrite") }
        case .strings(let v):
            let type = try variableStringType()
            let a = try create(type.id, [v.count])
            try withCStringPointers(v) { try checkStatus(H5Awrite(a.id, type.id, $0), "H5Awrite") }
        case .unsupported:
            break
        }
    }
}

/// Calls `body` with an array of C string pointers to `strings`, valid during the call.
func withCStringPointers<R>(_ strings: [String], _ body: (UnsafeRawPointer) throws -> R) throws -> R {
    // An empty list still needs a valid pointer for HDF5 (which reads nothing through it).
    let copies = strings.isEmpty ? [nil] : strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return try copies.withUnsafeBufferPointer { try body(UnsafeRawPointer($0.baseAddress!)) }
}

/// The UTF-8 text of C characters HDF5 wrote, up to the first NUL or the end.
func text(ofCString characters: some Sequence<CChar>) -> String {
    String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Reads `count` strings (variable-length or fixed-size) of object `what` in `file` with
/// `read(memType, buffer)`, under the watchdog: HDF5 can loop forever on a corrupt string heap.
/// The caller holds the lock.
func readStrings(count: Int, fileType: hid_t, space: hid_t, file: String?, what: String,
                 read: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> [String] {
    try CrashGuard.watching(file ?? "", what) {
        try readStrings(count: count, fileType: fileType, space: space, read: read)
    }
}

private func readStrings(count: Int, fileType: hid_t, space: hid_t,
                         read: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> [String] {
    guard count > 0 else { return [] }
    let isVariable = H5Tis_variable_str(fileType)
    try checkStatus(isVariable, "H5Tis_variable_str")
    if isVariable > 0 {
        let mem = try variableStringType()
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        try pointers.withUnsafeMutableBytes { raw in
            try checkStatus(read(mem.id, raw.baseAddress!), "H5Dread(strings)")
        }
        let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
        _ = pointers.withUnsafeMutableBytes { ks_reclaim(mem.id, space, $0.baseAddress!) }
        return strings
    }
    let size = H5Tget_size(fileType)
    guard size > 0 else { throw HDF5Failure.take("H5Tget_size") }
    let mem = HDF5Object(try checkID(H5Tcopy(ks_H5T_C_S1()), "H5Tcopy"), .datatype, file: nil)
    try checkStatus(H5Tset_size(mem.id, size), "H5Tset_size")
    var bytes = [UInt8](repeating: 0, count: size * count)
    try bytes.withUnsafeMutableBytes { raw in
        try checkStatus(read(mem.id, raw.baseAddress!), "H5Dread(strings)")
    }
    return (0..<count).map { i in
        let slice = bytes[(i * size)..<((i + 1) * size)]
        return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
    }
}
