import Foundation
import KoopScope
import Testing
@testable import KoopScopeTraining

/// Checkpoints written back: safetensors files the reader gives back exactly, and a policy's
/// folder that loads as the same model.
@Suite("Writing checkpoints")
struct ExportTests {
    @Test func safetensorsRoundTripInEachDtype() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let values: [Float] = [1.5, -2, 0.1, 3.14159, 65504, 1e-8, -0.0, 7]
        for dtype in [SafetensorsFile.DType.f32, .f16, .bf16] {
            let path = dir.appendingPathComponent("\(dtype.rawValue).safetensors").path
            try SafetensorsWriter.write([("b", [2, 4], values), ("a", [3], [1, 2, 3])], dtype: dtype, to: path)
            let file = try SafetensorsFile(path: path)
            let expected: [Float] = switch dtype {
            case .f32: values
            case .f16: values.map { Float(Float16($0)) }
            default: values.map { Float(bitPattern: UInt32(HalfPrecision.bfloat16Bits($0)) << 16) }
            }
            #expect(try file.floats("b") == expected && file.entries["b"]?.shape == [2, 4] && file.entries["b"]?.dtype == dtype)
            #expect(try file.floats("a") == [1, 2, 3])
            let header = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            #expect(header % 8 == 0, "the header is padded to 8 bytes")
        }
        #expect(throws: ModelFileError.self) {
            try SafetensorsWriter.write([("x", [3], [1, 2])], dtype: .f32, to: dir.appendingPathComponent("bad").path)
        }
    }

    /// A changed Float32 policy, exported and loaded back, is the same model; a BF16 checkpoint
    /// exported unchanged gives its tensors back bit for bit, in BF16.
    @Test func exportedFoldersLoadAsTheSameModel() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let backend = CPUBackend()
        let source = try CheckpointFolder(path: fixturePath("hf/qwen3-f32"))
        let policy = try DecoderPolicy<Float>(source, backend: backend)
        let k = policy.parameters.firstIndex { $0.name == "model.layers.0.self_attn.q_norm.weight" }!
        backend.write(backend.download(policy.parameters[k].value).map { $0 * 0.5 + 0.25 }, to: policy.parameters[k].value)
        let out = dir.appendingPathComponent("exported").path
        try policy.export(to: out, source: source)
        let tokens = [4, 99, 300, 12, 7]
        #expect(try Decoder(checkpoint: out).forward(tokens).logits == Decoder(policy).forward(tokens).logits)
        for name in ["config.json", "tokenizer.json", "generation_config.json"] {
            #expect(FileManager.default.contents(atPath: out + "/" + name) == FileManager.default.contents(atPath: source.path + "/" + name))
        }
        #expect(throws: ModelFileError.invalid(file: out, entry: "output", detail: "exists already; export writes a new folder")) {
            try policy.export(to: out, source: source)
        }
        #expect(throws: ModelFileError.self) {
            try policy.export(to: dir.appendingPathComponent("other").path, source: CheckpointFolder(path: fixturePath("hf/qwen2-bf16")))
        }

        let bf16 = try CheckpointFolder(path: fixturePath("hf/qwen2-bf16"))
        let again = dir.appendingPathComponent("bf16").path
        try DecoderPolicy<Float>(bf16, backend: backend).export(to: again, source: bf16)
        let original = try SafetensorsFile(path: bf16.path + "/model.safetensors"), written = try SafetensorsFile(path: again + "/model.safetensors")
        #expect(Set(written.names) == Set(original.names))
        for name in original.names {
            #expect(written.entries[name]?.dtype == .bf16 && written.entries[name]?.shape == original.entries[name]?.shape)
            #expect(try written.floats(name) == original.floats(name), "\(name)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("other").path))
    }
}
