import FoundationEssentials

/// DSD, spectral radius and (when asked for) effective rank of every layer a dump holds,
/// summarised layer by layer: how the dynamics change with depth (`koopscope analyze --all-layers`).
///
/// The file is opened once; each layer's states are read once, a batch at a time, and analysed
/// with the same dictionary and settings (the default dictionary is sized by the states' width,
/// which every layer of a model shares).
///
/// ```swift
/// let dump = try Dump(path: "rollouts.h5")
/// let analyzer = Analyzer(dictionary: .sigmoid(.kaimingUniform(dimension: dump.dimension)))
/// let profile = try LayerProfile(dump, analyzer: analyzer)
/// for layer in profile.layers { print(layer.name, layer.summary.dsd.mean, layer.spectralRadius.mean) }
/// ```
public struct LayerProfile: Sendable {
    /// One layer's numbers.
    public struct Layer: Sendable {
        /// The layer as the dump names it (nil: `/hidden_states`, the last layer).
        public var layer: Int?
        /// Its index into `hidden_states` (0 the embeddings), where the dump gives the model's
        /// depth (attribute `num_hidden_layers`), else nil.
        public var depth: Int?
        /// The dataset its states came from.
        public var dataset: String
        /// DSD statistics over its trajectories, and their effective ranks when computed.
        public var summary: AnalysisSummary.Block
        /// The largest |λ| of each analysed trajectory, summarised.
        public var spectralRadius: Statistics

        /// `-1` style name for tables: the dump's own number, or "last" for `/hidden_states`.
        public var name: String { layer.map(String.init) ?? "last" }
    }

    /// The dump, dictionary and settings (of the last layer's states).
    public var header: AnalysisHeader
    /// The dump's layers, shallowest first where the dump gives its depth.
    public var layers: [Layer]

    /// Analyses every layer `dump` holds with `analyzer`; `progress(layer, done, total)` after each batch.
    public init(_ dump: Dump, analyzer: Analyzer, progress: ((Int?, Int, Int) -> Void)? = nil) throws {
        header = AnalysisHeader(dump: dump, dictionary: analyzer.dictionary, settings: analyzer.settings)
        let depth = Dump.depth(root: dump.root)
        layers = try dump.analysableLayers.map { k in
            let view = try dump.atLayer(k)
            try analyzer.check(view)
            var radii: [Double] = []
            let (_, summary) = try analyzer.analyze(view, progress: { progress?(k, $0, $1) }) { t in
                if t.isAnalyzed { radii.append(t.spectralRadius) }
            }
            return Layer(layer: k, depth: depth.map { Dump.index(k ?? -1, depth: $0) }, dataset: view.statesDataset,
                         summary: summary.overall, spectralRadius: Statistics(radii.filter(\.isFinite)))
        }
    }

    /// A profile read back (``init(json:path:)``) or assembled by hand.
    public init(header: AnalysisHeader, layers: [Layer]) {
        self.header = header
        self.layers = layers
    }
}
