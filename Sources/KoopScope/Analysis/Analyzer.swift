import Dispatch
import FoundationEssentials
import Glibc

/// Spectra, residuals and DSD for every trajectory of a dump, streamed a batch at a time
/// (docs/math.md §1–6).
///
/// ```swift
/// let analyzer = Analyzer(dictionary: .sigmoid(.kaimingUniform(dimension: dump.dimension)))
/// let report = try analyzer.analyze(dump)
/// print(report.summary.overall.dsd.mean)
/// ```
public struct Analyzer: Sendable {
    public var dictionary: AnalysisDictionary
    public var settings: AnalysisSettings

    public init(dictionary: AnalysisDictionary, settings: AnalysisSettings = AnalysisSettings()) {
        self.dictionary = dictionary
        self.settings = settings
    }

    /// Analyses every trajectory of `dump` (of the settings' shard, if any) and keeps every
    /// result; `progress(done, total)` is called after each batch.
    public func analyze(_ dump: Dump, progress: ((Int, Int) -> Void)? = nil) throws -> AnalysisReport {
        var results: [TrajectoryAnalysis] = []
        let (header, summary) = try analyze(dump, progress: progress) { results.append($0) }
        return AnalysisReport(header: header, trajectories: results, summary: summary)
    }

    /// Analyses every trajectory of `dump`, handing each result to `each` as soon as its
    /// batch is done, and returns the header and the summary. Memory is one batch of states
    /// plus a few numbers per trajectory for the summary.
    public func analyze(_ dump: Dump, progress: ((Int, Int) -> Void)? = nil,
                        each: (TrajectoryAnalysis) throws -> Void) throws -> (AnalysisHeader, AnalysisSummary) {
        try check(dump)
        let range = settings.shard?.trajectories(of: dump.count) ?? 0..<dump.count
        var records: [SummaryRecord] = []
        records.reserveCapacity(range.count)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        try dump.forEachBatch(in: range, maxTrajectories: settings.maxTrajectoriesPerBatch,
                              maxElements: settings.maxElementsPerBatch,
                              minTrajectories: min(cores, settings.maxTrajectoriesPerBatch)) { batch in
            var lifted: [Double]? = nil
            if let lifter = settings.lifter, case .sigmoid(let g) = dictionary, batch.states.rows > 0 {
                lifted = try batch.states.withUnsafeBufferPointer { try lifter.lift($0, rows: batch.states.rows, dictionary: g) }
            }
            for result in analyze(batch, rewards: dump.rewards, groups: dump.groupIDs, lifted: lifted) {
                records.append(SummaryRecord(result))
                try each(result)
            }
            progress?(records.count, range.count)
        }
        return (AnalysisHeader(dump: dump, dictionary: dictionary, settings: settings), AnalysisSummary(records))
    }

    /// Throws unless the dictionary fits the dump's states.
    public func check(_ dump: Dump) throws {
        if case .sigmoid(let g) = dictionary, g.dimension != dump.dimension, dump.count > 0 {
            throw DictionaryError.dimensionMismatch(file: g.source.hasPrefix("file ") ? String(g.source.dropFirst(5)) : g.source,
                                                    dictionary: g.dimension, dump: dump.path, states: dump.dimension)
        }
    }

    /// Analyses the trajectories of one batch, spread over the cores: each worker lifts its
    /// trajectory with one single-threaded GEMM and does its m×m work. (OpenBLAS's own threads
    /// stay asleep: on few cores their spinning after a parallel GEMM starves the workers.)
    /// `lifted` (every row of the batch's states already lifted, rows×m) skips the per-trajectory lift.
    public func analyze(_ batch: TrajectoryBatch, rewards: [Double]? = nil, groups: [Int]? = nil, lifted: [Double]? = nil)
        -> [TrajectoryAnalysis]
    {
        let count = batch.count
        guard count > 0 else { return [] }
        var results = [TrajectoryAnalysis?](repeating: nil, count: count)
        let me = self
        results.withUnsafeMutableBufferPointer { out in
            let slots = UnsafeSendable(out.baseAddress!)
            BLASThreads.singleThreaded {
                DispatchQueue.concurrentPerform(iterations: count) { k in
                    slots.pointer[k] = me.analyze(trajectory: k, of: batch, rewards: rewards, groups: groups, lifted: lifted)
                }
            }
        }
        return results.map { $0! }
    }

