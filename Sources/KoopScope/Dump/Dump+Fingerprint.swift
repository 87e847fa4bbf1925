extension Dump {
    /// A SHA-256 of what identifies the dump without reading its states: layout, N, d,
    /// T_max, element type, every length, the rewards and group ids, and the root
    /// attributes, and the layer. Parts of a sharded analysis carry it, so that parts of different dumps
    /// are never merged — wherever each part ran and whatever path it was given.
    /// A SHA-256 of the prompts (`/prompt_ids`, else `/prompts`), nil when the dump has neither:
    /// analyses of two checkpoints' responses to the same prompts carry the same one.
    public var promptsFingerprint: String? {
        if let ids = promptIDs { return sha256Hex(Array(ids.map { $0.map(String.init).joined(separator: ",") }.joined(separator: "\n").utf8)) }
        if let prompts { return sha256Hex(Array(prompts.joined(separator: "\u{1E}").utf8)) }
        return nil
    }

    public var fingerprint: String {
        var text = "\(layout.rawValue) \(count) \(dimension) \(maxLength) \(elementType.rawValue)\n"
        text += lengths.map(String.init).joined(separator: ",") + "\n"
        text += (rewards ?? []).map { "\($0)" }.joined(separator: ",") + "\n"
        text += (groupIDs ?? []).map(String.init).joined(separator: ",") + "\n"
        for (name, value) in attributes { text += "\(name)=\(value)\n" }
        // Another layer's states are another analysis's input (the main states add nothing, as before layers).
        if statesDataset.hasPrefix("/layers/") { text += "states \(statesDataset)\n" }
        return sha256Hex(Array(text.utf8))
    }
}
