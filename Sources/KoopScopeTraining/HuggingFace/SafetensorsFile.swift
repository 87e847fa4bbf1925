import Foundation
import KoopScope
#if canImport(Glibc)
import Glibc
#endif

/// A `.safetensors` file, memory-mapped and checked: its JSON header read, every tensor's dtype,
/// shape and byte range validated against each other and the file before any is read.
///
/// The format is an 8-byte little-endian header size, the JSON header (`{"name": {"dtype": "F32",
/// "shape": [2, 3], "data_offsets": [begin, end]}, "__metadata__": {…}}`), then the data; offsets
/// count from the data's start.
///
/// ```swift
/// let file = try SafetensorsFile(path: "model.safetensors")
/// let embedding = try file.floats("model.embed_tokens.weight")
/// ```
public final class SafetensorsFile: @unchecked Sendable {
    /// An element type a tensor may be stored as.
    public enum DType: String, Sendable, CaseIterable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"
        case u16 = "U16", u32 = "U32", u64 = "U64", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

        /// Bytes per element.
        public var byteWidth: Int {
            switch self {
            case .f64, .i64, .u64: 8
            case .f32, .i32, .u32: 4
            case .f16, .bf16, .i16, .u16: 2
            case .i8, .u8, .bool, .f8e4m3, .f8e5m2: 1
            }
        }
    }

    /// One tensor's entry in the header.
    public struct Entry: Sendable, Equatable {
        public let dtype: DType
        public let shape: [Int]
        /// Where its bytes lie, from the start of the data.
        public let byteRange: Range<Int>
        /// shape's product.
        public var count: Int { shape.reduce(1, *) }
    }

    /// The header size past which a file is refused (the format's own reader has the same bound).
    public static let maximumHeaderBytes = 100 << 20

    public let path: String
    /// Every tensor, by name.
    public let entries: [String: Entry]
    /// The header's `__metadata__` (string to string), empty when absent.
    public let metadata: [String: String]

    private let mapping: UnsafeRawPointer?
    private let mappedBytes: Int
    private let dataOffset: Int

    /// Maps the file at `path` and checks its header.
    public init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ModelFileError.unreadable(file: path, detail: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ModelFileError.unreadable(file: path, detail: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ModelFileError.unreadable(file: path, detail: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size >= 8 else {
            throw ModelFileError.malformed(file: path, detail: "\(size) bytes: too short for a safetensors header (8 bytes of size first)")
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw ModelFileError.unreadable(file: path, detail: "cannot map it: \(String(cString: strerror(errno)))")
        }
        mapping = UnsafeRawPointer(mapped)
        mappedBytes = size
        do {
            let declared = UInt64(littleEndian: mapped.loadUnaligned(as: UInt64.self))
            guard declared <= UInt64(Self.maximumHeaderBytes) else {
                throw ModelFileError.malformed(file: path, detail: "its header declares \(declared) bytes, past the bound of \(Self.maximumHeaderBytes)")
            }
            let headerBytes = Int(declared)
            guard headerBytes <= size - 8 else {
                throw ModelFileError.malformed(file: path, detail: "its header declares \(headerBytes) bytes, but only \(size - 8) follow (truncated?)")
            }
            dataOffset = 8 + headerBytes
            let header = Data(bytes: mapped + 8, count: headerBytes)
            (entries, metadata) = try Self.parseHeader(header, dataBytes: size - dataOffset, path: path)
        } catch {
            munmap(mapped, size)
            throw error
        }
    }

    deinit {
        if let mapping { munmap(UnsafeMutableRawPointer(mutating: mapping), mappedBytes) }
    }

    /// The names of the tensors, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// The entry of `name`, or an error naming the file and the tensor.
    public func entry(_ name: String) throws -> Entry {
        guard let entry = entries[name] else {
            throw ModelFileError.invalid(file: path, entry: name, detail: "no such tensor in the file")
        }
        return entry
    }

    /// The tensor `name` as Float32, converted from F32, F16, BF16 or F64.
    public func floats(_ name: String) throws -> [Float] {
        let entry = try entry(name)
        var values = [Float](repeating: 0, count: entry.count)
        try values.withUnsafeMutableBufferPointer { try readFloats(name, entry, into: $0.baseAddress!) }
        return values
    }

    /// Converts tensor `name` (of `entry`) into `destination`, which holds `entry.count` floats.
    func readFloats(_ name: String, _ entry: Entry, into destination: UnsafeMutablePointer<Float>) throws {
        let source = mapping! + dataOffset + entry.byteRange.lowerBound
        let n = entry.count
        switch entry.dtype {
        case .f32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: n * 4)
        case .f16:
            withAligned(source, count: n, of: UInt16.self) { _ = HalfPrecision.decodeFloat16($0, count: n, into: destination) }
        case .bf16:
            withAligned(source, count: n, of: UInt16.self) { _ = HalfPrecision.decodeBFloat16($0, count: n, into: destination) }
        case .f64:
            for i in 0..<n { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
        default:
            throw ModelFileError.unsupported(file: path, entry: name,
                                             detail: "dtype \(entry.dtype.rawValue): only F32, F16, BF16 and F64 tensors are read as numbers")
        }
        release(entry.byteRange)
    }

    /// Lets the kernel drop the pages of `range` (of the data) from this process's memory: a
    /// tensor is read once and converted, and a model's file would otherwise stay resident beside
    /// its converted weights. Reading it again faults the pages back in from the file.
    private func release(_ range: Range<Int>) {
        #if os(Linux)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (dataOffset + range.lowerBound + page - 1) / page * page, end = (dataOffset + range.upperBound) / page * page
        guard end > start, let mapping else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: mapping) + start, end - start, MADV_DONTNEED)
        #endif
    }

    /// The tensor `name` as Int64, from I64, I32, I16, I8, U8, U16 or U32.
    public func integers(_ name: String) throws -> [Int64] {
        let entry = try entry(name)
        let source = mapping! + dataOffset + entry.byteRange.lowerBound
        return try (0..<entry.count).map { i -> Int64 in
            switch entry.dtype {
            case .i64: source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)
            case .i32: Int64(source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
            case .i16: Int64(source.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
            case .i8: Int64(source.loadUnaligned(fromByteOffset: i, as: Int8.self))
            case .u8: Int64(source.loadUnaligned(fromByteOffset: i, as: UInt8.self))
            case .u16: Int64(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            case .u32: Int64(source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            default:
                throw ModelFileError.unsupported(file: path, entry: name,
                                                 detail: "dtype \(entry.dtype.rawValue) is not an integer type koopscope reads")
            }
        }
    }

    /// Calls `body` with `source` as `count` elements of `T`, copied when it is not aligned for T.
    private func withAligned<T>(_ source: UnsafeRawPointer, count: Int, of _: T.Type, _ body: (UnsafePointer<T>) -> Void) {
        if Int(bitPattern: source) % MemoryLayout<T>.alignment == 0 {
            body(source.assumingMemoryBound(to: T.self))
        } else {
            let copy = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
            defer { copy.deallocate() }
            UnsafeMutableRawPointer(copy).copyMemory(from: source, byteCount: count * MemoryLayout<T>.stride)
            body(copy)
        }
    }

    /// Reads and checks the header: each tensor's dtype known, its shape's byte count equal to
    /// its range, ranges inside the data and not overlapping.
    static func parseHeader(_ header: Data, dataBytes: Int, path: String) throws -> ([String: Entry], [String: String]) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: header) } catch {
            throw ModelFileError.malformed(file: path, detail: "its header is not JSON (\(error.localizedDescription))")
        }
        guard let table = object as? [String: Any] else {
            throw ModelFileError.malformed(file: path, detail: "its header is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in table {
            if name == "__metadata__" {
                guard let pairs = value as? [String: Any] else {
                    throw ModelFileError.invalid(file: path, entry: name, detail: "must be an object of strings")
                }
                for (key, text) in pairs {
                    guard let text = text as? String else {
                        throw ModelFileError.invalid(file: path, entry: "__metadata__.\(key)", detail: "must be a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries[name] = try parseEntry(name, value, dataBytes: dataBytes, path: path)
        }
        let sorted = entries.sorted { ($0.value.byteRange.lowerBound, $0.key) < ($1.value.byteRange.lowerBound, $1.key) }
        for (previous, next) in zip(sorted, sorted.dropFirst())
        where next.value.byteRange.lowerBound < previous.value.byteRange.upperBound && !next.value.byteRange.isEmpty {
            throw ModelFileError.invalid(file: path, entry: next.key,
                                         detail: "its bytes \(next.value.byteRange) overlap those of \(previous.key) \(previous.value.byteRange)")
        }
        return (entries, metadata)
    }

    private static func parseEntry(_ name: String, _ value: Any, dataBytes: Int, path: String) throws -> Entry {
        func fail(_ detail: String) -> ModelFileError { .invalid(file: path, entry: name, detail: detail) }
        guard let fields = value as? [String: Any] else { throw fail("must be an object with dtype, shape and data_offsets") }
        guard let dtypeName = fields["dtype"] as? String else { throw fail("has no dtype string") }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw ModelFileError.unsupported(file: path, entry: name, detail: "unknown dtype \"\(dtypeName)\"")
        }
        guard let shapeValues = fields["shape"] as? [Any] else { throw fail("has no shape array") }
        var shape: [Int] = []
        var elements = 1
        for extent in shapeValues {
            guard let number = extent as? NSNumber, !JSONFields.isBoolean(number), let n = Int(exactly: number.doubleValue), n >= 0,
                  Double(n) == number.doubleValue
            else { throw fail("its shape \(shapeValues) is not a list of whole numbers ≥ 0") }
            let (product, overflow) = elements.multipliedReportingOverflow(by: n)
            guard !overflow, product <= Limits.elementCount.upperBound else {
                throw fail("its shape \(shapeValues) holds more than \(Limits.elementCount.upperBound) elements")
            }
            shape.append(n)
            elements = product
        }
        guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
              let begin = (offsets[0] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }),
              let end = (offsets[1] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) })
        else { throw fail("has no data_offsets pair of whole numbers") }
        guard 0 <= begin, begin <= end, end <= dataBytes else {
            throw fail("its data_offsets [\(begin), \(end)] run past the \(dataBytes) bytes of data (truncated file?)")
        }
        guard end - begin == elements * dtype.byteWidth else {
            throw fail("its data_offsets [\(begin), \(end)] hold \(end - begin) bytes, but \(dtype.rawValue) \(shape) needs \(elements * dtype.byteWidth)")
        }
        return Entry(dtype: dtype, shape: shape, byteRange: begin..<end)
    }
}
