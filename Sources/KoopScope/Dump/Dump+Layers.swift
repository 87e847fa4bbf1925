import FoundationEssentials

/// The layers of a dump: `/hidden_states` (the last layer's), and one
/// `/layers/<k>/hidden_states` per further layer, `k` the model's index into `transformers`'
/// `hidden_states` (0 the embeddings; negative from the end, −1 the last).
extension Dump {
    /// The layers the dump holds under `/layers`, in the order of depth where the dump says how
    /// deep the model is (root attribute `num_hidden_layers`), else by their numbers.
    public var storedLayers: [Int] {
        (try? Self.storedLayers(root: root)) ?? []
    }

    /// Every layer an analysis can read: those under `/layers`, then the last layer (`/hidden_states`)
    /// unless one of them is the last layer too. nil stands for `/hidden_states`.
    public var analysableLayers: [Int?] {
        let depth = Self.depth(root: root)
        let stored = storedLayers
        let lastIsStored = depth.map { d in stored.contains { Self.index($0, depth: d) == d } } ?? stored.contains(-1)
        return stored.map(Optional.some) + (lastIsStored ? [] : [nil])
    }

    /// Where `/layers/<k>` holds the states of layer `k`: `k` itself, or the other spelling of the
    /// same layer (12 and −17 in a 28-layer model's 29 hidden states). nil when `k` is the last
    /// layer and only `/hidden_states` holds it. Throws, naming the layers there are, otherwise.
    static func layerDataset(_ k: Int, root: HDF5Location, path: String) throws -> String? {
        let stored = (try? storedLayers(root: root)) ?? []
        let depth = Self.depth(root: root)
        // A stored layer's path, once it is checked to hold a dataset.
        func dataset(_ j: Int) throws -> String {
            guard (try? root.kind(of: "layers/\(j)/hidden_states")) == .dataset else {
                throw DumpError.layer(file: path, detail: "/layers/\(j) holds no hidden_states dataset")
            }
            return "layers/\(j)/hidden_states"
        }
        if stored.contains(k) { return try dataset(k) }
        if let depth {
            let wanted = index(k, depth: depth)
            guard (0...depth).contains(wanted) else {
                throw DumpError.layer(file: path, detail: "layer \(k) is outside the model's hidden states 0…\(depth) "
                                      + "(−\(depth + 1)…−1 from the end)")
            }
            if let same = stored.first(where: { index($0, depth: depth) == wanted }) { return try dataset(same) }
            if wanted == depth { return nil }
        } else if k == -1 || (try? root.attribute("layer"))?.flatMap(\.integerValue) == Int64(k) {
            return nil
        }
        let there = stored.map(String.init) + ["-1 (/hidden_states)"]
        throw DumpError.layer(file: path, detail: "holds no layer \(k); its layers are \(there.joined(separator: ", "))")
    }

    /// The number of blocks of the model that wrote the dump (root attribute `num_hidden_layers`).
    static func depth(root: HDF5Location) -> Int? {
        guard let value = (try? root.attribute("num_hidden_layers"))?.flatMap(\.integerValue), value >= 0 else { return nil }
        return Int(value)
    }

    /// A layer's index into `hidden_states`, which has depth + 1 entries.
    static func index(_ k: Int, depth: Int) -> Int { k < 0 ? k + depth + 1 : k }

    static func storedLayers(root: HDF5Location) throws -> [Int] {
        guard try root.kind(of: "layers") == .group else { return [] }
        let names = try root.openGroup("layers").memberNames().compactMap { name in Int(name).flatMap { String($0) == name ? $0 : nil } }
        guard let depth = depth(root: root) else { return names.sorted() }
        return names.sorted { (index($0, depth: depth), $0) < (index($1, depth: depth), $1) }
    }
}
