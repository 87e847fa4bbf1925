import Foundation

/// A Hugging Face checkpoint folder: `config.json`, the weights (`model.safetensors`, or shards
/// listed by `model.safetensors.index.json`), and, when present, `generation_config.json` and
/// `tokenizer.json`.
///
/// ```swift
/// let folder = try CheckpointFolder(path: "SmolLM2-135M")
/// let decoder = try Decoder(folder)
/// ```
public struct CheckpointFolder: Sendable {
    public let path: String
    public let configuration: DecoderConfiguration
    /// Every weight file, by the tensors it holds.
    public let files: [String: SafetensorsFile]
    /// The tokens `generation_config.json` stops at (else `config.json`'s).
    public let eosTokenIDs: [Int]
    /// `tokenizer.json`'s path, when the folder has one.
    public var tokenizerPath: String? {
        let path = url("tokenizer.json").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Opens the folder at `path`: reads the configuration and maps the weight files, checking
    /// every header (the tensors themselves are checked as they are read, ``DecoderWeights/reader(_:)``).
    public init(path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelFileError.unreadable(file: path, detail: "not a checkpoint folder (no such directory)")
        }
        let root = URL(fileURLWithPath: path)
        func url(_ name: String) -> URL { root.appendingPathComponent(name) }
        let configPath = url("config.json").path
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw ModelFileError.unreadable(file: configPath, detail: "missing: a checkpoint folder needs config.json")
        }
        configuration = try DecoderConfiguration(contentsOf: configPath)

        let single = url("model.safetensors").path, index = url("model.safetensors.index.json").path
        var files: [String: SafetensorsFile] = [:]
        if FileManager.default.fileExists(atPath: index) {
            let map = try Self.weightMap(index)
            var opened: [String: SafetensorsFile] = [:]
            for (tensor, shard) in map {
                guard !shard.contains("/"), shard != "..", !shard.isEmpty else {
                    throw ModelFileError.invalid(file: index, entry: "weight_map.\(tensor)", detail: "\"\(shard)\" is not a file of the folder")
                }
                let file = try opened[shard] ?? SafetensorsFile(path: url(shard).path)
                opened[shard] = file
                guard file.entries[tensor] != nil else {
                    throw ModelFileError.invalid(file: file.path, entry: tensor, detail: "listed in model.safetensors.index.json but not in this shard")
                }
                files[tensor] = file
            }
            for file in opened.values {
                for name in file.names where map[name] == nil {
                    throw ModelFileError.invalid(file: file.path, entry: name, detail: "in this shard but not listed in model.safetensors.index.json")
                }
            }
        } else if FileManager.default.fileExists(atPath: single) {
            let file = try SafetensorsFile(path: single)
            for name in file.names { files[name] = file }
        } else {
            throw ModelFileError.unreadable(file: path, detail: "no model.safetensors or model.safetensors.index.json in the folder")
        }
        self.files = files

        let generation = url("generation_config.json").path
        if FileManager.default.fileExists(atPath: generation) {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: generation)) } catch {
                throw ModelFileError.unreadable(file: generation, detail: error.localizedDescription)
            }
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw ModelFileError.malformed(file: generation, detail: "not a JSON object")
            }
            let ids = try JSONFields(object, file: generation).intOrInts("eos_token_id", within: 0...(configuration.vocab_size - 1))
            eosTokenIDs = ids.isEmpty ? configuration.eos_token_ids : ids
        } else {
            eosTokenIDs = configuration.eos_token_ids
        }
    }

    private func url(_ name: String) -> URL { URL(fileURLWithPath: path).appendingPathComponent(name) }

    /// The index's `weight_map`: tensor name to shard file name.
    private static func weightMap(_ index: String) throws -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: index)) } catch {
            throw ModelFileError.unreadable(file: index, detail: error.localizedDescription)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelFileError.malformed(file: index, detail: "not a JSON object")
        }
        guard let map = object["weight_map"] as? [String: String] else {
            throw ModelFileError.invalid(file: index, entry: "weight_map", detail: "missing, or not an object of file names")
        }
        return map
    }

    /// The tensor `name` as Float32, its shape checked against `shape`.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let file = files[name] else {
            throw ModelFileError.invalid(file: path, entry: name, detail: "missing from the checkpoint (\(configuration.architecture.rawValue) needs it)")
        }
        let entry = try file.entry(name)
        guard entry.shape == shape else {
            throw ModelFileError.invalid(file: file.path, entry: name, detail: "has shape \(entry.shape), the configuration needs \(shape)")
        }
        return try file.floats(name)
    }
}
