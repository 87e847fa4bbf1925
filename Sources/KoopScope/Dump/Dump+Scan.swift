extension Dump {
    /// Reads every trajectory once, batch by batch, and returns the number of NaN or
    /// infinite state entries of each. Memory stays within one batch.
    public func nonFiniteCounts(maxElements: Int = AnalysisSettings.defaultElementsPerBatch) throws -> [Int] {
        var counts: [Int] = []
        counts.reserveCapacity(count)
        for range in batchRanges(maxTrajectories: 1024, maxElements: maxElements) {
            counts += try read(range).nonFiniteCounts
        }
        return counts
    }
}
