import _CHDF5

/// An open HDF5 identifier that is closed when the last reference goes away.
final class HDF5Object {
    /// What kind of identifier this is, which decides how it is closed.
    enum Kind { case file, group, dataset, dataspace, datatype, attribute, propertyList, object }

    let id: hid_t
    let kind: Kind
    /// The path of the file the object lives in (nil for one that belongs to no file, such as
    /// a memory datatype): every call on it is blamed on that file should HDF5 crash.
    let file: String?

    init(_ id: hid_t, _ kind: Kind, file: String?) {
        self.id = id
        self.kind = kind
        self.file = file
    }

    /// An object opened from this one, in the same file.
    func child(_ id: hid_t, _ kind: Kind) -> HDF5Object { HDF5Object(id, kind, file: file) }

    deinit {
        // Closing a file flushes and frees HDF5's caches, which a corrupted file can crash.
        _ = HDF5Serial.locked(file) {
            switch kind {
            case .file: H5Fclose(id)
            case .group: H5Gclose(id)
            case .dataset: H5Dclose(id)
            case .dataspace: H5Sclose(id)
            case .datatype: H5Tclose(id)
            case .attribute: H5Aclose(id)
            case .propertyList: H5Pclose(id)
            case .object: H5Oclose(id)
            }
        }
    }
}

/// A dataspace's shape. The caller holds the lock.
func dataspaceDimensions(_ space: hid_t) throws -> [Int] {
    let rank = H5Sget_simple_extent_ndims(space)
    try checkStatus(rank, "H5Sget_simple_extent_ndims")
    guard rank > 0 else { return [] }
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    try checkStatus(H5Sget_simple_extent_dims(space, &dims, nil), "H5Sget_simple_extent_dims")
    return dims.map { Int($0) }
}

/// A new simple dataspace of the given shape (scalar for an empty shape).
func makeDataspace(_ dims: [Int]) throws -> HDF5Object {
    try HDF5Serial.locked(nil) {
        if dims.isEmpty { return HDF5Object(try checkID(H5Screate(H5S_SCALAR), "H5Screate"), .dataspace, file: nil) }
        let d = dims.map { hsize_t($0) }
        return HDF5Object(try checkID(H5Screate_simple(Int32(d.count), d, nil), "H5Screate_simple"), .dataspace,
                          file: nil)
    }
}

/// Whether a datatype of `typeClass` and `width` bytes is a number HDF5 can safely convert: a
/// damaged file can declare numbers gigabytes wide, and HDF5 1.10 allocates conversion buffers
/// of that width before it fails.
func isPlausibleNumber(_ typeClass: HDF5TypeClass, width: Int) -> Bool {
    (typeClass == .integer || typeClass == .float) && (1...16).contains(width)
}
