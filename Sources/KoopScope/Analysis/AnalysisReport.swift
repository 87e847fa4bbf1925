/// Everything `koopscope analyze` reports: where the numbers came from, each trajectory's
/// spectrum and DSD, and their summary.
public struct AnalysisReport: Sendable {
    public var header: AnalysisHeader
    public var trajectories: [TrajectoryAnalysis]
    public var summary: AnalysisSummary

    public var dump: AnalysisHeader.DumpInfo { header.dump }
    public var dictionary: AnalysisHeader.DictionaryInfo { header.dictionary }
    public var settings: AnalysisHeader.SettingsInfo { header.settings }
}

/// Where an analysis's numbers came from: the dump, the dictionary and the settings.
public struct AnalysisHeader: Sendable {
    /// The analysed dump.
    public struct DumpInfo: Sendable {
        public var path: String
        public var layout: String
        public var count: Int
        public var dimension: Int
        public var elementType: String
        public var attributes: [(name: String, value: AttributeValue)]
        /// The layer analysed, when one was asked for (nil: `/hidden_states`).
        public var layer: Int? = nil
        /// ``Dump/promptsFingerprint``: which prompts the trajectories answer, when the dump says.
        public var promptsSHA256: String? = nil
    }

    /// The dictionary the states were lifted with.
    public struct DictionaryInfo: Sendable {
        /// `sigmoid` or `identity`.
        public var kind: String
        public var source: String
        /// Number of features m (nil for the identity, whose rank varies per trajectory).
        public var m: Int?
        public var d: Int
        public var hasBias: Bool
        /// SHA-256 of the weights (nil for the identity).
        public var sha256: String?
    }

    /// The settings that produced the numbers.
    public struct SettingsInfo: Sendable {
        public var estimator: String
        public var ridge: Double?
        public var rcond: Double?
        public var rank: String?
        public var residualThreshold: Double
        public var variance: VarianceKind
        /// Whether each trajectory's effective rank was computed.
        public var effectiveRank = false
    }

    /// Which part of the dump a sharded analysis covers.
    public struct ShardInfo: Sendable, Equatable {
        public var shard: AnalysisShard
        /// The trajectories of this part.
        public var trajectories: Range<Int>
        /// ``Dump/fingerprint`` of the dump, so that parts of different dumps are not merged.
        public var dumpFingerprint: String
    }

    public var dump: DumpInfo
    public var dictionary: DictionaryInfo
    public var settings: SettingsInfo
    /// Set when only a part of the dump was analysed.
    public var shard: ShardInfo?

    init(dump: DumpInfo, dictionary: DictionaryInfo, settings: SettingsInfo, shard: ShardInfo? = nil) {
        self.dump = dump
        self.dictionary = dictionary
        self.settings = settings
        self.shard = shard
    }

    public init(dump: Dump, dictionary: AnalysisDictionary, settings: AnalysisSettings) {
        self.init(dump: DumpInfo(path: dump.path, layout: dump.layout.rawValue, count: dump.count,
                                 dimension: dump.dimension, elementType: dump.elementType.rawValue,
                                 attributes: dump.attributes, layer: dump.layer,
                                 promptsSHA256: dump.promptsFingerprint),
                  dictionary: dictionary, settings: settings)
        self.shard = settings.shard.map {
            ShardInfo(shard: $0, trajectories: $0.trajectories(of: dump.count), dumpFingerprint: dump.fingerprint)
        }
    }

    /// The header of trajectories described by `dump` (read from a file or held in memory).
    init(dump: DumpInfo, dictionary: AnalysisDictionary, settings: AnalysisSettings) {
        self.dump = dump
        var rank: String?
        switch dictionary {
        case .sigmoid(let g):
            self.dictionary = DictionaryInfo(kind: "sigmoid", source: g.source, m: g.koopmanDimension, d: g.dimension,
                                             hasBias: g.bias != nil, sha256: g.sha256)
        case .identity(let rule):
            self.dictionary = DictionaryInfo(kind: "identity", source: "identity (exact DMD)", m: nil,
                                             d: dump.dimension, hasBias: false, sha256: nil)
            rank = rule.description
        }
        var ridge: Double?, rcond: Double?
        var estimator: String
        switch (dictionary, settings.estimator) {
        case (.identity, _): estimator = "exact-dmd"
        case (_, .ridge(let delta)): estimator = "ridge"; ridge = delta
        case (_, .pseudoInverse(let r)): estimator = "pinv"; rcond = r
        }
        self.settings = SettingsInfo(estimator: estimator, ridge: ridge, rcond: rcond, rank: rank,
                                     residualThreshold: settings.residualThreshold, variance: settings.variance,
                                     effectiveRank: settings.effectiveRank)
    }
}

