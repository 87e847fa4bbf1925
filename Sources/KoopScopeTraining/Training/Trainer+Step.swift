import Foundation
import KoopScope

extension Trainer {
    /// One RL step: prompts → R responses each → rewards and group advantages → (the dictionary,
    /// on the first step and every `refitEvery`) → one update per mini-batch → metrics.
    func trainStep() throws -> StepReport {
        let started = Date()
        let c = configuration
        var values: [String: Double] = [:]
        var notes: [String] = []

        // Rollouts (with dynamic sampling, only groups whose rewards differ).
        var rollouts = try sampleRollouts(values: &values, notes: &notes)
        let scores = rollouts.map(\.score), groups = rollouts.map(\.group)
        let advantages = GroupAdvantages.compute(rewards: scores, groups: groups, normalizeByStd: c.normalizeAdvantagesByStd)
        for i in rollouts.indices { rollouts[i].advantage = advantages[i] }
        values[Metric.timingGen] = Date().timeIntervalSince(started)

        // The dictionary: fitted on the first step's rollouts, refitted every k steps if asked.
        let needsFit = dictionary == nil
            || (c.refitEvery > 0 && step > 0 && step % c.refitEvery == 0 && !c.randomDictionary && c.dictionary.isEmpty)
        var old: [[Double]]? = nil
        if needsFit || c.miniBatches > 1 {
            let before = Date()
            let pass = inferencePass(rollouts)
            old = pass.logp
            if needsFit {
                let fitStarted = Date()
                try fitDictionary(rollouts: rollouts, hidden: pass.hidden, values: &values, notes: &notes)
                values[Metric.timingDictionaryFit] = Date().timeIntervalSince(fitStarted)
            }
            values[Metric.timingOldLogProb] = Date().timeIntervalSince(before) - (values[Metric.timingDictionaryFit] ?? 0)
        }
        let dictionary = self.dictionary!

        // Updates, one per mini-batch of whole groups.
        let updateStarted = Date()
        var dsdSeconds = 0.0, referenceSeconds = 0.0
        var perUpdate: [[String: Double]] = []
        let groupsPerBatch = c.promptsPerStep / c.miniBatches
        for b in 0..<c.miniBatches {
            let members = Array((b * groupsPerBatch * c.groupSize)..<((b + 1) * groupsPerBatch * c.groupSize))
            var timing = UpdateTiming()
            var m = try update(members, of: &rollouts, old: old, dictionary: dictionary, timing: &timing)
            dsdSeconds += timing.dsd
            referenceSeconds += timing.reference
            if let norm = m[Metric.actorGradNorm], !norm.isFinite {
                m[Metric.actorSkippedUpdates] = 1
                notes.append("mini-batch \(b + 1): non-finite gradient norm, update skipped")
            }
            perUpdate.append(m)
        }
        let updateSeconds = Date().timeIntervalSince(updateStarted)

        // Metrics: each update's values averaged, then the step's own.
        for key in Set(perUpdate.flatMap(\.keys)) {
            let present = perUpdate.compactMap { $0[key] }
            values[key] = key.hasSuffix("_tokens") || key == Metric.actorSkippedUpdates || key == Metric.actorDSDSkippedTerms
                ? present.reduce(0, +) : present.reduce(0, +) / Double(present.count)
        }
        let dsds = rollouts.compactMap(\.dsd)
        if !dsds.isEmpty {
            values[Metric.actorDSDMean] = dsds.reduce(0, +) / Double(dsds.count)
            values[Metric.actorDSDMin] = dsds.min()!
            values[Metric.actorDSDMax] = dsds.max()!
        }
        values[Metric.actorDSDUndefined] = Double(rollouts.count - dsds.count)
        for (key, value) in effectiveRankMetrics(rollouts) { values[key] = value }
        // With T − 1 < m, DSD measures the length (the ridge K has rank T − 1): say how often.
        values[Metric.actorDSDShortFraction] = Double(rollouts.filter { $0.response.count - 1 < c.koopmanDimension }.count)
            / Double(rollouts.count)
        if let window = windowedDSD(rollouts, dictionary: dictionary) {
            values[Metric.actorDSDWindowMean] = window.mean
            values[Metric.actorDSDWindowCount] = Double(window.count)
        }
        values[Metric.actorLR] = c.learningRate
        let lengths = rollouts.map { Double($0.response.count) }
        values[Metric.responseLengthMean] = lengths.reduce(0, +) / Double(lengths.count)
        values[Metric.responseLengthMax] = lengths.max()!
        values[Metric.responseLengthMin] = lengths.min()!
        values[Metric.responseLengthClipRatio] = Double(rollouts.filter {
            $0.response.count >= maxResponseLength && !text.stopTokens.contains($0.response.last ?? -1)
        }.count) / Double(rollouts.count)
        values[Metric.criticScoreMean] = scores.reduce(0, +) / Double(scores.count)
        values[Metric.criticScoreMax] = scores.max()!
        values[Metric.criticScoreMin] = scores.min()!
        values[Metric.criticCorrectMean] = rollouts.reduce(0) { $0 + $1.reward.correct } / Double(rollouts.count)
        values[Metric.criticAdvantagesMean] = advantages.reduce(0, +) / Double(advantages.count)
        values[Metric.criticAdvantagesMax] = advantages.max()!
        values[Metric.criticAdvantagesMin] = advantages.min()!
        values[Metric.fracRewardZeroStd] = GroupAdvantages.zeroStdFraction(rewards: scores, groups: groups)
        values[Metric.timingUpdateActor] = updateSeconds
        values[Metric.timingDSD] = dsdSeconds
        values[Metric.timingRef] = referenceSeconds
        values[Metric.timingDSDShareOfUpdate] = updateSeconds > 0 ? dsdSeconds / updateSeconds : 0
        if c.dumpEvery > 0 && (step + 1) % c.dumpEvery == 0 {
            let dumpStarted = Date()
            let folder = runDirectory + "/dumps"
            try Self.createDirectory(folder)
            try writeDump(rollouts, to: folder + String(format: "/step-%06d.h5", step + 1), step: step + 1)
            values[Metric.timingDump] = Date().timeIntervalSince(dumpStarted)
        }
        let total = Date().timeIntervalSince(started)
        values[Metric.timingStep] = total
        values[Metric.perfTotalNumTokens] = lengths.reduce(0, +)
        values[Metric.perfThroughput] = lengths.reduce(0, +) / total
        return StepReport(step: step + 1, totalSteps: c.steps, metrics: values, notes: notes)
    }

