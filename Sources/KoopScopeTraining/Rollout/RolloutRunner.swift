import Foundation
import KoopScope

/// Samples responses to prompts from a ``Decoder`` and keeps, for each, the last-layer states
/// that predict its tokens (positions P−1 … P+L−2, MATH §11): the main job's input, made
/// without PyTorch. Sequences run `batch` at a time through one key/value cache; each
/// trajectory's randomness comes from the seed, its prompt and its sample number alone, so the
/// batch size does not change what is sampled.
///
/// ```swift
/// let runner = RolloutRunner(decoder: decoder, stopTokens: [151645])
/// try runner.run(prompts: [tokens], settings: .init()) { trajectory in print(trajectory.responseIDs) }
/// ```
public final class RolloutRunner {
    /// How many responses, how long, how random.
    public struct Settings: Sendable, Equatable {
        /// Responses per prompt (the GRPO group size; the paper's 16).
        public var samples: Int
        public var sampler: TokenSampler
        /// The paper's maximum response length, 3072.
        public var maxNewTokens: Int
        /// Sequences run together.
        public var batch: Int
        public var seed: UInt64
        /// Layers whose states are kept besides the last one's, by index into `transformers'`
        /// `hidden_states` (0 … num_hidden_layers; ``Decoder/Output/layers``).
        public var layers: [Int]

        public init(samples: Int = 16, sampler: TokenSampler = try! TokenSampler(), maxNewTokens: Int = 3072,
                    batch: Int = 32, seed: UInt64 = 0, layers: [Int] = []) {
            self.layers = layers
            self.samples = samples
            self.sampler = sampler
            self.maxNewTokens = maxNewTokens
            self.batch = batch
            self.seed = seed
        }
    }

    /// One sampled response.
    public struct Trajectory: Sendable {
        /// Which prompt (the GRPO group) and which of its samples.
        public let prompt: Int, sample: Int
        /// Its index among all trajectories: prompt · samples + sample.
        public let index: Int
        public let promptIDs: [Int]
        public let responseIDs: [Int]
        /// responseIDs.count × hidden: row t is the state that predicts responseIDs[t].
        public let states: Matrix<Float>
        /// It ended at a stop token (else at the length limit).
        public let stopped: Bool
        /// The same positions' states at each layer of ``Settings/layers``.
        public var layers: [Int: Matrix<Float>] = [:]
    }

    /// How far a run has come, after each step.
    public struct Progress: Sendable {
        public var finished: Int, total: Int
        public var generatedTokens: Int
        public var elapsed: Double
    }

    public let decoder: Decoder
    public let stopTokens: Set<Int>

    public init(decoder: Decoder, stopTokens: Set<Int>) {
        self.decoder = decoder
        self.stopTokens = stopTokens
    }