/// What the summary keeps of one trajectory: a few numbers, so that a summary of millions of
/// trajectories costs megabytes, not their spectra.
public struct SummaryRecord: Sendable {
    public var group: Int?
    public var reward: Double?
    public var analyzed: Bool
    public var flagged: Bool
    public var dsd: Double
    public var dsdReference: Double
    public var dsdFiltered: Double
    /// NaN when it was not computed.
    public var effectiveRank: Double

    init(group: Int?, reward: Double?, analyzed: Bool, flagged: Bool, dsd: Double, dsdReference: Double,
         dsdFiltered: Double, effectiveRank: Double) {
        self.group = group
        self.reward = reward
        self.analyzed = analyzed
        self.flagged = flagged
        self.dsd = dsd
        self.dsdReference = dsdReference
        self.dsdFiltered = dsdFiltered
        self.effectiveRank = effectiveRank
    }

    public init(_ t: TrajectoryAnalysis) {
        group = t.group
        reward = t.reward
        analyzed = t.isAnalyzed
        flagged = !t.flags.isEmpty
        dsd = t.dsd
        dsdReference = t.dsdReference
        dsdFiltered = t.dsdFiltered
        effectiveRank = t.effectiveRank ?? .nan
    }
}

/// DSD statistics over the analysed trajectories, overall and per GRPO group.
public struct AnalysisSummary: Sendable {
    /// Statistics of the three DSDs over one set of trajectories.
    public struct Block: Sendable {
        public var count: Int
        public var analyzed: Int
        public var skipped: Int
        public var dsd: Statistics
        public var dsdReference: Statistics
        public var dsdFiltered: Statistics
        /// Of the analysed trajectories whose effective rank was computed (count 0 when none was).
        public var effectiveRank: Statistics
        /// Mean reward of the analysed trajectories, when the dump has rewards.
        public var meanReward: Double?

        /// A block given by its statistics (read back from a report; no rewards).
        init(count: Int, analyzed: Int, dsd: Statistics, dsdReference: Statistics, dsdFiltered: Statistics,
             effectiveRank: Statistics) {
            self.count = count
            self.analyzed = analyzed
            skipped = count - analyzed
            self.dsd = dsd
            self.dsdReference = dsdReference
            self.dsdFiltered = dsdFiltered
            self.effectiveRank = effectiveRank
        }

        init(_ rows: [SummaryRecord]) {
            let analyzed = rows.filter(\.analyzed)
            count = rows.count
            self.analyzed = analyzed.count
            skipped = rows.count - analyzed.count
            // A DSD that is undefined for a trajectory (too few eigenvalues kept) is left out
            // of its own statistics, never counted as zero.
            dsd = Statistics(analyzed.map(\.dsd).filter(\.isFinite))
            dsdReference = Statistics(analyzed.map(\.dsdReference).filter(\.isFinite))
            dsdFiltered = Statistics(analyzed.map(\.dsdFiltered).filter(\.isFinite))
            effectiveRank = Statistics(analyzed.map(\.effectiveRank).filter(\.isFinite))
            let rewards = analyzed.compactMap(\.reward)
            meanReward = rewards.isEmpty ? nil : rewards.reduce(0, +) / Double(rewards.count)
        }
    }

    public var overall: Block
    /// One block per group id, in increasing order (empty without `/group_ids`).
    public var groups: [(group: Int, block: Block)]
    /// Trajectories carrying a flag (rank-deficient, constant).
    public var flagged: Int

    /// The summary of `records`.
    public init(_ records: [SummaryRecord]) {
        overall = Block(records)
        let byGroup = Dictionary(grouping: records.filter { $0.group != nil }) { $0.group! }
        groups = byGroup.keys.sorted().map { ($0, Block(byGroup[$0]!)) }
        flagged = records.filter(\.flagged).count
    }
}
