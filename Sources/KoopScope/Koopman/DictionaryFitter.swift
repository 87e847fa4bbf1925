import FoundationEssentials
import Glibc

/// ResKoopNet dictionary learning on a dump's trajectories (docs/math.md §8): minibatches of
/// trajectories, the first `maxPositions` states of each, Adam, either loss variant.
///
/// ```swift
/// let fitter = DictionaryFitter(options: .init(epochs: 1))
/// let result = try fitter.fit(dump, initial: .kaimingUniform(dimension: dump.dimension))
/// try result.dictionary.write(to: "dict.h5", attributes: result.attributes)
/// ```
public struct DictionaryFitter: Sendable {
    /// How a fit runs; the defaults are ``DictionaryFitConfiguration``'s (the paper's), which
    /// also reads them from flags and options.
    public struct Options: Sendable {
        public var variant: ResKoopNetLoss.Variant
        public var batch: Int
        public var epochs: Int
        /// Total steps; overrides `epochs` when set.
        public var steps: Int?
        public var learningRate: Double
        public var maxPositions: Int
        public var seed: UInt64
        /// Fraction of trajectories held out for a validation loss (0 for none).
        public var holdout: Double
        /// Ridge δ of the loss' Koopman estimate.
        public var delta = AnalysisConfiguration.defaults.ridge
        /// λ of the conditioning penalty λ · log cond(G + δI) added to the loss (0: none).
        public var conditionPenalty = DictionaryFitConfiguration.defaults.conditionPenalty
        public var bias: Bool

        public init(variant: ResKoopNetLoss.Variant = DictionaryFitConfiguration.defaults.variant,
                    batch: Int = DictionaryFitConfiguration.defaults.batch,
                    epochs: Int = DictionaryFitConfiguration.defaults.epochs, steps: Int? = nil,
                    learningRate: Double = DictionaryFitConfiguration.defaults.variant.defaultLearningRate,
                    maxPositions: Int = DictionaryFitConfiguration.defaults.maxPositions,
                    seed: UInt64 = UInt64(DictionaryFitConfiguration.defaults.seed),
                    holdout: Double = DictionaryFitConfiguration.defaults.holdout,
                    bias: Bool = DictionaryFitConfiguration.defaults.bias) {
            self.variant = variant; self.batch = batch; self.epochs = epochs; self.steps = steps; self.learningRate = learningRate
            self.maxPositions = maxPositions; self.seed = seed; self.holdout = holdout; self.bias = bias
        }
    }

    /// A fitted dictionary with its history and the collapse diagnostics.
    public struct Result: Sendable {
        public var dictionary: KoopmanDictionary
        public var losses: [Double]
        /// Validation loss after each epoch (empty without a holdout).
        public var validationLosses: [Double]
        public var effectiveRankBefore: Double
        public var effectiveRankAfter: Double
        public var saturatedBefore: Double
        public var saturatedAfter: Double
        /// The variant's loss alone (without the conditioning penalty) on the same fixed batch.
        public var residualBefore: Double = .nan
        public var residualAfter: Double = .nan
        /// log cond(G + δI) on that batch.
        public var logConditionBefore: Double = .nan
        public var logConditionAfter: Double = .nan
        /// Trajectories left out (too short, or non-finite).
        public var skipped: Int
        /// Warnings about collapse (docs/math.md §8: every such loss is minimised by a constant dictionary).
        public var warnings: [String]
        /// Root attributes recording how the dictionary was fitted.
        public var attributes: [(name: String, value: AttributeValue)]
    }

    public var options: Options

    public init(options: Options) { self.options = options }

    /// Fits `initial` (its weight and, with `options.bias`, a bias) to the trajectories of `dump`;
    /// `progress(step, totalSteps, loss)` is called after every step.
    public func fit(_ dump: Dump, initial: KoopmanDictionary,
                    progress: ((Int, Int, Double) -> Void)? = nil) throws -> Result {
        guard initial.dimension == dump.dimension else {
            throw DictionaryError.dimensionMismatch(file: initial.source, dictionary: initial.dimension,
                                                    dump: dump.path, states: dump.dimension)
        }
        return try fit(lengths: dump.lengths, source: dump.path, initial: initial, progress: progress) { i in
            let t = try dump.read(trajectory: i, maxRows: options.maxPositions)
            return t.nonFiniteCount > 0 ? nil : t.states
        }
    }

