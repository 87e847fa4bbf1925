import RealModule
import ComplexModule

/// Exact DMD of one trajectory under the identity dictionary (docs/math.md §4).
///
/// With snapshots as columns, `X = [x_0 … x_{T−2}] = U Σ V*` truncated to rank r and
/// `Ã = U* Y V Σ⁻¹`. The estimate is expressed like EDMD's on the r POD coordinates
/// `Ψ_X = Xᵀ U`, `Ψ_Y = Yᵀ U`, where `K = Ψ_X⁺ Ψ_Y = Ãᵀ` — the same eigenvalues — so
/// residuals, singular values and DSD mean the same as for a learned dictionary.
///
/// ```swift
/// let dmd = try ExactDMD(states: trajectory.states.map(Double.init), rank: .optimal)
/// print(dmd.rank, dmd.estimate.eigenvalues, try dmd.modes().modes.columns)
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
    ///
    /// The SVD of X is taken through the Gram matrix of its smaller side — XXᵀ (d×d) when
    /// d ≤ T − 1, else XᵀX — whose eigenvalues are the σ², and whose leading r eigenvectors
    /// are U_r (or V_r, with U_r = X V_r Σ⁻¹): every eigenvalue, but only r eigenvectors, are
    /// computed (``SymmetricEigen``). Nothing is truncated or sampled, so U_r, Σ_r and Ã are
    /// those of the SVD up to rounding; the Gram matrix squares X's condition number, which
    /// costs relative accuracy only in singular values far below the largest — the ones rank
    /// selection discards.
    public init(states: Matrix<Double>, rank selection: RankSelection) throws {
        let t = states.rows, d = states.columns
        guard t >= 2 else { throw KoopmanError.tooShort(length: t) }
        for x in states.elements where !x.isFinite { throw KoopmanError.nonFinite }
        let pairs = t - 1
        let past = states.rows(0..<pairs), future = states.rows(1..<t)   // Xᵀ and Yᵀ, M×d
        let podSide = d <= pairs
        let eigen: SymmetricEigen
        var sigma: [Double] = []
        do {
            eigen = try SymmetricEigen(past.gram(transposingSelf: podSide)) { values in
                sigma = values.map { $0 > 0 ? $0.squareRoot() : 0 }
                return selection.rank(singularValues: sigma, rows: d, columns: pairs)
            }
        } catch let error as LinearAlgebraError {
            throw KoopmanError.linearAlgebra(error.description)
        }
        let r = eigen.vectors.columns
        guard r > 0, sigma[r - 1] > 0 else {
            throw KoopmanError.linearAlgebra("the snapshot matrix is zero: no DMD mode")
        }
        let kept = Array(sigma.prefix(r))
        let pod: Matrix<Double>, psiX: Matrix<Double>
        if podSide {
            pod = eigen.vectors                                              // U_r, d×r
            psiX = past.multiplied(by: pod)                                  // XᵀU_r = V_r Σ_r
        } else {
            psiX = Matrix(rows: pairs, columns: r) { i, j in eigen.vectors[i, j] * kept[j] }   // V_r Σ_r
            var u = past.multiplied(by: eigen.vectors, transposingSelf: true)                 // X V_r, d×r
            for i in 0..<d { for j in 0..<r { u[i, j] /= kept[j] } }
            pod = u
        }
        let psiY = future.multiplied(by: pod)                                // YᵀU_r, M×r
        // K = Ψ_X⁺Ψ_Y = Σ⁻² Ψ_XᵀΨ_Y, since Ψ_XᵀΨ_X = Σ².
        var k = psiX.multiplied(by: psiY, transposingSelf: true)
        for i in 0..<r { for j in 0..<r { k[i, j] /= kept[i] * kept[i] } }
        // Y V Σ⁻¹ = Yᵀᵀ Ψ_X Σ⁻².
        var basis = future.multiplied(by: psiX, transposingSelf: true)       // d×r
        for i in 0..<basis.rows { for j in 0..<r { basis[i, j] /= kept[j] * kept[j] } }
        self.rank = r
        self.snapshotSingularValues = sigma
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
