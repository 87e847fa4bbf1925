import RealModule
import ComplexModule

/// Exact DMD of one trajectory under the identity dictionary (MATH.md §4).
///
/// With snapshots as columns, `X = [x_0 … x_{T−2}] = U Σ V*` truncated to rank r and
/// `Ã = U* Y V Σ⁻¹`. The estimate is expressed like EDMD's on the r POD coordinates
/// `Ψ_X = Xᵀ U`, `Ψ_Y = Yᵀ U`, where `K = Ψ_X⁺ Ψ_Y = Ãᵀ` — the same eigenvalues — so
/// residuals, singular values and DSD mean the same as for a learned dictionary.
///
/// ```swift
/// let dmd = try ExactDMD(states: trajectory.states.map(Double.init), rank: .optimal)
/// dmd.rank, dmd.estimate.eigenvalues, try dmd.modes()
/// ```
public struct ExactDMD: Sendable {
    /// The rank r kept.
    public let rank: Int
    /// All singular values of the snapshot matrix X, largest first.
    public let snapshotSingularValues: [Double]
    /// K = Ãᵀ (r×r) with its eigenvalues, residuals and singular values.
    public let estimate: KoopmanEstimate
    /// U_r, the POD modes (d×r).
    public let podModes: Matrix<Double>
    /// `Y V Σ⁻¹` (d×r), which turns an eigenvector w of Ã into the exact mode `Y V Σ⁻¹ w`.
    let exactModeBasis: Matrix<Double>
    /// The snapshots in POD coordinates, Ψ_X = XᵀU and Ψ_Y = YᵀU (M×r).
    public let psiX: Matrix<Double>
    public let psiY: Matrix<Double>

    /// Ã = U* Y V Σ⁻¹ (r×r).
    public var reducedOperator: Matrix<Double> { estimate.k.transposed() }

    /// Runs exact DMD on `states` (T×d, time down the rows).
    public init(states: Matrix<Double>, rank selection: RankSelection) throws {
        let t = states.rows
        guard t >= 2 else { throw KoopmanError.tooShort(length: t) }
        for x in states.elements where !x.isFinite { throw KoopmanError.nonFinite }
        let past = states.rows(0..<(t - 1)), future = states.rows(1..<t)   // Xᵀ and Yᵀ, M×d
        let svd: SingularValueDecomposition<Double>
        do { svd = try past.singularValueDecomposition() } catch let error as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(error.description)
        }
        let r = selection.rank(singularValues: svd.singularValues, rows: states.columns, columns: t - 1)
        guard r > 0 else { throw KoopmanError.linearAlgebra("the snapshot matrix is zero: no DMD mode") }
        let sigma = Array(svd.singularValues.prefix(r))
        // Xᵀ = U' Σ V'ᵀ, so X = V' Σ U'ᵀ: the POD modes U are V' and the right vectors V are U'.
        let pod = svd.vt.rows(0..<r).transposed()                           // d×r
        let leftColumns = Matrix(rows: t - 1, columns: r) { i, j in svd.u[i, j] }   // U'_r, M×r
        let psiX = Matrix(rows: t - 1, columns: r) { i, j in leftColumns[i, j] * sigma[j] }
        let psiY = future.multiplied(by: pod)                                // M×r
        // K = Σ⁻¹ U'_rᵀ Ψ_Y, the pseudo-inverse of Ψ_X = U'_r Σ_r applied to Ψ_Y.
        var k = leftColumns.multiplied(by: psiY, transposingSelf: true)
        for i in 0..<r { for j in 0..<r { k[i, j] /= sigma[i] } }
        var basis = future.multiplied(by: leftColumns, transposingSelf: true)   // d×r = Y V
        for i in 0..<basis.rows { for j in 0..<r { basis[i, j] /= sigma[j] } }
        self.rank = r
        self.snapshotSingularValues = svd.singularValues
        self.podModes = pod
        self.exactModeBasis = basis
        self.psiX = psiX
        self.psiY = psiY
        self.estimate = try KoopmanEstimate(k: k, psiX: psiX, psiY: psiY)
    }

    /// The eigenvalues of Ã with the DMD modes as columns (d×r) in the same order: exact modes
    /// `Y V Σ⁻¹ w` by default, projected modes `U w` when `exact` is false.
    public func modes(exact: Bool = true) throws -> (eigenvalues: [Complex<Double>], modes: Matrix<Complex<Double>>) {
        let eig = try reducedOperator.eigenDecomposition(left: false, right: true)
        let w = eig.rightVectors!
        let basis = exact ? exactModeBasis : podModes
        let modes = Matrix<Complex<Double>>(rows: basis.rows, columns: rank) { i, j in
            var sum = Complex<Double>.zero
            for l in 0..<rank { sum = sum + Complex(basis[i, l]) * w[l, j] }
            return sum
        }
        return (eig.values, modes)
    }
}
