extension Analyzer {
    /// Analyses trajectories held in memory — not read from a dump — into the report a dump of
    /// the same states would get; `source` stands for the dump's path in its header.
    ///
    /// ```swift
    /// let states = Matrix<Float>(rows: 8, columns: 3) { i, j in Float(i + j) / 10 }
    /// let batch = try TrajectoryBatch(trajectories: [Trajectory(index: 0, states: states)])
    /// let report = try Analyzer(dictionary: .identity(.fixed(2))).analyze(batch, source: "in memory")
    /// ```
    public func analyze(_ batch: TrajectoryBatch, source: String, elementType: StateElementType = .float32,
                        rewards: [Double]? = nil, groups: [Int]? = nil) throws -> AnalysisReport {
        guard settings.shard == nil else {
            throw KoopmanError.shapeMismatch("a shard applies to a dump; split trajectories held in memory yourself")
        }
        guard settings.layer == nil else {
            throw KoopmanError.shapeMismatch("a layer applies to a dump with several; give that layer's states instead")
        }
        let d = batch.states.columns
        if case .sigmoid(let g) = dictionary, g.dimension != d, batch.count > 0 {
            throw KoopmanError.shapeMismatch("the dictionary has d = \(g.dimension), the states d = \(d)")
        }
        let results = analyze(batch, rewards: rewards, groups: groups)
        let info = AnalysisHeader.DumpInfo(path: source, layout: "memory", count: batch.count, dimension: d,
                                           elementType: elementType.rawValue, attributes: [])
        return AnalysisReport(header: AnalysisHeader(dump: info, dictionary: dictionary, settings: settings),
                              trajectories: results, summary: AnalysisSummary(results.map(SummaryRecord.init)))
    }
}

extension TrajectoryBatch {
    /// A batch of the given trajectories, numbered 0, 1, … in order, their non-finite entries counted.
    public init(trajectories: [Trajectory]) throws {
        var elements: [Float] = [], offsets: [Int] = [], lengths: [Int] = [], nonFinite: [Int] = []
        let d = trajectories.first?.states.columns ?? 0
        var rows = 0
        for t in trajectories {
            guard t.states.columns == d else {
                throw KoopmanError.shapeMismatch("trajectory \(t.index) has d = \(t.states.columns), the first d = \(d)")
            }
            offsets.append(rows)
            rows += t.length
            lengths.append(t.length)
            nonFinite.append(t.nonFiniteCount)
            elements += t.states.elements
        }
        self.init(indices: 0..<trajectories.count, lengths: lengths, offsets: offsets,
                  states: Matrix(rows: rows, columns: d, elements: elements), nonFiniteCounts: nonFinite)
    }
}
