import FoundationEssentials
import Glibc

/// The JSON form of an analysis (`koopscope analyze --format json`), documented in
/// docs/analyze.md. `format` and `format_version` let readers refuse an older layout.
extension AnalysisReport {
    /// The value of the top-level `format` key.
    public static let formatName = "koopscope-analysis"
    /// The value of the top-level `format_version` key.
    public static let formatVersion = 1

    /// The report as JSON (see ``AnalysisFormat/json``).
    public func jsonData() throws -> Data { Data(try text(.json).utf8) }
}

/// The dump's part of the header, with its attributes as an object.
struct DumpInfoJSON: Encodable {
    let info: AnalysisHeader.DumpInfo
    init(_ info: AnalysisHeader.DumpInfo) { self.info = info }

    enum Keys: String, CodingKey {
        case path, layout, count, dimension, elementType = "element_type", attributes, layer
        case promptsSHA256 = "prompts_sha256"
    }

    func encode(to encoder: Encoder) throws {
        var d = encoder.container(keyedBy: Keys.self)
        try d.encode(info.path, forKey: .path)
        try d.encode(info.layout, forKey: .layout)
        try d.encode(info.count, forKey: .count)
        try d.encode(info.dimension, forKey: .dimension)
        try d.encode(info.elementType, forKey: .elementType)
        try d.encodeIfPresent(info.layer, forKey: .layer)
        try d.encodeIfPresent(info.promptsSHA256, forKey: .promptsSHA256)
        try d.encode(AttributeMap(info.attributes), forKey: .attributes)
    }
}

extension AnalysisHeader.DictionaryInfo: Encodable {
    enum Keys: String, CodingKey { case kind, source, m, d, bias, sha256 }

    public func encode(to encoder: Encoder) throws {
        var g = encoder.container(keyedBy: Keys.self)
        try g.encode(kind, forKey: .kind)
        try g.encode(source, forKey: .source)
        try g.encode(m, forKey: .m)
        try g.encode(d, forKey: .d)
        try g.encode(hasBias, forKey: .bias)
        try g.encode(sha256, forKey: .sha256)
    }
}

extension AnalysisHeader.SettingsInfo: Encodable {
    enum Keys: String, CodingKey {
        case estimator, ridge, rcond, rank, residualThreshold = "residual_threshold", variance
        case effectiveRank = "effective_rank"
    }

    public func encode(to encoder: Encoder) throws {
        var s = encoder.container(keyedBy: Keys.self)
        try s.encode(estimator, forKey: .estimator)
        try s.encode(ridge, forKey: .ridge)
        try s.encode(rcond, forKey: .rcond)
        try s.encode(rank, forKey: .rank)
        try s.encode(residualThreshold, forKey: .residualThreshold)
        try s.encode(variance, forKey: .variance)
        try s.encode(effectiveRank, forKey: .effectiveRank)
    }
}

extension AnalysisHeader.ShardInfo: Encodable {
    enum Keys: String, CodingKey { case index, count, first, end, dumpFingerprint = "dump_fingerprint" }

    public func encode(to encoder: Encoder) throws {
        var s = encoder.container(keyedBy: Keys.self)
        try s.encode(shard.index, forKey: .index)
        try s.encode(shard.count, forKey: .count)
        try s.encode(trajectories.lowerBound, forKey: .first)
        try s.encode(trajectories.upperBound, forKey: .end)
        try s.encode(dumpFingerprint, forKey: .dumpFingerprint)
    }
}

/// Attributes as a JSON object, in the file's order of names.
struct AttributeMap: Encodable {
    let pairs: [(name: String, value: AttributeValue)]
    init(_ pairs: [(name: String, value: AttributeValue)]) { self.pairs = pairs }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (name, value) in pairs { try c.encode(value, forKey: Key(stringValue: name)) }
    }
}

