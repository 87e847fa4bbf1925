import ComplexModule

/// The ResDMD pseudospectrum `res(z) = σ_min(Ψ_Y R⁻¹ − z Q)` on a grid of z, with Ψ_X = QR
/// (docs/math.md §5): the ε-pseudospectrum is where res(z) ≤ ε.
///
/// ```swift
/// let p = try Pseudospectrum(psiX: x, psiY: y, grid: .init(real: -1.2...1.2, imaginary: -1.2...1.2, points: 64))
/// print(p.value(row: 10, column: 20))
/// ```
public struct Pseudospectrum: Sendable {
    /// A rectangular grid of points z = re + i·im.
    public struct Grid: Sendable, Equatable {
        public var real: ClosedRange<Double>
        public var imaginary: ClosedRange<Double>
        /// Points along each axis (at least 2).
        public var points: Int

        public init(real: ClosedRange<Double> = -1.2...1.2, imaginary: ClosedRange<Double> = -1.2...1.2, points: Int = 64) {
            self.real = real
            self.imaginary = imaginary
            self.points = max(points, 2)
        }

        /// The k-th of `points` values spanning `range`.
        func coordinate(_ range: ClosedRange<Double>, _ k: Int) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * Double(k) / Double(points - 1)
        }
    }

    public var grid: Grid
    /// res(z), one row per imaginary coordinate (lowest first), one column per real coordinate.
    public var values: [Double]

    /// res(z) at row `row` (imaginary index) and column `column` (real index).
    public func value(row: Int, column: Int) -> Double { values[row * grid.points + column] }

    /// A pseudospectrum from known values (read back from a report, say).
    public init(grid: Grid, values: [Double]) {
        precondition(values.count == grid.points * grid.points, "a \(grid.points)² grid needs \(grid.points * grid.points) values")
        self.grid = grid
        self.values = values
    }

    /// Computes res(z) over `grid` for the snapshots Ψ_X, Ψ_Y (M×m, M ≥ m, Ψ_X of full rank).
    ///
    /// With B = Ψ_Y R⁻¹ = Q C + B⊥ (C = QᵀB, B⊥ ⟂ Q, B⊥ = Q₂R₂), ‖(B − zQ)u‖² = ‖(C − zI)u‖² +
    /// ‖R₂u‖², so res(z) is the smallest singular value of the 2m×m matrix [C − zI; R₂]: exact
    /// orthogonal algebra, no Gram-matrix cancellation, and m-sized work per grid point.
    public init(psiX: Matrix<Double>, psiY: Matrix<Double>, grid: Grid) throws {
        let pairs = psiX.rows, m = psiX.columns
        guard pairs >= m, m > 0 else {
            throw KoopmanError.linearAlgebra("pseudospectrum needs at least m = \(m) snapshot pairs, has \(pairs)")
        }
        do {
            let qr = try psiX.qrDecomposition()
            // B = Ψ_Y R⁻¹, from Rᵀ Bᵀ = Ψ_Yᵀ.
            let b = try qr.r.transposed().solving(psiY.transposed()).transposed()
            let c = qr.q.multiplied(by: b, transposingSelf: true)
            let perpendicular = b - qr.q.multiplied(by: c)
            let r2 = try perpendicular.qrDecomposition().r     // m×m
            self.grid = grid
            var values = [Double](repeating: .nan, count: grid.points * grid.points)
            // Real form of the complex 2m×m matrix [C − zI; R₂]: [[Re, −Im], [Im, Re]], whose
            // singular values are the complex ones, each twice.
            var block = Matrix<Double>(rows: 4 * m, columns: 2 * m, repeating: 0)
            for i in 0..<m {
                for j in 0..<m {
                    for (row, value) in [(i, c[i, j]), (m + i, r2[i, j])] {
                        block[row, j] = value
                        block[2 * m + row, m + j] = value
                    }
                }
            }
            for row in 0..<grid.points {
                let im = grid.coordinate(grid.imaginary, row)
                for column in 0..<grid.points {
                    let re = grid.coordinate(grid.real, column)
                    var a = block
                    for i in 0..<m {
                        a[i, i] -= re; a[2 * m + i, m + i] -= re       // Re(C − zI)
                        a[i, m + i] += im; a[2 * m + i, i] -= im       // −Im and Im blocks
                    }
                    values[row * grid.points + column] = try a.singularValues().last ?? .nan
                }
            }
            self.values = values
        } catch let error as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(error.description)
        }
    }
}
