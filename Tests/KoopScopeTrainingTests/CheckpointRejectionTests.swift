import Foundation
import Testing
import _TestSupport
@testable import KoopScopeTraining

/// Damaged safetensors files, configurations and checkpoint folders: each refused with an error
/// naming the file and the tensor or field, never a crash.
@Suite("Damaged checkpoints")
struct CheckpointRejectionTests {
    /// A safetensors file of `header` (JSON text) followed by `data` bytes, with a declared header
    /// size of `declared` (the true size by default).
    func safetensors(_ header: String, data: Int = 0, declared: UInt64? = nil, in dir: URL) throws -> String {
        let bytes = Array(header.utf8)
        var file = Data()
        withUnsafeBytes(of: (declared ?? UInt64(bytes.count)).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: bytes)
        file.append(Data(repeating: 0, count: data))
        let path = dir.appendingPathComponent("t-\(UUID().uuidString).safetensors").path
        try file.write(to: URL(fileURLWithPath: path))
        return path
    }

    func refusal(_ body: () throws -> Void) -> String {
        do { try body() } catch let error as ModelFileError { return error.description } catch { return "other error \(error)" }
        return "accepted"
    }

    @Test func readsAHandWrittenFile() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // F32 [2] = 1.5, −2; BF16 [1] = 0x3FC0 = 1.5; F16 [1] = 0x3E00 = 1.5; I64 [1] = −7.
        var data = Data()
        for x: Float in [1.5, -2] { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        withUnsafeBytes(of: UInt16(0x3FC0).littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt16(0x3E00).littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: Int64(-7).littleEndian) { data.append(contentsOf: $0) }
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]},"#
            + #""c":{"dtype":"F16","shape":[1],"data_offsets":[10,12]},"n":{"dtype":"I64","shape":[1],"data_offsets":[12,20]},"#
            + #""__metadata__":{"format":"pt"}}"#
        let path = try safetensors(header, in: dir)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(data)
        try handle.close()
        let file = try SafetensorsFile(path: path)
        #expect(try file.floats("a") == [1.5, -2])
        #expect(try file.floats("b") == [1.5])
        #expect(try file.floats("c") == [1.5])
        #expect(try file.integers("n") == [-7])
        #expect(file.metadata == ["format": "pt"])
        #expect(file.names == ["a", "b", "c", "n"])
    }

    @Test func damagedSafetensorsAreRefusedByName() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(header: String, data: Int, declared: UInt64?, expected: String)] = [
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, 8, nil, "w: its data_offsets [0, 16] run past the 8 bytes"),
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
             12, nil, "v: its bytes 4..<12 overlap those of w"),
            (#"{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, 8, nil, "w: unknown dtype \"Q4\""),
            (#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, 8, nil, "needs 12"),
            (#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}"#, 8, nil, "not a list of whole numbers"),
            (#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, 8, nil, "more than"),
            (#"{"w":{"dtype":"F32","shape":[2]}}"#, 8, nil, "no data_offsets"),
            (#"{"w": [1, 2]}"#, 0, nil, "must be an object"),
            (#"[1, 2]"#, 0, nil, "not a JSON object"),
            (#"{"w": "#, 0, nil, "not JSON"),
            ("{}", 0, 1 << 40, "past the bound"),
            ("{}", 0, 4096, "only 2 follow (truncated?)"),
        ]
        for c in cases {
            let path = try safetensors(c.header, data: c.data, declared: c.declared, in: dir)
            let message = refusal { _ = try SafetensorsFile(path: path) }
            #expect(message.hasPrefix(path) && message.contains(c.expected), "\(c.header): \(message)")
        }
        let short = dir.appendingPathComponent("short.safetensors").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: short))
        #expect(refusal { _ = try SafetensorsFile(path: short) }.contains("too short"))
        #expect(refusal { _ = try SafetensorsFile(path: dir.appendingPathComponent("none").path) }.contains("No such file"))
        let ints = try safetensors(#"{"w":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#, data: 8, in: dir)
        #expect(refusal { _ = try SafetensorsFile(path: ints).floats("w") }.contains("w: dtype I32"))
        #expect(refusal { _ = try SafetensorsFile(path: ints).floats("x") }.contains("x: no such tensor"))
    }

    /// A copy of a fixture checkpoint folder, changed by `edit`.
    func damagedCopy(of name: String, in dir: URL, _ edit: (URL) throws -> Void) throws -> String {
        let copy = dir.appendingPathComponent(name + "-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: fixturesURL.appendingPathComponent("hf/" + name), to: copy)
        try edit(copy)
        return copy.path
    }

    func editConfig(_ folder: URL, _ change: (inout [String: Any]) -> Void) throws {
        let url = folder.appendingPathComponent("config.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    @Test func damagedFoldersAreRefusedByName() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, (URL) throws -> Void, String)] = [
            ("qwen3-f32", { try self.editConfig($0) { $0["architectures"] = ["GPT2LMHeadModel"] } },
             "config.json: architectures: GPT2LMHeadModel is not one koopscope implements"),
            ("llama-f32-sharded", { try self.editConfig($0) { $0["rope_scaling"] = ["rope_type": "yarn", "factor": 4] } },
             "config.json: rope_scaling.rope_type: \"yarn\": only default and llama3"),
            ("qwen3-f32", { try self.editConfig($0) { $0["num_key_value_heads"] = 3 } },
             "config.json: num_key_value_heads: 3 does not divide"),
            ("qwen3-f32", { try self.editConfig($0) { $0["hidden_size"] = 1 << 30 } }, "config.json: hidden_size: 1073741824 is outside"),
            ("qwen3-f32", { try self.editConfig($0) { $0["hidden_size"] = "wide" } }, "config.json: hidden_size: must be a whole number"),
            ("mistral-f16", { try self.editConfig($0) { $0["sliding_window"] = 4096 } }, "sliding_window: 4096: sliding-window attention"),
            ("qwen3-f32", { try self.editConfig($0) { $0["intermediate_size"] = 64 } },
             "mlp.gate_proj.weight: has shape [96, 64], the configuration needs [64, 64]"),
            ("qwen3-f32", { try self.editConfig($0) { $0["tie_word_embeddings"] = false } },
             "lm_head.weight: missing from the checkpoint"),
            ("qwen2-bf16", { try self.editConfig($0) { $0["attention_bias"] = false } },
             "self_attn.k_proj.bias: a tensor Qwen2ForCausalLM with this configuration does not have"),
            ("qwen3-f32", { try FileManager.default.removeItem(at: $0.appendingPathComponent("config.json")) },
             "config.json: missing"),
            ("qwen3-f32", { try Data("{".utf8).write(to: $0.appendingPathComponent("config.json")) }, "config.json: not JSON"),
            ("qwen3-f32", { url in
                let weights = url.appendingPathComponent("model.safetensors")
                let data = try Data(contentsOf: weights)
                try data.prefix(data.count - 100).write(to: weights)
            }, "run past the"),
            ("llama-f32-sharded", { try FileManager.default.removeItem(at: $0.appendingPathComponent("model-00003-of-00005.safetensors")) },
             "model-00003-of-00005.safetensors: No such file"),
        ]
        for (name, edit, expected) in cases {
            let folder = try damagedCopy(of: name, in: dir, edit)
            let message = refusal { _ = try Decoder(CheckpointFolder(path: folder)) }
            #expect(message.contains(folder) && message.contains(expected), "\(expected): \(message)")
        }
    }
}