    /// The mean effective rank of the trajectories' states, and its velocity and acceleration
    /// against the last steps' means (which it then joins).
    func effectiveRankMetrics(_ rollouts: [Rollout]) -> [String: Double] {
        let states = rollouts.compactMap(\.hidden).filter { $0.rows > 0 }
        let ranks = BLASThreads.singleThreaded {
            concurrentMap(states.count) { k in
                (try? EffectiveRank.of(Matrix<Double>(rows: states[k].rows, columns: states[k].columns,
                                                      elements: states[k].elements.map(Double.init)))) ?? .nan
            }
        }.filter(\.isFinite)
        guard !ranks.isEmpty else { return [:] }
        let mean = ranks.reduce(0, +) / Double(ranks.count)
        let series = effectiveRankHistory + [mean]
        let (velocity, acceleration) = EffectiveRank.differences(series)
        effectiveRankHistory = Array(series.suffix(2))
        var values = [Metric.actorEffectiveRankMean: mean]
        values[Metric.actorEffectiveRankVelocity] = velocity.last ?? nil
        values[Metric.actorEffectiveRankAcceleration] = acceleration.last ?? nil
        return values
    }

    /// The paper DSD over each trajectory's first W + 1 states (W pairs), for those that have them:
    /// trajectories of different lengths compared on equal footing.
    func windowedDSD(_ rollouts: [Rollout], dictionary: KoopmanDictionary) -> (mean: Double, count: Int)? {
        let w = configuration.resolvedDSDWindow
        let windows = rollouts.compactMap { r -> Matrix<Float>? in
            guard let x = r.hidden, x.rows >= w + 1 else { return nil }
            return x.rows(0..<(w + 1))
        }
        let values = TrajectoryDSD.compute(windows, dictionary: dictionary, variant: .paper, variance: configuration.dsdVariance,
                                           withGradient: false).compactMap(\.dsd)
        guard !values.isEmpty else { return nil }
        return (values.reduce(0, +) / Double(values.count), values.count)
    }

    /// The length DSD pads every trajectory to (the reference code's padded DSD), or nil.
    var paddedLength: Int? { configuration.dsdInput == .padded ? maxResponseLength : nil }

    /// The DSD variant of the configured ReLaX variant (also used for logging).
    var dsdVariant: Convention { configuration.relaxVariant }

    /// `policy`'s forward pass over `batch` on `tape`, with the log-probability and entropy of
    /// every position's target at the sampling temperature (or `temperature`).
    func score(_ policy: any Policy<Float>, _ batch: SequenceBatch, on tape: Tape<Float>, temperature: Double? = nil)
        -> (forward: PolicyForward<Float>, logp: Tensor<Float>, entropy: Tensor<Float>)
    {
        policy.score(tape, tokens: batch.inputs, targets: batch.targets, length: batch.length,
                     temperature: Float(temperature ?? configuration.temperature))
    }

    /// The sequences of `prompts` and `responses` laid out for a forward pass.
    func sequenceBatch(prompts: [[Int32]], responses: [[Int32]]) -> SequenceBatch {
        SequenceBatch(prompts: prompts, responses: responses, padding: text.padding)
    }

    /// A forward pass without the tape over every rollout: the log-probabilities before any update
    /// (π_old when a step has several updates) and the response-aligned states.
    func inferencePass(_ rollouts: [Rollout]) -> (logp: [[Double]], hidden: [Matrix<Float>]) {
        inferencePass(prompts: rollouts.map(\.prompt), responses: rollouts.map(\.response))
    }

    /// In chunks of 256 sequences, each cut into parts on the cores as an update is.
    func inferencePass(prompts: [[Int32]], responses: [[Int32]]) -> (logp: [[Double]], hidden: [Matrix<Float>]) {
        var logp: [[Double]] = [], hidden: [Matrix<Float>] = []
        var start = 0
        while start < prompts.count {
            let end = min(prompts.count, start + 256)
            let ranges = PartedPass.ranges(count: end - start, parted: backend is CPUBackend)
            let batches = ranges.map { r in
                sequenceBatch(prompts: Array(prompts[(start + r.lowerBound)..<(start + r.upperBound)]),
                              responses: Array(responses[(start + r.lowerBound)..<(start + r.upperBound)]))
            }
            let pass = PartedPass(policy: policy, parts: batches.map { ($0.inputs, $0.targets, $0.length) },
                                  temperature: Float(configuration.temperature), recording: false)
            for (batch, part) in zip(batches, pass.parts) {
                logp += batch.responseValues(backend.download(part.logp.buffer).map(Double.init))
                hidden += batch.responseStates(backend.download(part.forward.hidden.buffer), dimension: policy.hiddenDimension)
            }
            start = end
        }
        return (logp, hidden)
    }
}
