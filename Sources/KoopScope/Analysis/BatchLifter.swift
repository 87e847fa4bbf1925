/// Lifts a whole batch of states through a sigmoid dictionary somewhere other than the CPU's
/// per-trajectory GEMMs — one product per batch on a GPU (`KoopScopeCUDA.CUDALifter`). Set it
/// as ``AnalysisSettings/lifter``; the m×m work stays on the CPU in Float64.
///
/// ```swift
/// var settings = AnalysisSettings()
/// settings.lifter = try CUDALifter()
/// ```
public protocol BatchLifter: Sendable {
    /// Where the lift runs, for reports and notices.
    var name: String { get }
    /// σ(x Wᵀ + b) of `rows` row-major states (rows×d), as rows×m Float64, row-major.
    func lift(_ states: UnsafeBufferPointer<Float>, rows: Int, dictionary: KoopmanDictionary) throws -> [Double]
}
