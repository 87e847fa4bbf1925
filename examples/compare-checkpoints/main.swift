// A spectral study as a script: learn a Koopman dictionary on one dump (say the rollouts of
// checkpoint 0), freeze it, and ask whether a second dump (checkpoint 200) has a different
// distribution of DSD — with a significance test, per DSD variant.
//
//   swift run compare-checkpoints-example BEFORE.h5 AFTER.h5 [EPOCHS]
import Foundation
import KoopScope

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2 else {
    print("usage: compare-checkpoints-example BEFORE.h5 AFTER.h5 [EPOCHS]")
    exit(2)
}
let beforePath = arguments[arguments.startIndex], afterPath = arguments[arguments.startIndex + 1]
let epochs = arguments.count > 2 ? Int(arguments[arguments.startIndex + 2]) ?? 3 : 3

do {
    let before = try Dump(path: beforePath), after = try Dump(path: afterPath)
    guard before.dimension == after.dimension else {
        print("error: \(beforePath) has d = \(before.dimension), \(afterPath) has d = \(after.dimension)")
        exit(1)
    }
    // 1. Fit the dictionary on the first dump only (m = 8 keeps this example quick).
    let start = KoopmanDictionary.kaimingUniform(dimension: before.dimension, koopmanDimension: 8, seed: 7)
    let fit = try DictionaryFitter(options: .init(batch: 4, epochs: epochs, learningRate: 1e-2))
        .fit(before, initial: start)
    print("fitted on \(beforePath): loss \(fit.losses.first ?? .nan) → \(fit.losses.last ?? .nan)")
    for warning in fit.warnings { print("warning: \(warning)") }

    // 2. Freeze it and analyse both dumps with the same dictionary.
    let analyzer = Analyzer(dictionary: .sigmoid(fit.dictionary))
    let a = try analyzer.analyze(before), b = try analyzer.analyze(after)

    // 3. Compare the DSD distributions.
    print("\nDSD of \(afterPath) against \(beforePath) (dictionary sha256 \(fit.dictionary.sha256.prefix(12))…)")
    print("variant        n      mean before  mean after   Δ mean       p (Mann–Whitney)  p (Welch)")
    for (name, pick) in [("dsd", \TrajectoryAnalysis.dsd), ("dsd_reference", \.dsdReference),
                         ("dsd_filtered", \.dsdFiltered)] {
        let x = a.trajectories.filter(\.isAnalyzed).map { $0[keyPath: pick] }.filter(\.isFinite)
        let y = b.trajectories.filter(\.isAnalyzed).map { $0[keyPath: pick] }.filter(\.isFinite)
        let test = SampleComparison(x, y)
        print(name.padding(toLength: 15, withPad: " ", startingAt: 0)
              + String(format: "%2d/%-3d %-12.5g %-12.5g %-12.4g %-17.4g %.4g", x.count, y.count,
                       Statistics(x).mean, Statistics(y).mean, test.differenceOfMeans, test.mannWhitney.p, test.welch.p))
    }
} catch {
    print("error: \(error)")
    exit(1)
}
