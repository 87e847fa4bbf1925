// What the test targets share: where the repository and its fixtures are, fresh temporary
// directories, and central differences for gradient checks.
import Foundation
import KoopScope

/// The repository's root folder.
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The repository's `Fixtures/` folder.
public let fixturesURL = repositoryRoot.appendingPathComponent("Fixtures")

/// The path of `Fixtures/NAME`.
public func fixturePath(_ name: String) -> String { fixturesURL.appendingPathComponent(name).path }

/// A fresh, empty temporary directory; the caller removes it.
public func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("koopscope-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// ∂f/∂x_k for every k by central differences, (f(x + h e_k) − f(x − h e_k)) / 2h: the truth a
/// hand-written gradient is checked against.
public func centralDifferences(at x: [Double], step h: Double = 1e-6, _ f: ([Double]) throws -> Double) rethrows -> [Double] {
    try x.indices.map { k in
        var plus = x, minus = x
        plus[k] += h
        minus[k] -= h
        return (try f(plus) - f(minus)) / (2 * h)
    }
}

/// The same over the entries of a matrix (row-major).
public func centralDifferences(at x: Matrix<Double>, step h: Double = 1e-6,
                               _ f: (Matrix<Double>) throws -> Double) rethrows -> [Double] {
    try centralDifferences(at: x.elements, step: h) { try f(Matrix(rows: x.rows, columns: x.columns, elements: $0)) }
}

/// ‖a − n‖₂ / ‖n‖₂: how far an analytic gradient is from a numerical one.
public func relativeError(_ analytic: [Double], _ numeric: [Double]) -> Double {
    let difference = zip(analytic, numeric).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    return difference / numeric.reduce(0) { $0 + $1 * $1 }.squareRoot()
}
