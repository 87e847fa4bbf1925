/// A row-major matrix of `S` on a ``Backend``, known to the ``Tape`` that made it by its `id`.
///
/// Every activation of the policy is a matrix: a batch of sequences is `batch·length` rows.
///
/// ```swift
/// let tape = Tape<Float>(backend: CPUBackend())
/// let x = tape.constant([1, 2, 3, 4], rows: 2, columns: 2)
/// ```
public struct Tensor<S: TensorScalar>: Sendable {
    public let rows: Int
    public let columns: Int
    public let buffer: Buffer<S>
    /// This tensor's number on its tape (gradients are kept by it).
    public let id: Int

    /// rows × columns.
    public var count: Int { rows * columns }
}

/// A trainable matrix: its values outlive every tape, which sees it through ``Tape/watch(_:)``.
public final class Parameter<S: TensorScalar>: @unchecked Sendable {
    /// The name checkpoints store it under (`block0.attention.weight`).
    public let name: String
    public let rows: Int
    public let columns: Int
    public let value: Buffer<S>

    public init(name: String, rows: Int, columns: Int, value: Buffer<S>) {
        precondition(value.count == rows * columns, "\(name): \(value.count) values for \(rows)×\(columns)")
        self.name = name
        self.rows = rows
        self.columns = columns
        self.value = value
    }

    public var count: Int { rows * columns }

    /// A parameter of the same name and shape holding a copy of the current values, made on
    /// `backend` (the one that holds these).
    public func copied(on backend: any Backend) -> Parameter<S> {
        let copy = backend.allocateUninitialized(count, of: S.self)
        backend.copy(value, to: copy)
        return Parameter(name: name, rows: rows, columns: columns, value: copy)
    }
}