extension KeyedEncodingContainer {
    /// Encodes a number, or null when it is absent, NaN or infinite (JSON has neither).
    mutating func encodeNumber(_ value: Double?, forKey key: Key) throws {
        if let value, value.isFinite { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}

extension TrajectoryAnalysis: Encodable {
    enum Keys: String, CodingKey {
        case index, length, group, reward, skipped, flags, dsd, dsdReference = "dsd_reference"
        case dsdFiltered = "dsd_filtered", kept, eigenvalues, residuals, singularValues = "singular_values", rank
        case spectralRadius = "spectral_radius", pseudospectrum, effectiveRank = "effective_rank"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(index, forKey: .index)
        try c.encode(length, forKey: .length)
        try c.encodeIfPresent(group, forKey: .group)
        if let reward { try c.encodeNumber(reward, forKey: .reward) }
        try c.encode(flags, forKey: .flags)
        if let effectiveRank { try c.encodeNumber(effectiveRank, forKey: .effectiveRank) }
        if let skipped {
            try c.encode(skipped, forKey: .skipped)
            return
        }
        try c.encodeNil(forKey: .skipped)
        try c.encodeNumber(dsd, forKey: .dsd)
        try c.encodeNumber(dsdReference, forKey: .dsdReference)
        try c.encodeNumber(dsdFiltered, forKey: .dsdFiltered)
        try c.encode(kept, forKey: .kept)
        try c.encodeNumber(spectralRadius, forKey: .spectralRadius)
        try c.encodeIfPresent(rank, forKey: .rank)
        try c.encode(eigenvalues.map { [$0.real, $0.imaginary] }, forKey: .eigenvalues)
        // An infinite residual (Ψ_X v = 0) becomes null.
        try c.encode(residuals.map { $0.isFinite ? $0 : nil }, forKey: .residuals)
        try c.encode(singularValues, forKey: .singularValues)
        if let pseudospectrum {
            try c.encode(PseudospectrumJSON(value: pseudospectrum), forKey: .pseudospectrum)
        } else if let pseudospectrumError {
            try c.encode(["error": pseudospectrumError], forKey: .pseudospectrum)
        }
    }
}

/// `{"re": [lo, hi], "im": [lo, hi], "points": n, "values": [[res per re] per im]}`.
struct PseudospectrumJSON: Encodable {
    let value: Pseudospectrum

    enum Keys: String, CodingKey { case re, im, points, values }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        let g = value.grid
        try c.encode([g.real.lowerBound, g.real.upperBound], forKey: .re)
        try c.encode([g.imaginary.lowerBound, g.imaginary.upperBound], forKey: .im)
        try c.encode(g.points, forKey: .points)
        try c.encode((0..<g.points).map { row in
            (0..<g.points).map { column -> Double? in
                let v = value.value(row: row, column: column)
                return v.isFinite ? v : nil
            }
        }, forKey: .values)
    }
}

extension AnalysisSummary: Encodable {
    enum Keys: String, CodingKey {
        case count, analyzed, skipped, flagged, dsd, dsdReference = "dsd_reference", dsdFiltered = "dsd_filtered"
        case meanReward = "mean_reward", groups, group, effectiveRank = "effective_rank"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try overall.encode(into: &c)
        try c.encode(flagged, forKey: .flagged)
        var list = c.nestedUnkeyedContainer(forKey: .groups)
        for (group, block) in groups {
            var g = list.nestedContainer(keyedBy: Keys.self)
            try g.encode(group, forKey: .group)
            try block.encode(into: &g)
        }
    }
}

extension AnalysisSummary.Block: Encodable {
    /// The block's keys as an object of their own (a layer profile's entry adds its own beside them).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnalysisSummary.Keys.self)
        try encode(into: &c)
    }

    func encode(into c: inout KeyedEncodingContainer<AnalysisSummary.Keys>) throws {
        try c.encode(count, forKey: .count)
        try c.encode(analyzed, forKey: .analyzed)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(dsd, forKey: .dsd)
        try c.encode(dsdReference, forKey: .dsdReference)
        try c.encode(dsdFiltered, forKey: .dsdFiltered)
        if effectiveRank.count > 0 { try c.encode(effectiveRank, forKey: .effectiveRank) }
        if let meanReward { try c.encodeNumber(meanReward, forKey: .meanReward) }
    }
}
