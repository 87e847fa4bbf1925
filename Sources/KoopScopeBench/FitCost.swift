import ArgumentParser
import Foundation
import KoopScope

/// Time per step (and per epoch, extrapolated) of dictionary fitting.
struct FitCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit", abstract: "Time fit-dictionary steps on a dump.")

    @Argument(help: "The dump.") var dump: String
    @Option(help: "Steps to time.") var steps = 4
    @Option(help: "Trajectories per step.") var batch = 64
    @Option(help: "First states of each trajectory.") var maxPositions = 512
    @Option(help: "Dictionary features m.") var koopmanDim = 50
    @Option(help: "paper or reference.") var variant = "paper"

    func run() throws {
        guard let v = ResKoopNetLoss.Variant(rawValue: variant) else { throw ValidationError("--variant: paper or reference") }
        let opened = try Dump(path: dump)
        let start = KoopmanDictionary.kaimingUniform(dimension: opened.dimension, koopmanDimension: koopmanDim)
        let options = DictionaryFitter.Options(variant: v, batch: batch, steps: steps, learningRate: v.defaultLearningRate,
                                               maxPositions: maxPositions)
        var times: [Double] = []
        var last = now()
        let began = last
        let result = try DictionaryFitter(options: options).fit(opened, initial: start) { _, _, _ in
            let t = now()
            times.append(t - last)
            last = t
        }
        let perStep = times.dropFirst().min() ?? times.first ?? .nan
        let median = Statistics(times.dropFirst()).median
        let stepsPerEpoch = (opened.count + batch - 1) / batch
        print("\(dump): \(opened.count) trajectories, first \(maxPositions) states, d = \(opened.dimension), "
              + "m = \(koopmanDim), batch \(batch), variant \(variant)")
        print(String(format: "per step: best %.3f s, median %.3f s (steps: %@)", perStep, median,
                     times.map { String(format: "%.2f", $0) }.joined(separator: " ")))
        print(String(format: "per epoch (%d steps): %.1f s at the median step; whole run incl. diagnostics: %.1f s",
                     stepsPerEpoch, median * Double(stepsPerEpoch), now() - began))
        print("loss \(result.losses.first ?? .nan) → \(result.losses.last ?? .nan)")
        print("peak resident memory: \(mib(peakResidentBytes()))")
    }
}
