import KoopScope
import _KoopScopeABI

/// The DSD options a caller passed, checked.
struct ABIDSDOptions {
    var variant = Convention.paper
    var variance = VarianceKind.sample
    var delta = 1e-3
    var paddedLength = 0
    var window = 0

    init(_ options: UnsafePointer<koopscope_dsd_options>?) throws {
        guard let o = options?.pointee else { return }
        switch o.variant {
        case 0: variant = .paper
        case 1: variant = .reference
        default: throw ABIFailure.argument("options.variant is \(o.variant); it must be 0 (paper) or 1 (reference)")
        }
        switch o.population {
        case 0: variance = .sample
        case 1: variance = .population
        default: throw ABIFailure.argument("options.population is \(o.population); it must be 0 or 1")
        }
        guard o.delta >= 0 && o.delta.isFinite else { throw ABIFailure.argument("options.delta is \(o.delta); it must be a finite δ ≥ 0") }
        guard o.padded_length >= 0 && o.padded_length <= 1 << 30 else {
            throw ABIFailure.argument("options.padded_length is \(o.padded_length); it must lie in 0…2³⁰")
        }
        guard o.window >= 0 && o.window <= 1 << 30 else {
            throw ABIFailure.argument("options.window is \(o.window); it must lie in 0…2³⁰")
        }
        delta = o.delta
        paddedLength = Int(o.padded_length)
        window = Int(o.window)
    }

    /// The rows DSD is taken over: the first window + 1 when windowed, nil when the trajectory is
    /// shorter than that (or than two states).
    func rows(of length: Int) -> Int? {
        let needed = window > 0 ? window + 1 : 2
        guard length >= needed else { return nil }
        return window > 0 ? window + 1 : length
    }
}

@_cdecl("koopscope_dsd_options_init")
public func koopscope_dsd_options_init(_ options: UnsafeMutablePointer<koopscope_dsd_options>?) {
    options?.pointee = koopscope_dsd_options(variant: 0, population: 0, delta: 1e-3, padded_length: 0, window: 0)
}

/// Each trajectory's outcome, computed on all cores (each one's m×m work is independent), with
/// OpenBLAS at one thread meanwhile: its own threads would spin against these on small products.
func perTrajectory<R>(_ count: Int, _ body: (Int) throws -> R) throws -> [R] {
    try BLASThreads.singleThreaded { concurrentMap(count) { i in Result { try body(i) } } }.map { try $0.get() }
}

@_cdecl("koopscope_dsd_features")
public func koopscope_dsd_features(
    _ features: UnsafePointer<Double>?, _ batch: Int64, _ maxLength: Int64, _ m: Int64, _ lengths: UnsafePointer<Int64>?,
    _ options: UnsafePointer<koopscope_dsd_options>?, _ dsd: UnsafeMutablePointer<Double>?,
    _ grad: UnsafeMutablePointer<Double>?, _ status: UnsafeMutablePointer<koopscope_status>?
) -> Int32 {
    abiCall(status) {
        let shape = try ABIBatch(batch: batch, maxLength: maxLength, width: m, lengths: lengths, widthName: .m)
        let settings = try ABIDSDOptions(options)
        guard settings.paddedLength == 0 else {
            throw ABIFailure.argument("options.padded_length applies to states: pad them before lifting")
        }
        guard shape.count == 0 || dsd != nil else { throw ABIFailure.argument("dsd is NULL") }
        let psi = try shape.doubleTrajectories(features, name: "features")
        for (i, g) in psi.enumerated() where !g.elements.allSatisfy(\.isFinite) {
            throw ABIFailure(code: KOOPSCOPE_ERROR_NUMERICAL, message: "the features of trajectory \(i) are not finite")
        }
        let outcomes = try perTrajectory(shape.count) { i -> (Double, Matrix<Double>?) in
            guard let rows = settings.rows(of: shape.lengths[i]) else { return (.nan, nil) }
            let (value, gradient, _) = try DSDGradient.withRespectToFeatures(
                psi[i].rows(0..<rows), delta: settings.delta, variant: settings.variant, variance: settings.variance)
            return (value, gradient)
        }
        for (i, o) in outcomes.enumerated() { dsd![i] = o.0 }
        if let grad { shape.scatter(outcomes.map(\.1), into: grad) }
    }
}

