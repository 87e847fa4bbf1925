import FoundationEssentials
import Glibc

/// Adam (Kingma & Ba) over one flat array of parameters.
///
/// ```swift
/// var adam = Adam(count: w.count, learningRate: 1e-4)
/// adam.step(&w, gradient: g)
/// ```
public struct Adam: Sendable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    private var m: [Double]
    private var v: [Double]
    private var t = 0

    public init(count: Int, learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = Array(repeating: 0, count: count)
        v = Array(repeating: 0, count: count)
    }

    /// One update of `parameters` against `gradient` (bias-corrected moments).
    public mutating func step(_ parameters: inout [Double], gradient: [Double]) {
        precondition(parameters.count == m.count && gradient.count == m.count)
        t += 1
        let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t))
        for i in parameters.indices {
            m[i] = beta1 * m[i] + (1 - beta1) * gradient[i]
            v[i] = beta2 * v[i] + (1 - beta2) * gradient[i] * gradient[i]
            parameters[i] -= learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
        }
    }
}
