/// Why a dump could not be read or written. Every case names the file and, where
/// one is concerned, the dataset.
public enum DumpError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(file: String)
    case notHDF5(file: String)
    /// HDF5 could not open the file: truncated, corrupt or unreadable.
    case unreadable(file: String, detail: String)
    /// Neither `/hidden_states` nor `/trajectories` is present.
    case missingStates(file: String)
    /// The file is a Koopman dictionary (`/weight`), not a dump.
    case dictionaryGiven(file: String)
    /// Both layouts are present, so which one holds the trajectories is unclear.
    case ambiguousLayout(file: String)
    /// A path that must be a dataset is a group (or the reverse).
    case wrongObjectKind(file: String, dataset: String, expected: String)
    case wrongRank(file: String, dataset: String, rank: Int, expected: Int)
    case unsupportedElementType(file: String, dataset: String, detail: String)
    /// A trajectory length outside `0…T_max`.
    case lengthOutOfRange(file: String, dataset: String, index: Int, length: Int64, maxLength: Int)
    /// A per-trajectory dataset whose count is not the number of trajectories.
    case wrongCount(file: String, dataset: String, count: Int, expected: Int)
    /// A per-trajectory dataset of the wrong element type.
    case wrongType(file: String, dataset: String, expected: String)
    /// A ragged trajectory whose state dimension differs from the first one's.
    case differingDimension(file: String, dataset: String, dimension: Int, expected: Int)
    /// Names under `/trajectories` that are not exactly `0 … N−1`.
    case raggedNames(file: String, detail: String)
    /// An HDF5 call failed; `detail` carries HDF5's error stack.
    case hdf5(file: String, dataset: String?, detail: String)
    /// A chunked dataset uses a filter this HDF5 library cannot undo (h5py's lzf, say).
    case unsupportedFilter(file: String, dataset: String, filter: String)
    /// A stored chunk is truncated, its compressed stream is corrupt, or it does not decode
    /// to the size its chunk shape gives.
    case corruptChunk(file: String, dataset: String, detail: String)
    /// A size the file declares past koopscope's bounds (``Limits``).
    case sizeOutOfBounds(file: String, dataset: String, detail: String)
    /// `/prompt_ids` or `/response_ids` of the wrong width, or not ids padded with −1.
    case invalidTokenIDs(file: String, dataset: String, detail: String)
    /// A request outside the dump (a trajectory index past N, say).
    case outOfRange(file: String, detail: String)
    /// A layer the dump does not hold, or whose states do not match the main ones.
    case layer(file: String, detail: String)
    /// Writing failed; nothing was left at the destination.
    case writeFailed(file: String, detail: String)

    /// The file the error concerns.
    public var file: String {
        switch self {
        case .fileNotFound(let f), .notHDF5(let f), .missingStates(let f), .ambiguousLayout(let f): f
        case .dictionaryGiven(let f): f
        case .unreadable(let f, _), .raggedNames(let f, _), .outOfRange(let f, _), .writeFailed(let f, _): f
        case .wrongObjectKind(let f, _, _), .unsupportedElementType(let f, _, _), .wrongType(let f, _, _): f
        case .wrongRank(let f, _, _, _), .wrongCount(let f, _, _, _), .differingDimension(let f, _, _, _): f
        case .lengthOutOfRange(let f, _, _, _, _), .hdf5(let f, _, _): f
        case .unsupportedFilter(let f, _, _), .corruptChunk(let f, _, _), .sizeOutOfBounds(let f, _, _): f
        case .invalidTokenIDs(let f, _, _): f
        case .layer(let f, _): f
        }
    }

    public var description: String {
        switch self {
        case .fileNotFound(let f):
            return "\(f): no such file"
        case .notHDF5(let f):
            return "\(f): not an HDF5 file"
        case .unreadable(let f, let detail):
            return "\(f): cannot be opened as HDF5 (truncated or corrupt?): \(detail)"
        case .missingStates(let f):
            return "\(f): holds neither /hidden_states (padded layout) nor /trajectories (ragged layout)"
        case .dictionaryGiven(let f):
            return "\(f): is a Koopman dictionary (/weight), not a dump; give it to analyze with --dictionary"
        case .ambiguousLayout(let f):
            return "\(f): holds both /hidden_states and /trajectories; a dump has one layout"
        case .wrongObjectKind(let f, let d, let expected):
            return "\(f): \(d): must be \(expected)"
        case .wrongRank(let f, let d, let rank, let expected):
            return "\(f): \(d): has rank \(rank), expected \(expected)"
                + (expected == 3 ? " (N × T_max × d)" : expected == 2 ? " (T × d)" : expected == 1 ? " (N)" : "")
        case .unsupportedElementType(let f, let d, let detail):
            return "\(f): \(d): unsupported element type: \(detail)"
                + "; expected float16, float32, float64, or uint16 with attribute dtype = \"bfloat16\""
        case .lengthOutOfRange(let f, let d, let i, let length, let maxLength):
            return "\(f): \(d): length \(length) of trajectory \(i) is outside 0…\(maxLength)"
        case .wrongCount(let f, let d, let count, let expected):
            return "\(f): \(d): has \(count) entries, but the dump holds \(expected) trajectories"
        case .wrongType(let f, let d, let expected):
            return "\(f): \(d): must hold \(expected)"
        case .differingDimension(let f, let d, let dimension, let expected):
            return "\(f): \(d): state dimension d = \(dimension) differs from the first trajectory's \(expected)"
        case .raggedNames(let f, let detail):
            return "\(f): /trajectories: \(detail); names must be exactly 0 … N−1 in decimal"
        case .hdf5(let f, let d, let detail):
            return "\(f): \(d.map { "\($0): " } ?? "")HDF5 error: \(detail)"
        case .unsupportedFilter(let f, let d, let filter):
            return "\(f): \(d): is compressed with \(filter), which this HDF5 library cannot decode"
                + "; write the dump with gzip (compression=\"gzip\") or uncompressed"
        case .corruptChunk(let f, let d, let detail):
            return "\(f): \(d): a stored chunk cannot be decoded: \(detail)"
        case .sizeOutOfBounds(let f, let d, let detail):
            return "\(f): \(d): \(detail)"
        case .invalidTokenIDs(let f, let d, let detail):
            return "\(f): \(d): \(detail); token ids are N rows padded with −1"
        case .outOfRange(let f, let detail):
            return "\(f): \(detail)"
        case .writeFailed(let f, let detail):
            return "\(f): could not be written: \(detail)"
        case .layer(let f, let detail):
            return "\(f): \(detail)"
        }
    }
}
