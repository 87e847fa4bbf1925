import _CHDF5

/// The class of an HDF5 datatype, as the dump and dictionary readers tell them apart.
enum HDF5TypeClass: Equatable {
    case integer, float, string, compound, enumeration
    /// Any other class, by HDF5's number for it.
    case other(Int)

    init(_ typeClass: H5T_class_t) {
        switch typeClass {
        case H5T_INTEGER: self = .integer
        case H5T_FLOAT: self = .float
        case H5T_STRING: self = .string
        case H5T_COMPOUND: self = .compound
        case H5T_ENUM: self = .enumeration
        default: self = .other(Int(typeClass.rawValue))
        }
    }
}

/// The numbers koopscope writes to and reads from HDF5, named so that no caller handles one of
/// HDF5's global type identifiers.
enum HDF5Number {
    /// IEEE binary16, described the way h5py and numpy describe `float16`.
    case float16
    case float32, float64
    case int64
    /// Raw 16-bit words (bfloat16 is stored as these, with a `dtype` attribute).
    case uint16

    /// The type written to a file: little-endian.
    func storedType() throws -> HDF5Object {
        try HDF5Serial.locked(nil) {
            switch self {
            case .float16: try makeFloat16()
            case .float32: try copy(ks_H5T_IEEE_F32LE())
            case .float64: try copy(ks_H5T_IEEE_F64LE())
            case .int64: try copy(ks_H5T_STD_I64LE())
            case .uint16: try copy(ks_H5T_STD_U16LE())
            }
        }
    }

    /// The type of the numbers in memory: this machine's byte order.
    func memoryType() throws -> HDF5Object {
        try HDF5Serial.locked(nil) {
            switch self {
            case .float16:
                let type = try makeFloat16()
                try checkStatus(H5Tset_order(type.id, H5Tget_order(ks_H5T_NATIVE_FLOAT())), "H5Tset_order")
                return type
            case .float32: return try copy(ks_H5T_NATIVE_FLOAT())
            case .float64: return try copy(ks_H5T_NATIVE_DOUBLE())
            case .int64: return try copy(ks_H5T_NATIVE_INT64())
            case .uint16: return try copy(ks_H5T_NATIVE_UINT16())
            }
        }
    }

    private func copy(_ type: hid_t) throws -> HDF5Object {
        HDF5Object(try checkID(H5Tcopy(type), "H5Tcopy"), .datatype, file: nil)
    }

    private func makeFloat16() throws -> HDF5Object {
        let type = try copy(ks_H5T_IEEE_F32LE())
        try checkStatus(H5Tset_fields(type.id, 15, 10, 5, 0, 10), "H5Tset_fields")
        try checkStatus(H5Tset_size(type.id, 2), "H5Tset_size")
        try checkStatus(H5Tset_ebias(type.id, 15), "H5Tset_ebias")
        return type
    }
}

/// A variable-length UTF-8 string type, as h5py writes `str`.
func variableStringType() throws -> HDF5Object {
    try HDF5Serial.locked(nil) {
        let t = HDF5Object(try checkID(H5Tcopy(ks_H5T_C_S1()), "H5Tcopy"), .datatype, file: nil)
        try checkStatus(H5Tset_size(t.id, ks_H5T_VARIABLE()), "H5Tset_size")
        try checkStatus(H5Tset_cset(t.id, H5T_CSET_UTF8), "H5Tset_cset")
        return t
    }
}
