/// A dense matrix stored row-major, with value semantics.
///
/// Storage is a Swift array, so copies share their buffer until one of them is
/// written to. Element (i, j) lives at `elements[i * columns + j]`.
///
/// ```swift
/// var k = Matrix<Double>(rows: 2, columns: 2, elements: [0.9, -0.2, 0.2, 0.9])
/// k[0, 1] = -0.3
/// let kt = k.transposed()
/// ```
public struct Matrix<Element: Sendable>: Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries, row after row.
    public internal(set) var elements: [Element]

    /// A matrix whose entries are all `value`.
    public init(rows: Int, columns: Int, repeating value: Element) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.elements = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over `elements`, given row after row.
    public init(rows: Int, columns: Int, elements: [Element]) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        precondition(elements.count == rows * columns,
                     "Matrix \(rows)×\(columns) needs \(rows * columns) elements, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix whose entry (i, j) is `entry(i, j)`.
    public init(rows: Int, columns: Int, _ entry: (Int, Int) throws -> Element) rethrows {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        var elements: [Element] = []
        elements.reserveCapacity(rows * columns)
        for i in 0..<rows {
            for j in 0..<columns { elements.append(try entry(i, j)) }
        }
        self.init(rows: rows, columns: columns, elements: elements)
    }

    /// A matrix from its rows; every row must have the same length.
    public init(_ rowArrays: [[Element]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "Rows of differing length")
        self.init(rows: rowArrays.count, columns: columns, elements: rowArrays.flatMap { $0 })
    }

    /// The entry in row `i`, column `j`.
    public subscript(i: Int, j: Int) -> Element {
        get {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix index out of range")
            return elements[i * columns + j]
        }
        set {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix index out of range")
            elements[i * columns + j] = newValue
        }
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Element] {
        precondition(i >= 0 && i < rows, "Matrix row out of range")
        return Array(elements[(i * columns)..<((i + 1) * columns)])
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Element] {
        precondition(j >= 0 && j < columns, "Matrix column out of range")
        return (0..<rows).map { elements[$0 * columns + j] }
    }

    /// Whether the matrix is square.
    public var isSquare: Bool { rows == columns }

    /// The transpose.
    public func transposed() -> Matrix {
        guard rows > 0, columns > 0 else { return Matrix(rows: columns, columns: rows, elements: []) }
        var out = [Element]()
        out.reserveCapacity(elements.count)
        for j in 0..<columns {
            for i in 0..<rows { out.append(elements[i * columns + j]) }
        }
        return Matrix(rows: columns, columns: rows, elements: out)
    }

    /// The rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "Row range out of bounds")
        return Matrix(rows: range.count, columns: columns,
                      elements: Array(elements[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// The entry-wise image of the matrix under `transform`.
    public func map<T>(_ transform: (Element) throws -> T) rethrows -> Matrix<T> {
        Matrix<T>(rows: rows, columns: columns, elements: try elements.map(transform))
    }

    /// Calls `body` with the entries' contiguous storage.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try elements.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the entries' contiguous, mutable storage.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Element>) throws -> R
    ) rethrows -> R {
        try elements.withUnsafeMutableBufferPointer(body)
    }
}

extension Matrix: Equatable where Element: Equatable {}

extension Matrix where Element: Numeric {
    /// The n×n identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n, repeating: 0)
        for i in 0..<n { m.elements[i * n + i] = 1 }
        return m
    }

    /// A square matrix with `diagonal` on its diagonal and zeros elsewhere.
    public static func diagonal(_ diagonal: [Element]) -> Matrix {
        let n = diagonal.count
        var m = Matrix(rows: n, columns: n, repeating: 0)
        for i in 0..<n { m.elements[i * n + i] = diagonal[i] }
        return m
    }

    /// The matrix with zero rows appended up to `rows` rows (unchanged if it has as many already):
    /// the reference code's padding of a response to the padded length.
    public func appendingZeroRows(upTo rows: Int) -> Matrix {
        guard self.rows < rows else { return self }
        return Matrix(rows: rows, columns: columns,
                      elements: elements + [Element](repeating: 0, count: (rows - self.rows) * columns))
    }
}

extension Matrix: CustomStringConvertible {
    /// The rows, one per line.
    public var description: String {
        (0..<rows).map { i in
            (0..<columns).map { j in "\(elements[i * columns + j])" }.joined(separator: " ")
        }.joined(separator: "\n")
    }
}
