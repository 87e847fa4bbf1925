import Dispatch
import Foundation
import KoopScope

/// One linear layer of a decoder, y = x Wᵀ (+ b), with W (output × input, as PyTorch stores it)
/// kept in the layout its product reads fastest.
///
/// Sampling multiplies a few rows — one per sequence — by every weight of the model for each
/// token, so the weights are what costs: they are laid out once as strips of 16 output columns
/// (``CPUBackend/stripPacked(_:rows:columns:)``'s layout), each streamed whole by the
/// small-product kernel, in row blocks of at most 64 and column ranges split over the cores.
/// Where that kernel cannot run (no AVX2 and FMA), W stays as it is and OpenBLAS multiplies.
struct Projection: @unchecked Sendable {
    let input: Int, output: Int
    /// Wᵀ as strips, or nil when the kernel is unavailable.
    let strips: [Float]?
    /// W itself, when there are no strips.
    let weight: [Float]?
    let bias: [Float]?

    /// Whether this CPU runs the strip kernel (AVX2 and FMA).
    static let stripsAvailable: Bool = {
        var a: Float = 0, s: Float = 0, c: Float = 0
        return Float._smallGEMMStrips(&a, 1, &s, &c, 1, 0, 0, 0)
    }()

    /// `packed` false keeps W for OpenBLAS even where the strip kernel runs.
    init(weight w: [Float], output: Int, input: Int, bias: [Float]?, packed: Bool = Self.stripsAvailable) {
        precondition(w.count == output * input)
        self.input = input
        self.output = output
        self.bias = bias
        if packed && Self.stripsAvailable {
            // Strip s is Wᵀ's columns 16s ..< 16s + 16: rows 16s … of W, transposed (one strip at a
            // time per core, so that only a strip's copy each is held besides W). The sampler lays
            // a policy's weights out anew every step, so the cores share the work.
            let stripCount = (output + 15) / 16
            var packed = [Float](repeating: 0, count: stripCount * 16 * input)
            w.withUnsafeBufferPointer { source in
                packed.withUnsafeMutableBufferPointer { destination in
                    let pieces = evenRanges(stripCount, parts: min(stripCount, ProcessInfo.processInfo.activeProcessorCount * 4))
                    _ = concurrentMap(pieces.count) { piece in
                        var block = [Float](repeating: 0, count: input * 16)
                        for strip in pieces[piece] {
                            let width = min(16, output - strip * 16)
                            for c in 0..<width {
                                let row = source.baseAddress! + (strip * 16 + c) * input
                                for i in 0..<input { block[i * 16 + c] = row[i] }
                            }
                            _ = Float._packStrips(block, 16, input, width, destination.baseAddress! + strip * 16 * input)
                        }
                    }
                }
            }
            strips = packed
            weight = nil
        } else {
            strips = nil
            weight = w
        }
    }

    /// W's row `row` (for an output projection tied to the embedding: a token's embedding).
    func row(_ row: Int, into destination: UnsafeMutablePointer<Float>) {
        if let strips {
            let strip = row / 16, column = row % 16
            let base = strip * 16 * input
            for i in 0..<input { destination[i] = strips[base + i * 16 + column] }
        } else if let weight {
            for i in 0..<input { destination[i] = weight[row * input + i] }
        }
    }

    /// y (rows × output) = x (rows × input) Wᵀ + b.
    func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        if let strips {
            strips.withUnsafeBufferPointer { s in
                let packed = UnsafeSendablePointer(s.baseAddress!), source = UnsafeSendablePointer(x)
                let target = UnsafeSendablePointer(y)
                let stripCount = (output + 15) / 16
                let pieces = min(stripCount, max(1, ProcessInfo.processInfo.activeProcessorCount * 2))
                let (k, n, blocks) = (input, output, (rows + 63) / 64)
                DispatchQueue.concurrentPerform(iterations: pieces * blocks) { item in
                    let piece = item % pieces, block = item / pieces
                    let first = stripCount * piece / pieces, last = stripCount * (piece + 1) / pieces
                    guard first < last else { return }
                    let column = first * 16, width = min(n, last * 16) - column
                    let row = block * 64, height = min(64, rows - row)
                    _ = Float._smallGEMMStrips(source.pointer + row * k, k, packed.pointer + first * 16 * k,
                                               UnsafeMutablePointer(mutating: target.pointer) + row * n + column, n,
                                               height, width, k)
                }
            }
        } else if let weight {
            weight.withUnsafeBufferPointer { w in
                Float._gemm(transA: false, transB: true, m: rows, n: output, k: input, alpha: 1, a: x, lda: input,
                            b: w.baseAddress!, ldb: input, beta: 0, c: y, ldc: output)
            }
        }
        if let bias {
            for r in 0..<rows { for j in 0..<output { y[r * output + j] += bias[j] } }
        }
    }
}

/// A pointer handed to worker threads, each of which writes only its own part.
struct UnsafeSendablePointer<Pointee>: @unchecked Sendable {
    let pointer: UnsafePointer<Pointee>
    init(_ pointer: UnsafePointer<Pointee>) { self.pointer = pointer }
    init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = UnsafePointer(pointer) }
}
