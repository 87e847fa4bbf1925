import ArgumentParser
import Foundation
import KoopScope

/// The cost of DSD's gradient for one trajectory against DSD itself.
struct GradientCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradient", abstract: "Time ∂DSD/∂(x, W, b) for one trajectory against computing DSD.")

    @Option(help: "Trajectory length T.") var length = 1024
    @Option(help: "State dimension d.") var dimension = 896
    @Option(help: "Dictionary features m.") var koopmanDim = 50
    @Option(help: "Repetitions (the best is reported).") var repeats = 10

    func run() throws {
        var rng = SeededGenerator(seed: 5)
        // A damped random walk, like hidden states.
        var x = Matrix<Float>(rows: length, columns: dimension, repeating: 0)
        var state = (0..<dimension).map { _ in Float(rng.nextGaussian()) }
        for t in 0..<length {
            for j in 0..<dimension {
                state[j] = 0.95 * state[j] + 0.3 * Float(rng.nextGaussian())
                x[t, j] = state[j]
            }
        }
        let dictionary = KoopmanDictionary.kaimingUniform(dimension: dimension, koopmanDimension: koopmanDim)
        var dsd = 0.0
        let forward = try best(of: repeats) {
            let psi = try dictionary.lift(x).map(Double.init)
            let estimate = try KoopmanEstimate(lifted: psi, estimator: .paperDefault)
            dsd = DSD.paper(estimate.eigenvalues)
        }
        // DSD alone: lift, G and A, the ridge solve, eigenvalues without vectors, the variance.
        let forwardOnly = try best(of: repeats) {
            let psi = try dictionary.lift(x).map(Double.init)
            let psiX = psi.rows(0..<(length - 1)), psiY = psi.rows(1..<length)
            var g = psiX.multiplied(by: psiX, transposingSelf: true)
            for i in 0..<koopmanDim { g[i, i] += 1e-3 }
            dsd = DSD.paper(try g.solving(psiX.multiplied(by: psiY, transposingSelf: true)).eigenvalues())
        }
        print("T = \(length), d = \(dimension), m = \(koopmanDim); dsd \(dsd)")
        print(String(format: "DSD alone: %.2f ms; with residuals and singular values (as analyze does): %.2f ms",
                     forwardOnly * 1e3, forward * 1e3))
        for variant in DSDGradient.Variant.allCases {
            var g: DSDGradient?
            let backward = try best(of: repeats) {
                g = try DSDGradient(states: x, weight: dictionary.weight, bias: nil, variant: variant)
            }
            print(String(format: "gradient (%@, DSD and ∂DSD/∂x, ∂W, ∂b): %.2f ms = %.2f× DSD alone, %.2f× analyze's; "
                         + "skipped terms %d", variant.rawValue, backward * 1e3, backward / forwardOnly, backward / forward,
                         g?.skippedTerms ?? -1))
        }
    }
}