    /// Samples `settings.samples` responses to each of `prompts` (token ids) and hands each
    /// finished trajectory to `emit`, in the order they finish.
    public func run(prompts: [[Int]], settings: Settings, progress: (Progress) -> Void = { _ in },
                    emit: (Trajectory) throws -> Void) throws {
        try Self.validate(settings)
        let vocabulary = decoder.configuration.vocab_size
        for (p, prompt) in prompts.enumerated() {
            guard !prompt.isEmpty else {
                throw TrainingError.invalidSetting(source: "prompt \(p)", key: "prompt", detail: "is empty after tokenization")
            }
            if let bad = prompt.first(where: { !(0..<vocabulary).contains($0) }) {
                throw DecoderError.tokenOutOfRange(token: bad, vocabulary: vocabulary)
            }
        }
        let jobs = prompts.indices.flatMap { p in (0..<settings.samples).map { (p, $0) } }
        let slots = min(settings.batch, max(jobs.count, 1))
        let longest = prompts.map(\.count).max() ?? 1
        let cache = try DecoderCache(decoder.configuration, sequences: slots, capacity: longest + settings.maxNewTokens)
        let d = decoder.configuration.hidden_size
        let captured = Set(settings.layers)
        let start = Date()

        struct Slot {
            var job: (prompt: Int, sample: Int)
            var rng: SeededGenerator
            var response: [Int] = []
            var states: [Float] = []
            var layers: [Int: [Float]] = [:]
        }
        var active: [Int: Slot] = [:]
        var next = 0, finished = 0, generated = 0

        /// Samples the next token of each slot of `order` from its row of `output`, records the
        /// state, and emits the trajectories that end.
        func advance(_ order: [Int], _ output: Decoder.Output) throws {
            var generators = order.map { active[$0]!.rng }
            let tokens = settings.sampler.sample(rows: output.logits, vocabulary: vocabulary, using: &generators)
            for (k, slot) in order.enumerated() {
                let r = output.logitRows[k]
                var state = active[slot]!
                state.rng = generators[k]
                state.states += output.hidden[(r * d)..<((r + 1) * d)]
                for (layer, values) in output.layers { state.layers[layer, default: []] += values[(r * d)..<((r + 1) * d)] }
                let token = tokens[k]
                state.response.append(token)
                generated += 1
                if stopTokens.contains(token) || state.response.count >= settings.maxNewTokens {
                    active[slot] = nil
                    finished += 1
                    let (p, s) = state.job
                    var trajectory = Trajectory(prompt: p, sample: s, index: p * settings.samples + s, promptIDs: prompts[p],
                                                responseIDs: state.response,
                                                states: Matrix(rows: state.response.count, columns: d, elements: state.states),
                                                stopped: stopTokens.contains(token))
                    trajectory.layers = state.layers.mapValues { Matrix(rows: state.response.count, columns: d, elements: $0) }
                    try emit(trajectory)
                } else {
                    active[slot] = state
                }
            }
        }

        while next < jobs.count || !active.isEmpty {
            // Fill free slots with new prompts and read them in one pass.
            var started: [Int] = []
            for slot in 0..<slots where active[slot] == nil && next < jobs.count {
                let job = jobs[next]
                next += 1
                cache.reset(slot)
                active[slot] = Slot(job: job, rng: SeededGenerator(seed: Self.stream(settings.seed, job.0, job.1)))
                started.append(slot)
            }
            if !started.isEmpty {
                let rows = started.flatMap { slot in prompts[active[slot]!.job.prompt].map { (sequence: slot, token: $0) } }
                try advance(started, try decoder.append(rows, in: cache, logits: .lastOfEachSequence, layers: captured))
            }
            // One new token for every sequence still going.
            let going = active.keys.sorted()
            if !going.isEmpty {
                let rows = going.map { (sequence: $0, token: active[$0]!.response.last!) }
                try advance(going, try decoder.append(rows, in: cache, logits: .lastOfEachSequence, layers: captured))
            }
            progress(Progress(finished: finished, total: jobs.count, generatedTokens: generated,
                              elapsed: Date().timeIntervalSince(start)))
        }
    }

    static func validate(_ settings: Settings) throws {
        guard (1...65_536).contains(settings.samples) else {
            throw TrainingError.invalidSetting(source: "--samples", key: "samples", detail: "\(settings.samples) is outside 1…65536")
        }
        guard (1...Limits.contextLength.upperBound).contains(settings.maxNewTokens) else {
            throw TrainingError.invalidSetting(source: "--max-new-tokens", key: "max_new_tokens",
                                               detail: "\(settings.maxNewTokens) is outside 1…\(Limits.contextLength.upperBound)")
        }
        guard (1...4096).contains(settings.batch) else {
            throw TrainingError.invalidSetting(source: "--batch", key: "batch", detail: "\(settings.batch) is outside 1…4096")
        }
    }

    /// The seed of one trajectory's draws.
    static func stream(_ seed: UInt64, _ prompt: Int, _ sample: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed ^ (UInt64(prompt) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(sample) &* 0xC2B2_AE3D_27D4_EB4F))
        return generator.next()
    }
}
