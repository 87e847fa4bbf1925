#if canImport(Glibc)
import Glibc
#endif

extension KoopmanDictionary {
    /// Loads a dictionary from HDF5: `/weight` (m×d, any float type, read as Float32), optional
    /// `/bias` (m). A weight matrix exported from PyTorch with h5py loads as is.
    ///
    /// ```swift
    /// let dictionary = try KoopmanDictionary(contentsOf: "dict.h5")
    /// ```
    public init(contentsOf path: String) throws {
        let root: HDF5Location
        do {
            root = try openHDF5ForReading(path)
        } catch {
            switch error {
            case .notFound: throw DictionaryError.fileNotFound(file: path)
            case .notHDF5: throw DictionaryError.notHDF5(file: path)
            case .unreadable(let detail): throw DictionaryError.unreadable(file: path, detail: detail)
            }
        }
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
                guard dataset.typeClass == .float else {
                    throw DictionaryError.invalid(file: path, dataset: "/" + name, detail: "must hold floating-point numbers")
                }
                // /weight is m × d, /bias m: each within its bound before anything is allocated.
                for (extent, bounds) in zip(dataset.shape, [Limits.koopmanDimension, Limits.stateDimension])
                where !(0...bounds.upperBound).contains(extent) {
                    throw DictionaryError.invalid(file: path, dataset: "/" + name, detail: "its shape \(dataset.shape) is past "
                                                  + "the bounds m ≤ \(Limits.koopmanDimension.upperBound), d ≤ \(Limits.stateDimension.upperBound)")
                }
                return (dataset.shape, try dataset.readFloats())
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
        let temporary = AtomicFile.temporarySibling(of: path)
        do {
            try {
                let root = try createHDF5File(temporary)
                try root.writeDataset("weight", weight.elements, as: .float32, shape: [weight.rows, weight.columns])
                if let bias { try root.writeDataset("bias", bias, as: .float32) }
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
