/// Why a dictionary file could not be read, written or used.
public enum DictionaryError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(file: String)
    case notHDF5(file: String)
    case unreadable(file: String, detail: String)
    case missingWeight(file: String)
    case invalid(file: String, dataset: String, detail: String)
    /// The dictionary's d is not the dump's.
    case dimensionMismatch(file: String, dictionary: Int, dump: String, states: Int)
    case writeFailed(file: String, detail: String)

    public var description: String {
        switch self {
        case .fileNotFound(let f): "\(f): no such file"
        case .notHDF5(let f): "\(f): not an HDF5 file"
        case .unreadable(let f, let detail): "\(f): cannot be opened as HDF5 (truncated or corrupt?): \(detail)"
        case .missingWeight(let f): "\(f): /weight: missing; a dictionary holds /weight (m × d) and optionally /bias (m)"
        case .invalid(let f, let d, let detail): "\(f): \(d): \(detail)"
        case .dimensionMismatch(let f, let m, let dump, let d):
            "\(f): /weight: dictionary expects states of dimension d = \(m), but \(dump) has d = \(d)"
        case .writeFailed(let f, let detail): "\(f): could not be written: \(detail)"
        }
    }
}
