import Crypto
import Foundation
import KoopScope

/// Checkpoints: `RUN_DIR/checkpoints/step-NNNNNN/` with `state.json` (step, generator state,
/// optimiser step, the layout and SHA-256 of the tensors), `tensors.bin` (Float32, little-endian:
/// the policy, AdamW's two moments, the reference policy when there is one) and the frozen
/// dictionary. Written under a temporary name and renamed when complete; the three newest kept.
extension Trainer {
    static let checkpointFormat = "koopscope-checkpoint"

    func writeCheckpoint() throws {
        let folder = runDirectory + "/checkpoints"
        let name = String(format: "step-%06d", step)
        let final = folder + "/" + name
        let temporary = folder + "/.\(name).partial-\(ProcessInfo.processInfo.processIdentifier)"
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
            // One tensor at a time from the backend to the file, hashed on the way: a checkpoint
            // never holds the policy and its moments in memory at once.
            var sources: [(name: String, count: Int, values: () -> [Float])] = policy.parameters.map { p in
                (p.name, p.count, { self.backend.download(p.value) })
            }
            for (k, p) in policy.parameters.enumerated() {
                sources.append(("adam.m." + p.name, p.count, { self.backend.download(self.optimizer.m[k]) }))
            }
            for (k, p) in policy.parameters.enumerated() {
                sources.append(("adam.v." + p.name, p.count, { self.backend.download(self.optimizer.v[k]) }))
            }
            if let reference {
                sources += reference.parameters.map { p in ("reference." + p.name, p.count, { self.backend.download(p.value) }) }
            }
            let file = temporary + "/tensors.bin"
            guard FileManager.default.createFile(atPath: file, contents: nil), let handle = FileHandle(forWritingAtPath: file) else {
                throw TrainingError.checkpoint(path: final, detail: "cannot create \(file)")
            }
            var hasher = Crypto.SHA256()
            do {
                defer { try? handle.close() }
                for source in sources {
                    var values = source.values()
                    #if _endian(big)
                    values = values.map { Float(bitPattern: $0.bitPattern.littleEndian) }
                    #endif
                    let bytes = values.withUnsafeBytes { Data($0) }
                    hasher.update(data: bytes)
                    try handle.write(contentsOf: bytes)
                }
            }
            let tensorsDigest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            var dictionaryDigest: String?
            if let dictionary {
                try dictionary.write(to: temporary + "/dictionary.h5")
                dictionaryDigest = sha256Hex(try Data(contentsOf: URL(fileURLWithPath: temporary + "/dictionary.h5")))
            }
            var state: [String: Any] = [
                "format": Self.checkpointFormat, "version": 1, "step": step, "warmed_up": warmedUp,
                "rng": rng.state.map { String($0) }, "prompt_rng": promptRNG.state.map { String($0) },
                "adam_step": optimizer.stepCount, "effective_rank_history": effectiveRankHistory.map { String($0.bitPattern) },
                "tensors": sources.map { ["name": $0.name, "count": $0.count] },
                "tensors_sha256": tensorsDigest,
                "has_reference": reference != nil, "has_dictionary": dictionary != nil,
                "configuration": configuration.toml,
            ]
            if let dictionaryDigest { state["dictionary_sha256"] = dictionaryDigest }
            let json = try JSONSerialization.data(withJSONObject: state, options: [.prettyPrinted, .sortedKeys])
            try json.write(to: URL(fileURLWithPath: temporary + "/state.json"))
            if fm.fileExists(atPath: final) { try fm.removeItem(atPath: final) }
            try fm.moveItem(atPath: temporary, toPath: final)
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw TrainingError.checkpoint(path: final, detail: "cannot write: \(error.localizedDescription)")
        }
        // Keep the three newest.
        for old in checkpointSteps().dropLast(3) { try? fm.removeItem(atPath: folder + String(format: "/step-%06d", old)) }
    }

    /// Creates `folder` (and its parents) or says why it cannot be.
    static func createDirectory(_ folder: String) throws {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw TrainingError.runDirectory(path: folder, detail: "cannot create the folder: \(error.localizedDescription)")
        }
    }

    /// Steps of the complete checkpoints in the run directory, ascending.
    func checkpointSteps() -> [Int] { Self.checkpointSteps(in: runDirectory) }

    /// Steps of the complete checkpoints in `runDirectory`, ascending.
    static func checkpointSteps(in runDirectory: String) -> [Int] {
        let folder = runDirectory + "/checkpoints"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step-"), FileManager.default.fileExists(atPath: folder + "/" + name + "/state.json") else { return nil }
            return Int(name.dropFirst(5))
        }.sorted()
    }

    /// Loads the newest checkpoint; with none, the run starts over (and its metrics are cleared).
    func restoreLatestCheckpoint() throws {
        guard let latest = checkpointSteps().last else {
            try metrics.truncate(after: -1)
            try MetricsLog(path: runDirectory + "/sft.jsonl").truncate(after: -1)
            if !configuration.initCheckpoint.isEmpty { try startFromCheckpoint(configuration.initCheckpoint) }
            return
        }
        let path = runDirectory + String(format: "/checkpoints/step-%06d", latest)
        func fail(_ detail: String) -> TrainingError { .checkpoint(path: path, detail: detail) }
        let (state, byName) = try Self.readCheckpoint(at: path)
        guard let saved = state["configuration"] as? String else { throw fail("state.json lacks the configuration") }
        var savedConfiguration = TrainingConfiguration()
        for entry in (try? TOMLFile.parse(saved, path: "state.json")) ?? [] {
            try? savedConfiguration.set(entry.key, to: entry.value, source: "state.json")
        }
        guard savedConfiguration.trainsLike(configuration) else {
            throw fail("it was written with a different configuration than \(runDirectory)/config.toml")
        }
        guard let stepNumber = (state["step"] as? NSNumber)?.intValue,
              let rngText = state["rng"] as? [String], let restored = SeededGenerator(state: rngText.compactMap { UInt64($0) }),
              let adamStep = (state["adam_step"] as? NSNumber)?.intValue else {
            throw fail("state.json lacks the step, generator or optimiser")
        }
        // Checkpoints from before prompts had their own generator carry none: it starts afresh.
        let promptText = state["prompt_rng"] as? [String] ?? []
        let restoredPrompts = SeededGenerator(state: promptText.compactMap { UInt64($0) }) ?? SeededGenerator(seed: configuration.seed &+ 2)
        func tensor(_ name: String, _ count: Int) throws -> [Float] {
            guard let values = byName[name], values.count == count else { throw fail("tensor \(name) is missing or has the wrong size") }
            return values
        }
        for p in policy.parameters { backend.write(try tensor(p.name, p.count), to: p.value) }
        optimizer.restore(step: adamStep, m: try policy.parameters.map { try tensor("adam.m." + $0.name, $0.count) },
                          v: try policy.parameters.map { try tensor("adam.v." + $0.name, $0.count) })
        optimizer.settings.learningRate = configuration.learningRate
        if state["has_reference"] as? Bool == true {
            let copy = policy.copy()
            for p in copy.parameters { backend.write(try tensor("reference." + p.name, p.count), to: p.value) }
            reference = copy
        }
        if state["has_dictionary"] as? Bool == true {
            let file = path + "/dictionary.h5"
            guard let stored = FileManager.default.contents(atPath: file) else { throw fail("dictionary.h5 is missing") }
            // Checkpoints from before the dictionary was hashed carry no digest.
            if let digest = state["dictionary_sha256"] as? String, !Self.digest(digest, matches: stored) {
                throw fail("dictionary.h5 does not match its SHA-256 (damaged)")
            }
            let loaded = try KoopmanDictionary(contentsOf: file)
            // A fitted dictionary has the configured m; a given one (--dictionary) its own.
            guard loaded.dimension == policy.hiddenDimension,
                  !configuration.dictionary.isEmpty || loaded.koopmanDimension == configuration.koopmanDimension else {
                throw fail("dictionary.h5 is \(loaded.koopmanDimension)×\(loaded.dimension) (m×d); the run needs "
                           + "\(configuration.koopmanDimension)×\(policy.hiddenDimension)")
            }
            dictionary = loaded
        }
        step = stepNumber
        rng = restored
        promptRNG = restoredPrompts
        warmedUp = state["warmed_up"] as? Bool ?? true
        // Checkpoints from before the effective rank was logged carry none: its differences start afresh.
        // Bit patterns, as the generators' states: a resumed run's differences are exactly an uninterrupted one's.
        effectiveRankHistory = (state["effective_rank_history"] as? [String] ?? []).compactMap(UInt64.init).map(Double.init(bitPattern:))
        try metrics.truncate(after: step)
    }

    /// Starts from the policy of the checkpoint at `path` (a warm-up's `checkpoints/step-000000`,
    /// or any other): its weights only, with a fresh optimiser and this run's own generators.
    func startFromCheckpoint(_ path: String) throws {
        let (state, byName) = try Self.readCheckpoint(at: path)
        func fail(_ detail: String) -> TrainingError { .checkpoint(path: path, detail: detail) }
        for p in policy.parameters {
            guard let values = byName[p.name], values.count == p.count else {
                throw fail("it holds no tensor \(p.name) of \(p.count) values: it was written for another policy shape")
            }
            backend.write(values, to: p.value)
        }
        guard state["warmed_up"] as? Bool != false else { throw fail("its policy was saved before the warm-up finished") }
        // run() skips the warm-up, then copies the reference, sets the RL learning rate and evaluates step 0.
        startedFromCheckpoint = true
    }

    /// A checkpoint's state.json and its tensors by name, each checked (format, SHA-256, layout).
    static func readCheckpoint(at path: String) throws -> (state: [String: Any], tensors: [String: [Float]]) {
        func fail(_ detail: String) -> TrainingError { .checkpoint(path: path, detail: detail) }
        guard let data = FileManager.default.contents(atPath: path + "/state.json"),
              let state = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw fail("state.json is missing or not JSON")
        }
        guard state["format"] as? String == checkpointFormat, (state["version"] as? NSNumber)?.intValue == 1 else {
            throw fail("state.json is not a version-1 koopscope checkpoint")
        }
        guard let layout = state["tensors"] as? [[String: Any]], let digest = state["tensors_sha256"] as? String else {
            throw fail("state.json lacks the tensor layout")
        }
        // Mapped, not read: restoring holds the tensors once, not the file's bytes beside them.
        guard let blob = try? Data(contentsOf: URL(fileURLWithPath: path + "/tensors.bin"), options: .alwaysMapped) else {
            throw fail("tensors.bin is missing")
        }
        guard Self.digest(digest, matches: blob) else { throw fail("tensors.bin does not match its SHA-256 (damaged)") }
        var offset = 0
        var byName: [String: [Float]] = [:]
        for entry in layout {
            // Checked against what is left of the file before any product is formed: a crafted
            // count cannot overflow `offset + 4 · count`.
            guard let name = entry["name"] as? String, let number = entry["count"] as? NSNumber,
                  let count = try? Limits.count(number.doubleValue, "count", within: 0...((blob.count - offset) / 4))
            else { throw fail("the tensor layout does not fit tensors.bin") }
            byName[name] = blob.withUnsafeBytes { raw in
                (0..<count).map { k in Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * k, as: UInt32.self))) }
            }
            offset += 4 * count
        }
        guard offset == blob.count else {
            throw fail("the tensor layout covers \(offset) of the \(blob.count) bytes of tensors.bin")
        }
        return (state, byName)
    }

    /// Whether a checkpoint's recorded digest is `data`'s SHA-256; checkpoints written by
    /// earlier checkpoints recorded the SHA-256 of the SHA-256 digest, which is accepted too.
    static func digest<D: DataProtocol>(_ recorded: String, matches data: D) -> Bool {
        if recorded == sha256Hex(data) { return true }
        return recorded == sha256Hex(Crypto.SHA256.hash(data: data).map { $0 })
    }
}
