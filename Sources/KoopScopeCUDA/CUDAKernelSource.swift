/// CUDA C source that ``CUDADevice`` compiles with NVRTC for the device's own architecture and
/// loads as a module: the analysis's lift here (``lift``), the training kernels in the training
/// library. Every source begins with ``preamble`` (`i64`, the math functions for float and
/// double, and `LOOP`, the grid-stride loop with which any launch size covers any problem).
///
/// ```swift
/// let device = try CUDADevice.open()
/// try device.load(.lift)
/// ```
public struct CUDAKernelSource: Sendable, Hashable {
    /// Names the module in messages and in the device's table of loaded modules.
    public let name: String
    /// The whole CUDA C text, the preamble included.
    public let text: String

    /// A source `body` after the ``preamble``.
    public init(name: String, body: String) {
        self.name = name
        text = Self.preamble + body
    }

    /// The `extern "C" __global__` kernels the text defines, the `_f`/`_d` pairs of its
    /// `BOTH(NAME, …)` lines included.
    public var kernelNames: [String] {
        var names: Set<String> = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("BOTH(") {
                let op = line.dropFirst(5).prefix { $0 != "," }
                names.insert("ks_" + op + "_f"); names.insert("ks_" + op + "_d")
            } else if let range = line.range(of: #"__global__ void (ks_\w+)\("#, options: .regularExpression),
                      !line.hasPrefix("#define") {
                names.insert(String(line[range].dropFirst("__global__ void ".count).dropLast()))
            }
        }
        return names.sorted()
    }

    /// What every source starts with.
    public static let preamble = #"""

typedef long long i64;

__device__ inline float k_exp(float x) { return expf(x); }
__device__ inline double k_exp(double x) { return exp(x); }
__device__ inline float k_log(float x) { return logf(x); }
__device__ inline double k_log(double x) { return log(x); }
__device__ inline float k_tanh(float x) { return tanhf(x); }
__device__ inline double k_tanh(double x) { return tanh(x); }
__device__ inline float k_sqrt(float x) { return sqrtf(x); }
__device__ inline double k_sqrt(double x) { return sqrt(x); }

#define LOOP(i, n) for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)blockDim.x * gridDim.x)
"""#

    /// σ(z + b) of the analysis's lift, widened to Float64 (``CUDALifter``).
    public static let lift = CUDAKernelSource(name: "lift", body: #"""
// σ(z + bias) of the dictionary's lift, widened to double for the m×m work (analyze).
__device__ void sigmoid_rows(const float *z, const float *bias, i64 rows, i64 m, double *out) {
    LOOP(e, rows * m) { float v = z[e] + (bias ? bias[e % m] : 0.0f); out[e] = (double)(1.0f / (1.0f + expf(-v))); }
}

extern "C" __global__ void ks_sigmoid_rows(const float *z, const float *b, i64 r, i64 m, double *o) { sigmoid_rows(z, b, r, m, o); }
"""#)
}
