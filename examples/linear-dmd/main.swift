// Writes a dump of trajectories from a linear system whose eigenvalues are known, reads it
// back with koopscope, fits the system by least squares and prints its spectrum beside the
// truth. Run with: swift run linear-dmd-example [OUTPUT.h5]
import Foundation
import KoopScope
import RealModule

let d = 6
// Eigenvalues: 0.9e^{±0.5i}, 0.7e^{±2i}, 0.95, −0.5.
let truth: [(Double, Double)] = [(0.9, 0.5), (0.9, -0.5), (0.7, 2), (0.7, -2), (0.95, 0), (-0.5, 0)]
var blocks = Matrix<Double>(rows: d, columns: d, repeating: 0)
for (k, (rho, theta)) in [(0.9, 0.5), (0.7, 2.0)].enumerated() {
    blocks[2 * k, 2 * k] = rho * .cos(theta); blocks[2 * k, 2 * k + 1] = -rho * .sin(theta)
    blocks[2 * k + 1, 2 * k] = rho * .sin(theta); blocks[2 * k + 1, 2 * k + 1] = rho * .cos(theta)
}
blocks[4, 4] = 0.95
blocks[5, 5] = -0.5
// Hide the block structure behind an orthogonal change of basis.
var rng = SeededGenerator(seed: 7)
let q = try Matrix<Double>(rows: d, columns: d) { _, _ in rng.nextGaussian() }.qrDecomposition().q
let a = q * blocks * q.transposed()

let path = CommandLine.arguments.count > 1 ? CommandLine.arguments[1]
    : FileManager.default.temporaryDirectory.appendingPathComponent("linear-dmd-example.h5").path
let lengths = [64, 40, 50]
let writer = try DumpWriter(path: path, count: lengths.count, maxLength: 64, dimension: d)
for (i, t) in lengths.enumerated() {
    var x = Matrix<Double>(rows: t, columns: d, repeating: 0)
    for j in 0..<d { x[0, j] = rng.nextGaussian() }
    for s in 1..<t {
        let next = a.multiplied(by: x.row(s - 1))
        for j in 0..<d { x[s, j] = next[j] }
    }
    try writer.write(x.map { Float($0) }, at: i)
}
writer.attributes = [("format_version", .integer(1)), ("model", .string("linear-dmd-example"))]
try writer.finish()

// Least squares over every snapshot pair of every trajectory: rows x_{t+1}ᵀ = x_tᵀ Aᵀ.
let dump = try Dump(path: path)
var gram = Matrix<Double>(rows: d, columns: d, repeating: 0), cross = gram
try dump.forEachBatch { batch in
    for trajectory in batch.trajectories where trajectory.length >= 2 {
        let x = trajectory.states.map { Double($0) }
        let past = x.rows(0..<(x.rows - 1)), future = x.rows(1..<x.rows)
        gram.addProduct(past, past, transposingLeft: true)
        cross.addProduct(past, future, transposingLeft: true)
    }
}
let fitted = try gram.solvingPositiveDefinite(cross)   // Aᵀ: same eigenvalues as A
let eigenvalues = try fitted.eigenvalues().sorted { $0.length > $1.length }
print("dump: \(path) (\(dump.count) trajectories, d = \(dump.dimension))")
print("fitted eigenvalues (|λ| descending) and the nearest true one:")
var worst = 0.0
for lambda in eigenvalues {
    let nearest = truth.map { (rho, theta) in (rho * .cos(theta), rho * .sin(theta)) }
        .min { hypot($0.0 - lambda.real, $0.1 - lambda.imaginary) < hypot($1.0 - lambda.real, $1.1 - lambda.imaginary) }!
    let error = hypot(nearest.0 - lambda.real, nearest.1 - lambda.imaginary)
    worst = max(worst, error)
    print(String(format: "  %+.5f %+.5fi   |λ| = %.5f   error %.1e", lambda.real, lambda.imaginary, lambda.length, error))
}
if worst > 1e-3 {
    print("error: the fitted spectrum is off by \(worst)")
    exit(1)
}