    /// Fits `initial` to trajectories held in memory (each T×d); `source` names them in the
    /// result's attributes and messages.
    ///
    /// ```swift
    /// let x = Matrix<Float>(rows: 40, columns: 4) { t, j in Float(sin(0.3 * Double(t) + Double(j))) }
    /// let fitted = try DictionaryFitter(options: .init(steps: 5))
    ///     .fit([x], source: "in memory", initial: .kaimingUniform(dimension: 4, koopmanDimension: 6))
    /// ```
    public func fit(_ trajectories: [Matrix<Float>], source: String, initial: KoopmanDictionary,
                    progress: ((Int, Int, Double) -> Void)? = nil) throws -> Result {
        for t in trajectories where t.columns != initial.dimension {
            throw DictionaryError.dimensionMismatch(file: initial.source, dictionary: initial.dimension,
                                                    dump: source, states: t.columns)
        }
        return try fit(lengths: trajectories.map(\.rows), source: source, initial: initial, progress: progress) { i in
            let x = trajectories[i]
            let kept = x.rows(0..<min(x.rows, options.maxPositions))
            return kept.elements.allSatisfy(\.isFinite) ? kept : nil
        }
    }

    /// The fit itself, over trajectories `0..<lengths.count` that `read` loads (nil: not finite).
    private func fit(lengths: [Int], source: String, initial: KoopmanDictionary,
                     progress: ((Int, Int, Double) -> Void)?, read: (Int) throws -> Matrix<Float>?) throws -> Result {
        // Usable trajectories, shuffled by the seed, the holdout split off.
        var rng = SeededGenerator(seed: options.seed)
        let usable = (0..<lengths.count).filter { lengths[$0] >= 2 }.shuffled(using: &rng)
        let holdCount = Int((Double(usable.count) * options.holdout).rounded())
        let validation = Array(usable.prefix(holdCount)), training = Array(usable.dropFirst(holdCount))
        guard !training.isEmpty else {
            throw DictionaryError.invalid(file: source, dataset: "/hidden_states",
                                          detail: "no trajectory of length ≥ 2 is left to fit on")
        }
        var skipped = lengths.count - usable.count
        func load(_ indices: ArraySlice<Int>) throws -> [Matrix<Float>] { try indices.compactMap(read) }
        var weight = initial.weight.elements.map(Double.init)
        var bias = options.bias ? (initial.bias ?? Array(repeating: 0, count: initial.koopmanDimension)).map(Double.init) : []
        let m = initial.koopmanDimension, d = initial.dimension
        func evaluate(_ batch: [Matrix<Float>]) throws -> ResKoopNetLoss.Evaluation {
            try ResKoopNetLoss.evaluate(options.variant, trajectories: batch,
                                        weight: Matrix(rows: m, columns: d, elements: weight),
                                        bias: options.bias ? bias : nil, delta: options.delta,
                                        conditionPenalty: options.conditionPenalty)
        }
        // log cond(G + δI) of the current dictionary on the fixed batch; the residual loss alone is
        // then the evaluated loss less λ times it, so fits with and without the penalty compare.
        func logCondition(_ batch: [Matrix<Float>]) throws -> Double {
            try ResKoopNetLoss.conditionPenalty(trajectories: batch, weight: Matrix(rows: m, columns: d, elements: weight),
                                                bias: options.bias ? bias : nil, delta: options.delta).loss
        }
        let diagnosticBatch = try load(training.prefix(options.batch))
        let before = try evaluate(diagnosticBatch), conditionBefore = try logCondition(diagnosticBatch)
        let stepsPerEpoch = (training.count + options.batch - 1) / options.batch
        let total = options.steps ?? options.epochs * stepsPerEpoch
        var adamW = Adam(count: weight.count, learningRate: options.learningRate)
        var adamB = Adam(count: bias.count, learningRate: options.learningRate)
        var losses: [Double] = [], validationLosses: [Double] = []
        var order = training
        for step in 0..<total {
            let position = step % stepsPerEpoch
            if position == 0 && step > 0 { order.shuffle(using: &rng) }
            let slice = order[(position * options.batch)..<min(order.count, (position + 1) * options.batch)]
            let batch = try load(slice)
            if step < stepsPerEpoch { skipped += slice.count - batch.count }
            guard !batch.isEmpty else { continue }
            let evaluation = try evaluate(batch)
            losses.append(evaluation.loss)
            adamW.step(&weight, gradient: evaluation.weight.elements)
            if options.bias { adamB.step(&bias, gradient: evaluation.bias) }
            progress?(step + 1, total, evaluation.loss)
            if !validation.isEmpty && (position == stepsPerEpoch - 1 || step == total - 1) {
                validationLosses.append(try evaluate(try load(validation[...])).loss)
            }
        }
        let after = try evaluate(diagnosticBatch), conditionAfter = try logCondition(diagnosticBatch)
        let lambda = options.conditionPenalty
        let partsBefore = (residual: before.loss - lambda * conditionBefore, condition: conditionBefore)
        let partsAfter = (residual: after.loss - lambda * conditionAfter, condition: conditionAfter)
        let rankBefore = (try? EffectiveRank.of(before.gram)) ?? .nan, rankAfter = (try? EffectiveRank.of(after.gram)) ?? .nan
        var warnings: [String] = []
        if rankAfter < 0.9 * rankBefore {
            warnings.append("the effective rank of G fell from \(format(rankBefore)) to \(format(rankAfter)): "
                            + "the dictionary is collapsing towards fewer features")
        }
        if after.saturatedFraction > before.saturatedFraction + 0.05 {
            warnings.append("saturated features rose from \(format(100 * before.saturatedFraction))% to "
                            + "\(format(100 * after.saturatedFraction))%: σ is being pushed to 0 or 1")
        }
        let fitted = try KoopmanDictionary(weight: Matrix(rows: m, columns: d, elements: weight.map(Float.init)),
                                           bias: options.bias ? bias.map(Float.init) : nil,
                                           source: "fitted on \(source)")
        let attributes: [(name: String, value: AttributeValue)] = [
            ("variant", .string(options.variant.rawValue)), ("learning_rate", .real(options.learningRate)),
            ("batch", .integer(Int64(options.batch))), ("epochs", .integer(Int64(options.epochs))),
            ("steps", .integer(Int64(total))), ("max_positions", .integer(Int64(options.maxPositions))),
            ("seed", .integer(Int64(options.seed))), ("holdout", .real(options.holdout)),
            ("ridge", .real(options.delta)), ("condition_penalty", .real(options.conditionPenalty)),
            ("koopman_dim", .integer(Int64(m))), ("bias", .integer(options.bias ? 1 : 0)),
            ("dump", .string(source)), ("initial", .string(initial.source)), ("loss_curve", .reals(losses)),
            ("validation_curve", .reals(validationLosses)),
            ("effective_rank_before", .real(rankBefore)), ("effective_rank_after", .real(rankAfter)),
            ("saturated_before", .real(before.saturatedFraction)), ("saturated_after", .real(after.saturatedFraction)),
            ("residual_before", .real(partsBefore.residual)), ("residual_after", .real(partsAfter.residual)),
            ("log_condition_before", .real(partsBefore.condition)), ("log_condition_after", .real(partsAfter.condition)),
            ("skipped_trajectories", .integer(Int64(skipped))),
        ]
        var result = Result(dictionary: fitted, losses: losses, validationLosses: validationLosses,
                            effectiveRankBefore: rankBefore, effectiveRankAfter: rankAfter,
                            saturatedBefore: before.saturatedFraction, saturatedAfter: after.saturatedFraction,
                            skipped: skipped, warnings: warnings, attributes: attributes)
        (result.residualBefore, result.logConditionBefore) = partsBefore
        (result.residualAfter, result.logConditionAfter) = partsAfter
        return result
    }

    private func format(_ x: Double) -> String { printfText(x, "%.3g") }
}
