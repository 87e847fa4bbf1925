import Testing
import KoopScope
@testable import KoopScopeTraining

/// The CPU backend's product for few rows (no packing of B) against a Float64 product, on shapes
/// whose rows and columns leave every kind of remainder, overwriting and accumulating.
@Suite("Small products")
struct SmallGEMMTests {
    @Test(arguments: [(1, 16, 7), (5, 17, 33), (6, 48, 384), (13, 50, 64), (32, 1152, 384), (64, 3, 9)])
    func equalsTheFloat64Product(m: Int, n: Int, k: Int) {
        var rng = SeededGenerator(seed: UInt64(m * 1000 + n))
        let a = (0..<(m * k)).map { _ in Float(rng.nextGaussian()) }
        let b = (0..<(k * n)).map { _ in Float(rng.nextGaussian()) }
        let start = (0..<(m * n)).map { _ in Float(rng.nextGaussian()) }
        let backend = CPUBackend()
        for accumulate in [false, true] {
            let c = backend.upload(start)
            backend.gemm(GEMMShape(m: m, n: n, k: k), alpha: 1, backend.upload(a), backend.upload(b),
                         beta: accumulate ? 1 : 0, c)
            let got = backend.download(c)
            for i in 0..<m {
                for j in 0..<n {
                    var exact = accumulate ? Double(start[i * n + j]) : 0
                    var size = abs(exact)
                    for p in 0..<k {
                        exact += Double(a[i * k + p]) * Double(b[p * n + j])
                        size += abs(Double(a[i * k + p]) * Double(b[p * n + j]))
                    }
                    #expect(abs(Double(got[i * n + j]) - exact) <= 1e-6 * size + 1e-30, "(\(i), \(j)) of \(m)×\(n)×\(k)")
                }
            }
        }
    }

    /// A row's result is the same whatever other rows share its product (the sampler's batches
    /// are split across cores in varying ways).
    @Test func aRowDoesNotDependOnItsNeighbours() {
        var rng = SeededGenerator(seed: 9)
        let (k, n) = (40, 37)
        let a = (0..<(7 * k)).map { _ in Float(rng.nextGaussian()) }
        let b = backendBuffer((0..<(k * n)).map { _ in Float(rng.nextGaussian()) })
        let backend = CPUBackend()
        let all = backend.allocate(7 * n, of: Float.self)
        backend.gemm(GEMMShape(m: 7, n: n, k: k), alpha: 1, backend.upload(a), b, beta: 0, all)
        let one = backend.allocate(n, of: Float.self)
        backend.gemm(GEMMShape(m: 1, n: n, k: k), alpha: 1, backend.upload(Array(a[(6 * k)...])), b, beta: 0, one)
        #expect(Array(backend.download(all)[(6 * n)...]) == backend.download(one))
    }

    /// Every element is one fused multiply-add chain over k in order, from zero or from C, bit for
    /// bit, however the rows are cut into blocks (every count of rows up to 13, and 32 and 64).
    /// Where the CPU has no such kernel, BLAS computes the product and its order is its own.
    @Test(.enabled(if: CPUBackend().stripPacked(CPUBackend().upload([Float](repeating: 0, count: 16)), rows: 1, columns: 16) != nil))
    func everyElementIsOneInOrderFMAChain() {
        var rng = SeededGenerator(seed: 11)
        let (n, k) = (35, 29)
        let b = (0..<(k * n)).map { _ in Float(rng.nextGaussian()) }
        let backend = CPUBackend()
        let weights = backend.upload(b)
        for m in Array(1...13) + [32, 64] {
            let a = (0..<(m * k)).map { _ in Float(rng.nextGaussian()) }
            let start = (0..<(m * n)).map { _ in Float(rng.nextGaussian()) }
            for accumulate in [false, true] {
                let c = backend.upload(start)
                backend.gemm(GEMMShape(m: m, n: n, k: k), alpha: 1, backend.upload(a), weights, beta: accumulate ? 1 : 0, c)
                var chains = [Float](repeating: 0, count: m * n)
                for i in 0..<m {
                    for j in 0..<n {
                        var sum: Float = accumulate ? start[i * n + j] : 0
                        for p in 0..<k { sum = sum.addingProduct(a[i * k + p], b[p * n + j]) }
                        chains[i * n + j] = sum
                    }
                }
                #expect(backend.download(c) == chains, "\(m) rows, accumulate \(accumulate)")
            }
        }
    }

    /// Weights laid out as strips give the very bits of the product from the weights in place,
    /// for every remainder of rows and of columns.
    @Test(arguments: [(1, 16, 7), (5, 17, 33), (7, 50, 64), (32, 1152, 384), (64, 3, 9), (64, 1536, 40)])
    func stripsGiveTheBitsOfTheProductInPlace(m: Int, n: Int, k: Int) throws {
        var rng = SeededGenerator(seed: UInt64(m * 7 + n))
        let backend = CPUBackend()
        let a = backend.upload((0..<(m * k)).map { _ in Float(rng.nextGaussian()) })
        let b = backend.upload((0..<(k * n)).map { _ in Float(rng.nextGaussian()) })
        let inPlace = backend.allocate(m * n, of: Float.self), streamed = backend.allocate(m * n, of: Float.self)
        backend.gemm(GEMMShape(m: m, n: n, k: k), alpha: 1, a, b, beta: 0, inPlace)
        let strips = try #require(backend.stripPacked(b, rows: k, columns: n))
        #expect(strips.count == (n + 15) / 16 * 16 * k)
        #expect(backend.stripProduct(a, rows: m, strips, k: k, n: n, into: streamed))
        #expect(backend.download(streamed) == backend.download(inPlace))
        let tooMany = backend.upload([Float](repeating: 1, count: 65 * k)), out = backend.allocate(65 * n, of: Float.self)
        #expect(!backend.stripProduct(tooMany, rows: 65, strips, k: k, n: n, into: out), "more rows than the kernel takes")
        #expect(CPUBackend().stripPacked(CPUBackend().upload([Double](repeating: 1, count: k * n)), rows: k, columns: n) == nil)
    }

    func backendBuffer(_ values: [Float]) -> Buffer<Float> { CPUBackend().upload(values) }
}
