import FoundationEssentials
import Glibc
import _CHDF5

/// Why an HDF5 file could not be opened for reading, before any dataset is looked at.
enum HDF5OpenFailure: Error {
    case notFound
    case notHDF5
    case unreadable(String)
}

/// Opens `path` read-only, telling a missing file, a non-HDF5 file and a damaged one apart,
/// and returns its root group.
func openHDF5ForReading(_ path: String) throws(HDF5OpenFailure) -> HDF5Location {
    var isDirectory = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .notFound }
    if isDirectory { throw .notHDF5 }
    let opened: Result<hid_t, HDF5OpenFailure> = HDF5Serial.locked(path) {
        let probe = ks_is_hdf5(path)
        if probe == 0 { return .failure(.notHDF5) }
        if probe < 0 { return .failure(.unreadable(HDF5Failure.take("H5Fis_hdf5").stack)) }
        let id = H5Fopen(path, ks_H5F_ACC_RDONLY(), ks_H5P_DEFAULT())
        return id < 0 ? .failure(.unreadable(HDF5Failure.take("H5Fopen").stack)) : .success(id)
    }
    return HDF5Location(object: HDF5Object(try opened.get(), .file, file: path))
}

/// Creates (truncating) the HDF5 file `path` and returns its root group.
func createHDF5File(_ path: String) throws -> HDF5Location {
    try HDF5Serial.locked(path) {
        let id = H5Fcreate(path, ks_H5F_ACC_TRUNC(), ks_H5P_DEFAULT(), ks_H5P_DEFAULT())
        return HDF5Location(object: HDF5Object(try checkID(id, "H5Fcreate"), .file, file: path))
    }
}
