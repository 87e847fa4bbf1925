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
        guard id >= 0 else { return .failure(.unreadable(HDF5Failure.take("H5Fopen").stack)) }
        keepFromChildProcesses(id)
        return .success(id)
    }
    return HDF5Location(object: HDF5Object(try opened.get(), .file, file: path))
}

/// Creates (truncating) the HDF5 file `path` and returns its root group.
func createHDF5File(_ path: String) throws -> HDF5Location {
    try HDF5Serial.locked(path) {
        let id = try checkID(H5Fcreate(path, ks_H5F_ACC_TRUNC(), ks_H5P_DEFAULT(), ks_H5P_DEFAULT()), "H5Fcreate")
        keepFromChildProcesses(id)
        return HDF5Location(object: HDF5Object(id, .file, file: path))
    }
}

/// Marks the open file's descriptor close-on-exec. HDF5 opens files without it, so a process
/// the program starts meanwhile inherited the descriptor — and the lock HDF5 takes on the file —
/// for as long as it ran, and opening the file again failed with "unable to lock file".
/// Called under the HDF5 lock.
private func keepFromChildProcesses(_ id: hid_t) {
    var handle: UnsafeMutableRawPointer?
    guard H5Fget_vfd_handle(id, ks_H5P_DEFAULT(), &handle) >= 0, let handle else { return }
    let descriptor = handle.load(as: Int32.self)
    let flags = fcntl(descriptor, F_GETFD)
    if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
}
