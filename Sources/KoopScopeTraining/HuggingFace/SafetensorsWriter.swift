import Foundation
import KoopScope

/// Writes a `.safetensors` file: the tensors in the order given, each converted from Float32 to
/// the dtype asked for (F32, F16 or BF16, rounded to nearest even), the header padded to 8 bytes
/// as the format's own writer does. The file appears whole or not at all.
///
/// ```swift
/// try SafetensorsWriter.write([("w", shape: [2, 2], values: [1, 2, 3, 4])], dtype: .bf16, to: "out.safetensors")
/// ```
public enum SafetensorsWriter {
    /// Writes `tensors` as `dtype` to `path`, with `metadata` in the header.
    public static func write(_ tensors: [(name: String, shape: [Int], values: [Float])], dtype: SafetensorsFile.DType,
                             metadata: [String: String] = ["format": "pt"], to path: String) throws {
        guard [.f32, .f16, .bf16].contains(dtype) else {
            throw ModelFileError.unsupported(file: path, entry: "dtype", detail: "\(dtype.rawValue): koopscope writes F32, F16 and BF16")
        }
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for tensor in tensors {
            guard tensor.shape.reduce(1, *) == tensor.values.count else {
                throw ModelFileError.invalid(file: path, entry: tensor.name,
                                             detail: "\(tensor.values.count) values for the shape \(tensor.shape)")
            }
            let bytes = tensor.values.count * dtype.byteWidth
            header[tensor.name] = ["dtype": dtype.rawValue, "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var file = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        for tensor in tensors {
            switch dtype {
            case .f32:
                tensor.values.withUnsafeBytes { file.append(contentsOf: $0) }
            case .f16:
                tensor.values.map { HalfPrecision.float16Bits($0).littleEndian }.withUnsafeBytes { file.append(contentsOf: $0) }
            default:
                tensor.values.map { HalfPrecision.bfloat16Bits($0).littleEndian }.withUnsafeBytes { file.append(contentsOf: $0) }
            }
        }
        do { try AtomicFile.write(file, to: path) } catch {
            throw ModelFileError.unreadable(file: path, detail: "could not be written: \(error)")
        }
    }
}
