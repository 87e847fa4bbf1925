import Foundation
import _CHDF5

/// Why an HDF5 file could not be opened for reading, before any dataset is looked at.
enum HDF5OpenFailure: Error {
    case notFound
    case notHDF5
    case unreadable(String)
}

/// Opens `path` read-only, telling a missing file, a non-HDF5 file and a damaged one apart.
func openHDF5ForReading(_ path: String) throws(HDF5OpenFailure) -> HDF5Object {
    silenceHDF5()
    CrashGuard.reading(path)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .notFound }
    if isDirectory.boolValue { throw .notHDF5 }
    let probe = ks_is_hdf5(path)
    if probe == 0 { throw .notHDF5 }
    if probe < 0 { throw .unreadable(HDF5Failure.take("H5Fis_hdf5").stack) }
    let id = H5Fopen(path, ks_H5F_ACC_RDONLY(), ks_H5P_DEFAULT())
    if id < 0 { throw .unreadable(HDF5Failure.take("H5Fopen").stack) }
    return HDF5Object(id, .file, path: path)
}