    private func analyze(trajectory k: Int, of batch: TrajectoryBatch, rewards: [Double]?, groups: [Int]?,
                         lifted: [Double]?) -> TrajectoryAnalysis
    {
        let index = batch.indices.lowerBound + k
        let t = batch.lengths[k], offset = batch.offsets[k]
        var result = TrajectoryAnalysis(index: index, length: t, group: groups?[index], reward: rewards?[index])
        guard t >= 2 else {
            result.skipped = "length \(t) < 2: no snapshot pair"
            return result
        }
        if batch.nonFiniteCounts[k] > 0 {
            result.skipped = "\(batch.nonFiniteCounts[k]) non-finite state values"
            return result
        }
        if Self.isConstant(batch.states, rows: offset..<(offset + t)) { result.flags.append("constant") }
        let d = batch.states.columns
        let states: () -> Matrix<Double> = {
            batch.states.withUnsafeBufferPointer { p in
                Matrix<Double>(rows: t, columns: d, elements: p[(offset * d)..<((offset + t) * d)].map(Double.init))
            }
        }
        if settings.effectiveRank { result.effectiveRank = (try? EffectiveRank.of(states())) ?? .nan }
        do {
            let estimate: KoopmanEstimate
            var snapshots: (Matrix<Double>, Matrix<Double>)?
            switch dictionary {
            case .sigmoid(let g):
                let m = g.koopmanDimension
                if t - 1 < m { result.flags.append("rank-deficient: T−1 = \(t - 1) < m = \(m)") }
                let psi = lifted.map { Matrix(rows: t, columns: m, elements: Array($0[(offset * m)..<((offset + t) * m)])) }
                    ?? batch.states.withUnsafeBufferPointer { p in g.liftToDouble(p.baseAddress! + offset * g.dimension, rows: t) }
                estimate = try KoopmanEstimate(lifted: psi, estimator: settings.estimator)
                snapshots = (psi.rows(0..<(t - 1)), psi.rows(1..<t))
            case .identity(let rule):
                if t - 1 < d { result.flags.append("rank-deficient: T−1 = \(t - 1) < d = \(d)") }
                let dmd = try ExactDMD(states: states(), rank: rule)
                result.rank = dmd.rank
                estimate = dmd.estimate
                snapshots = (dmd.psiX, dmd.psiY)
            }
            result.eigenvalues = estimate.eigenvalues
            result.residuals = estimate.residuals
            result.singularValues = estimate.singularValues
            result.dsd = DSD.paper(estimate.eigenvalues, variance: settings.variance)
            result.dsdReference = DSD.reference(estimate.singularValues, variance: settings.variance)
            (result.dsdFiltered, result.kept) = DSD.filtered(estimate.eigenvalues, residuals: estimate.residuals,
                                                             threshold: settings.residualThreshold,
                                                             variance: settings.variance)
            if let request = settings.pseudospectrum, request.trajectories?.contains(index) ?? true,
               let (psiX, psiY) = snapshots {
                do {
                    result.pseudospectrum = try Pseudospectrum(psiX: psiX, psiY: psiY, grid: request.grid)
                } catch {
                    result.pseudospectrumError = "\(error)"
                }
            }
        } catch {
            result.skipped = "\(error)"
        }
        return result
    }

    /// Whether every row in `rows` equals the first.
    static func isConstant(_ states: Matrix<Float>, rows: Range<Int>) -> Bool {
        let d = states.columns
        return states.withUnsafeBufferPointer { p in
            let first = rows.lowerBound * d
            for row in rows.dropFirst() {
                for j in 0..<d where p[row * d + j] != p[first + j] { return false }
            }
            return true
        }
    }
}
