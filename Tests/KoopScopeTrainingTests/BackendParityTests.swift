import Foundation
import KoopScope
import KoopScopeCUDA
import Testing
@testable import KoopScopeTraining

/// A CPU backend whose GELU forgets to write its output.
final class ForgetfulGELU: CPUBackend, @unchecked Sendable {
    override func biasGELU<S: TensorScalar>(_ z: Buffer<S>, bias: Buffer<S>?, rows: Int, columns: Int, y: Buffer<S>) {}
}

/// A CPU backend whose GEMM is off by one part in a thousand.
final class SloppyGEMM: CPUBackend, @unchecked Sendable {
    override func gemm<S: TensorScalar>(_ s: GEMMShape, alpha: S, _ a: Buffer<S>, _ b: Buffer<S>, beta: S, _ c: Buffer<S>) {
        super.gemm(s, alpha: alpha * S(1.001), a, b, beta: beta, c)
    }
}

/// Whether a CUDA driver, NVRTC, cuBLAS and a device answer here (and why not).
let cudaStatus: (available: Bool, reason: String) = {
    do { let device = try CUDADevice.open(); return (true, device.name) } catch { return (false, "\(error)") }
}()

@Suite("Backend parity")
struct BackendParityTests {
    static let allOps = ["axpy", "scale", "sumOfSquares", "gemm NN", "gemm TN", "gemm NT", "gemm TT", "addBias", "columnSums",
                         "layerNorm", "layerNormBackward", "gelu", "geluBackward", "biasGELU",
                         "biasGELUBackward", "attention", "attentionBackward",
                         "tokenLogProbabilities", "tokenLogProbabilitiesBackward", "embed", "embedBackward", "adamW",
                         "appendToCache", "attendCached", "step: logits", "step: all gradients", "step: parameters after AdamW"]

    @Test func coversEveryOpAndAgreesWithItself() {
        var parity = BackendParity(reference: CPUBackend(), candidate: CPUBackend(), seed: 1)
        // Both passes inside one single-threaded region: whatever other tests do meanwhile, OpenBLAS
        // keeps one thread for both (the region is shared, the count restored only when all leave),
        // so the same backend must give the same bits.
        let rows = BLASThreads.singleThreaded { parity.run() }
        let names = Set(rows.map { $0.op.components(separatedBy: " [").first! })
        for op in Self.allOps { #expect(names.contains(op), "no row for \(op)") }
        #expect(rows.allSatisfy { $0.passed && $0.maxAbsoluteError == 0 }, "\(BackendParity.table(rows, title: "cpu vs cpu"))")
    }

    @Test func anOutputLeftUnwrittenFails() {
        var parity = BackendParity(reference: CPUBackend(), candidate: ForgetfulGELU(), seed: 2)
        let failed = Set(parity.run().filter { !$0.passed }.map(\.op))
        #expect(failed.contains("gelu"), "the poisoned output must be caught")
        #expect(failed.contains("step: logits"), "the training step uses GELU")
        #expect(failed.contains("biasGELU [1]"))
        #expect(!failed.contains("geluBackward") && !failed.contains("biasGELUBackward [0]") && !failed.contains("attention [0]") && !failed.contains("layerNorm [0]"))
    }

    @Test func aSmallNumericalErrorFails() {
        var parity = BackendParity(reference: CPUBackend(), candidate: SloppyGEMM(), seed: 3)
        let failed = Set(parity.run().filter { !$0.passed }.map(\.op))
        for op in ["gemm NN", "gemm TN", "gemm NT", "gemm TT", "step: logits"] {
            #expect(failed.contains(op), "\(op) should fail with a GEMM off by 1e-3")
        }
        // The host's attention is one fused kernel, not GEMMs: a sloppy GEMM leaves it alone.
        #expect(!failed.contains("gelu") && !failed.contains("embed") && !failed.contains("attention [0]"))
    }

    @Test(.enabled(if: cudaStatus.available, "no CUDA here: \(cudaStatus.reason)"))
    func cudaMatchesTheCPU() throws {
        var parity = BackendParity(reference: CPUBackend(), candidate: try CUDABackend(), seed: 4)
        let rows = parity.run()
        #expect(rows.allSatisfy { $0.passed }, "\(BackendParity.table(rows, title: "cpu vs cuda"))")
    }
}

@Suite("Training kernels")
struct TrainingKernelSourceTests {
    /// Every op the CUDA backend launches has a template body and its float and double kernels,
    /// and none is the analysis's.
    @Test func theSourceDefinesWhatTheBackendLaunches() {
        let source = CUDAKernelSource.training
        let names = Set(source.kernelNames)
        let ops = ["add_bias", "column_sums", "axpy", "scale", "sum_squares", "layer_norm", "layer_norm_backward_rows",
                   "layer_norm_backward_columns", "gelu", "gelu_backward", "causal_softmax", "softmax_backward",
                   "token_log_probs", "token_log_probs_backward", "embed", "embed_backward", "adamw", "append_to_cache",
                   "attend_cached", "rms_norm", "rms_norm_backward_rows", "rms_norm_backward_columns", "silu_gate",
                   "silu_gate_backward", "rotary", "grouped_attention", "grouped_attention_backward_query",
                   "grouped_attention_backward_key_value"]
        for op in ops {
            #expect(names.contains("ks_\(op)_f") && names.contains("ks_\(op)_d"), "\(op)")
            #expect(source.text.contains("__device__ void \(op)("), "\(op) has a template body")
        }
        #expect(names.count == 2 * ops.count && !names.contains("ks_sigmoid_rows"))
    }
}
