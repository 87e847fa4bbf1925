import Foundation
import Testing
@testable import KoopScopeTraining

/// The optimizer's global-norm clipping and AdamW step against the formulas worked in Float64.
@Suite("AdamW optimizer: clipping and the step")
struct AdamWOptimizerTests {
    let backend = CPUBackend()

    func parameters(_ values: [[Double]]) -> [Parameter<Double>] {
        values.enumerated().map { Parameter(name: "p\($0.offset)", rows: 1, columns: $0.element.count, value: backend.upload($0.element)) }
    }

    @Test func clipsToTheGlobalNormByHand() {
        // Gradients (3, 4) and (12): norm 13, clipped to 6.5, so each is scaled by 6.5 / (13 + 10⁻⁶).
        let theta = parameters([[1, -2], [0.5]])
        let gradients = [backend.upload([3.0, 4.0]), backend.upload([12.0])]
        let settings = AdamWSettings(learningRate: 0.1, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.01)
        let optimizer = AdamWOptimizer(parameters: theta, settings: settings, backend: backend)
        let norm = optimizer.step(gradients: gradients, clip: 6.5)
        #expect(abs(norm - 13) < 1e-12)
        let factor = 6.5 / (13 + 1e-6)
        let scaled = [[3 * factor, 4 * factor], [12 * factor]]
        let start: [[Double]] = [[1, -2], [0.5]]
        for k in 0..<2 {
            #expect(zip(backend.download(gradients[k]), scaled[k]).allSatisfy { abs($0 - $1) < 1e-12 })
            #expect(zip(optimizer.state.m[k], scaled[k]).allSatisfy { abs($0 - 0.1 * $1) < 1e-12 })
            #expect(zip(optimizer.state.v[k], scaled[k]).allSatisfy { abs($0 - 0.05 * $1 * $1) < 1e-12 })
            // Step 1: m̂ = g, v̂ = g², so θ ← θ − lr (g / (|g| + ε) + λθ).
            let expected = zip(start[k], scaled[k]).map { $0 - 0.1 * ($1 / (abs($1) + 1e-8) + 0.01 * $0) }
            #expect(zip(backend.download(theta[k].value), expected).allSatisfy { abs($0 - $1) < 1e-12 })
        }
    }

    @Test func leavesGradientsUnderTheClipAlone() {
        let gradients = [backend.upload([0.3, -0.4])]
        let optimizer = AdamWOptimizer(parameters: parameters([[1, 1]]), settings: AdamWSettings(learningRate: 0.1), backend: backend)
        #expect(abs(optimizer.step(gradients: gradients, clip: 1) - 0.5) < 1e-12)
        #expect(backend.download(gradients[0]) == [0.3, -0.4])
        #expect(optimizer.stepCount == 1)
    }

    @Test func nonFiniteNormLeavesParametersAlone() {
        let theta = parameters([[1, 2], [3]])
        let optimizer = AdamWOptimizer(parameters: theta, settings: AdamWSettings(learningRate: 0.1), backend: backend)
        let norm = optimizer.step(gradients: [backend.upload([1.0, .nan]), backend.upload([1.0])], clip: 1)
        #expect(norm.isNaN && optimizer.stepCount == 0)
        #expect(backend.download(theta[0].value) == [1, 2] && backend.download(theta[1].value) == [3])
    }

    @Test func manyParametersTwoStepsByHand() {
        // Forty parameters of mixed sizes (the cores take them at once) over two clipped steps,
        // against the update written out element by element.
        let sizes = (0..<40).map { 1 + ($0 * 37) % 300 }
        let start = sizes.enumerated().map { k, n in (0..<n).map { sin(Double(k * 1000 + $0)) } }
        let grads = sizes.enumerated().map { k, n in (0..<n).map { cos(Double(k * 777 + $0)) } }
        let settings = AdamWSettings(learningRate: 0.01, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1)
        let theta = parameters(start)
        let optimizer = AdamWOptimizer(parameters: theta, settings: settings, backend: backend)
        var expected = start, m = grads.map { $0.map { _ in 0.0 } }, v = m
        for step in 1...2 {
            let norm = grads.joined().reduce(0) { $0 + $1 * $1 }.squareRoot()
            let factor = norm > 1 ? 1 / (norm + 1e-6) : 1
            let measured = optimizer.step(gradients: grads.map { backend.upload($0) }, clip: 1)
            #expect(abs(measured - norm) < 1e-9 * norm)
            let c1 = 1 - pow(0.9, Double(step)), c2 = 1 - pow(0.95, Double(step))
            for k in sizes.indices {
                for i in 0..<sizes[k] {
                    let g = grads[k][i] * factor
                    m[k][i] = 0.9 * m[k][i] + 0.1 * g
                    v[k][i] = 0.95 * v[k][i] + 0.05 * g * g
                    expected[k][i] -= 0.01 * ((m[k][i] / c1) / ((v[k][i] / c2).squareRoot() + 1e-8) + 0.1 * expected[k][i])
                }
            }
        }
        for k in sizes.indices {
            #expect(zip(backend.download(theta[k].value), expected[k]).allSatisfy { abs($0 - $1) < 1e-12 })
        }
    }
}
