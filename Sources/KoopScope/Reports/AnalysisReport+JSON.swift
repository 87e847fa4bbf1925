import Foundation

/// The JSON form of an analysis (`koopscope analyze --format json`), documented in
/// docs/analyze.md. `format` and `format_version` let readers refuse an older layout.
extension AnalysisReport: Encodable {
    /// The value of the top-level `format` key.
    public static let formatName = "koopscope-analysis"
    /// The value of the top-level `format_version` key.
    public static let formatVersion = 1

    enum Keys: String, CodingKey {
        case format, formatVersion = "format_version", dump, dictionary, settings, trajectories, summary
        case path, layout, count, dimension, elementType = "element_type", attributes
        case kind, source, m, d, bias, sha256
        case estimator, ridge, rcond, rank, residualThreshold = "residual_threshold", variance
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Self.formatName, forKey: .format)
        try c.encode(Self.formatVersion, forKey: .formatVersion)
        var d = c.nestedContainer(keyedBy: Keys.self, forKey: .dump)
        try d.encode(dump.path, forKey: .path)
        try d.encode(dump.layout, forKey: .layout)
        try d.encode(dump.count, forKey: .count)
        try d.encode(dump.dimension, forKey: .dimension)
        try d.encode(dump.elementType, forKey: .elementType)
        try d.encode(AttributeMap(dump.attributes), forKey: .attributes)
        var g = c.nestedContainer(keyedBy: Keys.self, forKey: .dictionary)
        try g.encode(dictionary.kind, forKey: .kind)
        try g.encode(dictionary.source, forKey: .source)
        try g.encode(dictionary.m, forKey: .m)
        try g.encode(dictionary.d, forKey: .d)
        try g.encode(dictionary.hasBias, forKey: .bias)
        try g.encode(dictionary.sha256, forKey: .sha256)
        var s = c.nestedContainer(keyedBy: Keys.self, forKey: .settings)
        try s.encode(settings.estimator, forKey: .estimator)
        try s.encode(settings.ridge, forKey: .ridge)
        try s.encode(settings.rcond, forKey: .rcond)
        try s.encode(settings.rank, forKey: .rank)
        try s.encode(settings.residualThreshold, forKey: .residualThreshold)
        try s.encode(settings.variance, forKey: .variance)
        try c.encode(trajectories, forKey: .trajectories)
        try c.encode(summary, forKey: .summary)
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
        case spectralRadius = "spectral_radius"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(index, forKey: .index)
        try c.encode(length, forKey: .length)
        try c.encodeIfPresent(group, forKey: .group)
        if let reward { try c.encodeNumber(reward, forKey: .reward) }
        try c.encode(flags, forKey: .flags)
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
    }
}

extension AnalysisSummary: Encodable {
    enum Keys: String, CodingKey {
        case count, analyzed, skipped, flagged, dsd, dsdReference = "dsd_reference", dsdFiltered = "dsd_filtered"
        case meanReward = "mean_reward", groups, group
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

extension AnalysisSummary.Block {
    func encode(into c: inout KeyedEncodingContainer<AnalysisSummary.Keys>) throws {
        try c.encode(count, forKey: .count)
        try c.encode(analyzed, forKey: .analyzed)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(dsd, forKey: .dsd)
        try c.encode(dsdReference, forKey: .dsdReference)
        try c.encode(dsdFiltered, forKey: .dsdFiltered)
        if let meanReward { try c.encodeNumber(meanReward, forKey: .meanReward) }
    }
}
