#if canImport(Glibc)
import Glibc
#endif
import _CHDF5

extension KoopmanDictionary {
    /// Loads a dictionary from HDF5: `/weight` (m×d, any float type, read as Float32), optional
    /// `/bias` (m). A weight matrix exported from PyTorch with h5py loads as is.
    ///
    /// ```swift
    /// let dictionary = try KoopmanDictionary(contentsOf: "dict.h5")
    /// ```
    public init(contentsOf path: String) throws {
        HDF5Serial.enter()
        defer { HDF5Serial.leave() }
        defer { CrashGuard.reading(nil) }   // set by openHDF5ForReading
        let file: HDF5Object
        do {
            file = try openHDF5ForReading(path)
        } catch {
            switch error {
            case .notFound: throw DictionaryError.fileNotFound(file: path)
            case .notHDF5: throw DictionaryError.notHDF5(file: path)
            case .unreadable(let detail): throw DictionaryError.unreadable(file: path, detail: detail)
            }
        }
        let root = HDF5Location(object: file)
        func read(_ name: String, rank: Int) throws -> (shape: [Int], values: [Float])? {
            do {
                switch try root.kind(of: name) {
                case nil: return nil
                case .dataset?: break
                default: throw DictionaryError.invalid(file: path, dataset: "/" + name, detail: "must be a dataset")
                }
                let dataset = try root.openDataset(name)
                guard dataset.shape.count == rank else {
                    throw DictionaryError.invalid(file: path, dataset: "/" + name,
                                                  detail: "has rank \(dataset.shape.count), expected \(rank)")
                }
                guard dataset.typeClass == H5T_FLOAT else {
                    throw DictionaryError.invalid(file: path, dataset: "/" + name, detail: "must hold floating-point numbers")
                }
                // /weight is m × d, /bias m: each within its bound before anything is allocated.
                for (extent, bounds) in zip(dataset.shape, [Limits.koopmanDimension, Limits.stateDimension])
                where !(0...bounds.upperBound).contains(extent) {
                    throw DictionaryError.invalid(file: path, dataset: "/" + name, detail: "its shape \(dataset.shape) is past "
                                                  + "the bounds m ≤ \(Limits.koopmanDimension.upperBound), d ≤ \(Limits.stateDimension.upperBound)")
                }
                var values = [Float](repeating: 0, count: dataset.shape.reduce(1, *))
                if !values.isEmpty {
                    try values.withUnsafeMutableBytes {
                        try dataset.readAll(into: $0.baseAddress!, memType: ks_H5T_NATIVE_FLOAT())
                    }
                }
                return (dataset.shape, values)
            } catch let failure as HDF5Failure {
                throw DictionaryError.invalid(file: path, dataset: "/" + name, detail: "HDF5 error: \(failure)")
            }
        }
        guard let weight = try read("weight", rank: 2) else { throw DictionaryError.missingWeight(file: path) }
        let bias = try read("bias", rank: 1)
        let attributes: [(name: String, value: AttributeValue)]
        do { attributes = try root.attributes() } catch let failure as HDF5Failure {
            throw DictionaryError.unreadable(file: path, detail: failure.description)
        }
        do {
            try self.init(weight: Matrix(rows: weight.shape[0], columns: weight.shape[1], elements: weight.values),
                          bias: bias?.values, source: "file \(path)", attributes: attributes)
        } catch DictionaryError.invalid(_, let dataset, let detail) {
            throw DictionaryError.invalid(file: path, dataset: dataset, detail: detail)
        }
    }

    /// Writes the dictionary (`/weight`, `/bias`, and `attributes` plus the dictionary's own
    /// as root attributes) atomically to `path`.
    public func write(to path: String, attributes extra: [(name: String, value: AttributeValue)] = []) throws {
        HDF5Serial.enter()
        defer { HDF5Serial.leave() }
        silenceHDF5()
        let temporary = AtomicFile.temporarySibling(of: path)
        do {
            try {
                let id = H5Fcreate(temporary, ks_H5F_ACC_TRUNC(), ks_H5P_DEFAULT(), ks_H5P_DEFAULT())
                let file = HDF5Object(try checkID(id, "H5Fcreate"), .file)
                let root = HDF5Location(object: file)
                try root.createDataset("weight", type: ks_H5T_IEEE_F32LE(), shape: [weight.rows, weight.columns])
                    .writeAll(memType: ks_H5T_NATIVE_FLOAT(), from: weight.elements)
                if let bias {
                    try root.createDataset("bias", type: ks_H5T_IEEE_F32LE(), shape: [bias.count])
                        .writeAll(memType: ks_H5T_NATIVE_FLOAT(), from: bias)
                }
                var names = Set<String>()
                for (name, value) in extra + attributes where names.insert(name).inserted {
                    try root.setAttribute(name, value)
                }
            }()
        } catch {
            AtomicFile.discard(temporary)
            throw DictionaryError.writeFailed(file: path, detail: "\(error)")
        }
        if let reason = AtomicFile.commit(temporary, to: path) {
            throw DictionaryError.writeFailed(file: path, detail: reason)
        }
    }
}