@_cdecl("koopscope_dsd_states")
public func koopscope_dsd_states(
    _ states: UnsafeRawPointer?, _ dtype: Int32, _ batch: Int64, _ maxLength: Int64, _ d: Int64,
    _ lengths: UnsafePointer<Int64>?, _ weight: UnsafePointer<Float>?, _ bias: UnsafePointer<Float>?, _ m: Int64,
    _ options: UnsafePointer<koopscope_dsd_options>?, _ dsd: UnsafeMutablePointer<Double>?,
    _ gradStates: UnsafeMutablePointer<Double>?, _ gradWeight: UnsafeMutablePointer<Double>?,
    _ gradBias: UnsafeMutablePointer<Double>?, _ status: UnsafeMutablePointer<koopscope_status>?
) -> Int32 {
    abiCall(status) {
        let type = try ABIBatch.elementType(dtype)
        let shape = try ABIBatch(batch: batch, maxLength: maxLength, width: d, lengths: lengths, widthName: .d)
        let settings = try ABIDSDOptions(options)
        guard m >= 1, m <= 1 << 20 else { throw ABIFailure.argument("m is \(m); it must lie in 1…2²⁰") }
        guard let weight else { throw ABIFailure.argument("weight is NULL") }
        guard shape.count == 0 || dsd != nil else { throw ABIFailure.argument("dsd is NULL") }
        if settings.paddedLength > 0 && settings.paddedLength < shape.maxLength {
            throw ABIFailure.argument("options.padded_length \(settings.paddedLength) is below max_length \(shape.maxLength)")
        }
        let features = Int(m)
        let (size, overflow) = features.multipliedReportingOverflow(by: shape.width)
        guard !overflow, size <= 1 << 31 else { throw ABIFailure.argument("m × d = \(m) × \(d) is too large") }
        let w = Matrix(rows: features, columns: shape.width,
                       elements: Array(UnsafeBufferPointer(start: weight, count: features * shape.width)))
        let b = bias.map { Array(UnsafeBufferPointer(start: $0, count: features)) }
        for x in w.elements + (b ?? []) where !x.isFinite { throw ABIFailure(code: KOOPSCOPE_ERROR_NUMERICAL, message: "the dictionary is not finite") }
        let dictionary = try KoopmanDictionary(weight: w, bias: b, source: "the caller's weight")
        let trajectories = try shape.floatTrajectories(states, type, name: "states")
        for t in trajectories where t.nonFiniteCount > 0 {
            throw ABIFailure(code: KOOPSCOPE_ERROR_NUMERICAL, message: "trajectory \(t.index) has \(t.nonFiniteCount) non-finite state values")
        }
        let wantsGradient = gradStates != nil || gradWeight != nil || gradBias != nil
        let outcomes = try perTrajectory(shape.count) { i -> (Double, DSDGradient?) in
            var x = trajectories[i].states
            x = x.appendingZeroRows(upTo: settings.paddedLength)   // zero states, lifted like the rest
            guard let rows = settings.rows(of: x.rows) else { return (.nan, nil) }
            x = x.rows(0..<rows)
            if !wantsGradient {
                return (try DSD.value(states: x, dictionary: dictionary, delta: settings.delta, variant: settings.variant,
                                      variance: settings.variance), nil)
            }
            let g = try DSDGradient(states: x, weight: w, bias: b, delta: settings.delta, variant: settings.variant,
                                    variance: settings.variance)
            return (g.dsd, g)
        }
        for (i, o) in outcomes.enumerated() { dsd![i] = o.0 }
        if let gradStates {
            // Rows past the trajectory's own (padding, or beyond the window) carry no gradient to the caller.
            shape.scatter(outcomes.enumerated().map { i, o in
                o.1.map { $0.states.rows(0..<min($0.states.rows, shape.lengths[i])) }
            }, into: gradStates)
        }
        if let gradWeight {
            gradWeight.initialize(repeating: 0, count: features * shape.width)
            for case let g? in outcomes.map(\.1) { for k in 0..<(features * shape.width) { gradWeight[k] += g.weight.elements[k] } }
        }
        if let gradBias {
            gradBias.initialize(repeating: 0, count: features)
            for case let g? in outcomes.map(\.1) { for k in 0..<features { gradBias[k] += g.bias[k] } }
        }
    }
}
