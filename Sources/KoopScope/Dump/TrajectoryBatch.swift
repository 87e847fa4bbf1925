/// One trajectory: its states, row t being the hidden state for response token t.
public struct Trajectory: Sendable {
    /// Position of the trajectory in its dump.
    public var index: Int
    /// T×d states in Float32.
    public var states: Matrix<Float>
    /// Number of NaN or infinite entries among the states.
    public var nonFiniteCount: Int

    /// Number of time steps T.
    public var length: Int { states.rows }

    public init(index: Int, states: Matrix<Float>, nonFiniteCount: Int? = nil) {
        self.index = index
        self.states = states
        self.nonFiniteCount = nonFiniteCount ?? states.elements.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
    }
}

/// Consecutive trajectories of a dump, their states stacked into one matrix so that a
/// dictionary lifts all of them with a single GEMM.
public struct TrajectoryBatch: Sendable {
    /// The dump indices of the trajectories, in order.
    public var indices: Range<Int>
    /// Length T of each trajectory.
    public var lengths: [Int]
    /// First row of each trajectory in `states`.
    public var offsets: [Int]
    /// All states, (Σ T) × d, trajectory after trajectory.
    public var states: Matrix<Float>
    /// NaN or infinite entries in each trajectory.
    public var nonFiniteCounts: [Int]

    /// Number of trajectories in the batch.
    public var count: Int { lengths.count }

    /// The k-th trajectory of the batch (dump index `indices.lowerBound + k`).
    public func trajectory(_ k: Int) -> Trajectory {
        let rows = states.rows(offsets[k]..<(offsets[k] + lengths[k]))
        return Trajectory(index: indices.lowerBound + k, states: rows, nonFiniteCount: nonFiniteCounts[k])
    }

    /// The trajectories one by one.
    public var trajectories: [Trajectory] { (0..<count).map(trajectory) }
}
