/// The element type hidden states are stored in.
public enum StateElementType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float16
    case bfloat16
    case float32
    case float64

    /// Bytes per stored element.
    public var byteWidth: Int {
        switch self {
        case .float16, .bfloat16: 2
        case .float32: 4
        case .float64: 8
        }
    }

    public var description: String { rawValue }
}

/// How one states dataset is turned into Float32.
struct StateDecoding {
    let elementType: StateElementType
    /// The memory type HDF5 reads into (equal to the file type up to byte order,
    /// so HDF5 copies rather than converts).
    let memType: HDF5Object

    /// Works out the decoding of `dataset`, or the reason its type is not one a dump may
    /// use. `dtypeAttribute` is the `dtype` attribute found for it.
    enum Resolution {
        case success(StateDecoding)
        case failure(String)
    }

    static func resolve(_ dataset: HDF5Dataset, dtypeAttribute: AttributeValue?) throws -> Resolution {
        let size = dataset.typeSize
        switch dataset.typeClass {
        case .float:
            let fields = try dataset.floatFields()
            let element: StateElementType
            switch (size, fields) {
            case (2, [15, 10, 5, 0, 10]): element = .float16
            case (2, [15, 7, 8, 0, 7]): element = .bfloat16   // a native bfloat16 type (HDF5 2.0 writers)
            case (4, [31, 23, 8, 0, 23]): element = .float32
            case (8, [63, 52, 11, 0, 52]): element = .float64
            default:
                return .failure("a \(size * 8)-bit float with fields \(fields) (sign, exponent, mantissa positions)")
            }
            if element == .float64 {
                return .success(StateDecoding(elementType: element, memType: try HDF5Number.float64.memoryType()))
            }
            return .success(StateDecoding(elementType: element, memType: try dataset.littleEndianType()))
        case .integer:
            let signed = dataset.isSignedInteger
            if size == 2 && !signed && dtypeAttribute?.stringValue?.lowercased() == "bfloat16" {
                return .success(StateDecoding(elementType: .bfloat16, memType: try HDF5Number.uint16.memoryType()))
            }
            let what = "\(signed ? "" : "u")int\(size * 8)"
            return .failure(size == 2 && !signed
                            ? "uint16 without attribute dtype = \"bfloat16\"" : what)
        case .string: return .failure("string")
        case .compound: return .failure("compound")
        case .enumeration: return .failure("enum (boolean?)")
        case .other(let number): return .failure("HDF5 type class \(number)")
        }
    }
}
