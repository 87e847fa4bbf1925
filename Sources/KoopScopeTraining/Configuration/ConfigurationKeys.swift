import KoopScope

extension TrainingConfiguration {
    /// One setting: its TOML key and flag name, help, whether a resumed run may change it, and
    /// how to read (with its range) and write it. Its default is the property's initial value.
    public struct Key: Sendable {
        public let name: String
        public let help: String
        /// Whether `--resume` may change it: true only where it leaves the training stream alone.
        public var resumable = false
        let render: @Sendable (TrainingConfiguration) -> (String, Bool)
        let apply: @Sendable (inout TrainingConfiguration, String) throws -> Void
    }

    /// Every setting, in the order the saved configuration lists them.
    public static let keys: [Key] = [
        Key(name: "recipe", help: "a named set of settings applied first: relax-authors (the ReLaX authors' recipe), or none",
            render: { ($0.recipe, true) },
            apply: { c, v in
                guard v.isEmpty || recipes[v] != nil else {
                    throw SettingProblem(detail: "\"\(v)\" is not a recipe (one of \(recipes.keys.sorted().joined(separator: ", ")))")
                }
                c.recipe = v
                for (key, value) in recipes[v] ?? [] { try keys.first { $0.name == key }!.apply(&c, value) }
            }),
        string("task", \.task, "verifiable task: addition, sorting, countdown, countdown-trace or addition-trace"),
        int("task-size", \.taskSize, min: 0, "difficulty: addend digits, list length or countdown numbers (0: the task's default)"),
        int("task-largest", \.taskLargest, min: 0, "largest number countdown-trace gives (0: 9)"),
        string("model", \.model, "a Hugging Face checkpoint folder (Llama, Qwen2, Qwen3, Mistral) to train instead of koopscope's transformer"),
        string("dataset", \.dataset, "a JSON Lines prompts file to train on instead of --task (needs --model and --verifier)"),
        string("verifier", \.verifier, "how the dataset's responses are scored: gsm8k, countdown or exact"),
        string("template", \.template, "the prompt form with {prompt} once (default: the checkpoint's chat template, else the prompt as it is)"),
        choice("method", \.method, "grpo, relax, entropy-reg, clip-higher, kl-cov or clip-cov"),
        int("steps", \.steps, min: 0, "RL steps").changeableOnResume(),
        int("sft-steps", \.sftSteps, min: 0, "supervised warm-up steps before RL"),
        Key(name: "seed", help: "seed of every random choice",
            render: { (String($0.seed), false) },
            apply: { c, v in guard let s = UInt64(v) else { throw SettingProblem(detail: "expected a non-negative integer, got \"\(v)\"") }; c.seed = s }),
        string("device", \.device, DeviceChoice.help).changeableOnResume(),
        int("prompts-per-step", \.promptsPerStep, min: 1, max: 1 << 20, "prompts per step (paper 512)"),
        int("group-size", \.groupSize, min: 1, max: 1 << 16, "responses per prompt (paper 16)"),
        int("mini-batches", \.miniBatches, min: 1, max: 1 << 20, "optimiser updates per step (paper 512/32 = 16)"),
        double("temperature", \.temperature, greaterThan: 0, "sampling temperature"),
        double("top-p", \.topP, greaterThan: 0, atMost: 1, "nucleus sampling mass"),
        int("max-response-length", \.maxResponseLength, min: 0, max: Limits.contextLength.upperBound, "tokens per response, 0: the task's longest answer (a dataset: 3072)"),
        double("format-reward", \.formatReward, atLeast: 0, "weight of the format reward"),
        bool("dynamic-sampling", \.dynamicSampling, "drop groups of equal rewards and draw more prompts (DAPO)"),
        int("max-sampling-rounds", \.maxSamplingRounds, min: 1, max: 1 << 16, "sampling rounds per step for dynamic sampling"),
        double("epsilon-low", \.epsilonLow, atLeast: 0, atMost: 1, "clip ε_low"),
        optionalDouble("epsilon-high", \.epsilonHigh, atLeast: 0, "clip ε_high (0.2; clip-higher 0.28)"),
        double("dual-clip", \.dualClip, atLeast: 0, "dual-clip constant c, 0: off (clip-cov has none)"),
        choice("loss-agg-mode", \.lossAggregation, "token-mean, seq-mean-token-mean, seq-mean-token-sum, seq-mean-token-sum-norm"),
        choice("kl-estimator", \.klEstimator, "k1, k2 or low_var_kl"),
        double("kl-coef", \.klCoefficient, atLeast: 0, "KL to the reference policy on every token, 0: off"),
        bool("norm-adv-by-std", \.normalizeAdvantagesByStd, "divide advantages by the group's std (false: Dr. GRPO)"),
        optionalDouble("entropy-coeff", \.entropyCoefficient, atLeast: 0, "entropy bonus c_H (0; entropy-reg 0.001)"),
        optionalDouble("cov-ratio", \.covarianceRatio, atLeast: 0, atMost: 1, "share of tokens KL-Cov/Clip-Cov act on (kl-cov 0.002, clip-cov 0.0002)"),
        double("clip-cov-lb", \.clipCovLower, "Clip-Cov lower covariance bound"),
        double("clip-cov-ub", \.clipCovUpper, "Clip-Cov upper covariance bound"),
        double("kl-cov-coef", \.klCovCoefficient, atLeast: 0, "KL-Cov penalty coefficient"),
        double("lr", \.learningRate, greaterThan: 0, "RL learning rate (paper 1e-6)"),
        double("adam-beta1", \.adamBeta1, atLeast: 0, below: 1, "AdamW β1"),
        double("adam-beta2", \.adamBeta2, atLeast: 0, below: 1, "AdamW β2"),
        double("weight-decay", \.weightDecay, atLeast: 0, "AdamW decoupled weight decay"),
        double("grad-clip", \.gradientClip, atLeast: 0, "global gradient-norm clip, 0: off"),
        double("sft-lr", \.sftLearningRate, greaterThan: 0, "warm-up learning rate"),
        int("sft-batch", \.sftBatch, min: 1, max: 1 << 20, "warm-up examples per step"),
        choice("sft-schedule", \.sftSchedule, "warm-up learning rate: constant, or cosine (a linear ramp over the first 5 %, then cosine decay to a tenth)"),
        int("sft-eval-every", \.sftEvalEvery, min: 0, "log held-out greedy accuracy every k warm-up steps, 0: never"),
        string("init-checkpoint", \.initCheckpoint, "start from this checkpoint's policy, warm-up done (a folder checkpoints/step-N)"),
        choice("relax-variant", \.relaxVariant, "paper or reference (docs/math.md §10)"),
        double("relax-alpha", \.relaxAlpha, atLeast: 0, "α, weight of L_xp"),
        double("relax-beta", \.relaxBeta, atLeast: 0, "β, KL weight on the set 𝓘"),
        choice("relax-shaping", \.relaxShaping, "advantage (w = max(A, 0)) or none (w = 1, an ablation)"),
        choice("relax-kl", \.relaxKL, "adaptive (β·KL on the set 𝓘) or uniform (on every trajectory, an ablation)"),
        optionalDouble("relax-xi", \.relaxXi, atLeast: 0, "ξ, DSD threshold of 𝓘 (paper 25, reference 10)"),
        int("koopman-dim", \.koopmanDimension, min: 2, max: Limits.koopmanDimension.upperBound, "m, dictionary size"),
        int("refit-every", \.refitEvery, min: 0, "refit the dictionary every k steps, 0: never"),
        string("dictionary", \.dictionary, "dictionary HDF5 to use instead of fitting one"),
        int("fit-steps", \.fitSteps, min: 0, "dictionary fitting steps, 0: one epoch"),
        choice("dsd-variance", \.dsdVariance, "sample or population"),
        choice("dsd-input", \.dsdInput, "response (its own states) or padded (zero rows up to the response length, as the reference code)"),
        int("dsd-window", \.dsdWindow, min: 0, max: Limits.contextLength.upperBound, "pairs of the windowed DSD logged beside, 0: m"),
        bool("random-dictionary", \.randomDictionary, "use the Kaiming-uniform start as the dictionary, never fitted"),
        int("model-dim", \.modelDimension, min: 1, max: Limits.modelDimension.upperBound, "policy width d (koopscope's transformer; a --model has its own shape)"),
        int("layers", \.layers, min: 1, max: Limits.layerCount.upperBound, "transformer blocks"),
        int("heads", \.heads, min: 1, max: Limits.layerCount.upperBound, "attention heads"),
        int("mlp-dim", \.mlpDimension, min: 1, max: Limits.modelDimension.upperBound, "MLP width"),
        int("context", \.contextLength, min: 0, max: Limits.contextLength.upperBound,
            "positions per sequence, 0: 64, or what the task's longest prompt and response need (with --model: the checkpoint's)"),
        int("eval-every", \.evalEvery, min: 0, "evaluate on held-out prompts every k steps, 0: never").changeableOnResume(),
        int("eval-prompts", \.evalPrompts, min: 1, max: 1 << 20, "held-out prompts"),
        int("eval-samples", \.evalSamples, min: 1, max: 1 << 16, "k of sampled mean@k"),
        int("dump-every", \.dumpEvery, min: 0, "write the rollouts' hidden states every k steps, 0: never").changeableOnResume(),
        int("checkpoint-every", \.checkpointEvery, min: 0, "checkpoint every k steps, 0: only at the end").changeableOnResume(),
    ]

    private static func int(_ name: String, _ path: WritableKeyPath<Self, Int> & Sendable, min: Int, max: Int = Int.max,
                            _ help: String) -> Key {
        Key(name: name, help: help, render: { (String($0[keyPath: path]), false) }) { c, v in
            guard let x = Int(v) else { throw SettingProblem(detail: "expected an integer, got \"\(v)\"") }
            guard x >= min else { throw SettingProblem(detail: "must be at least \(min), got \(x)") }
            guard x <= max else { throw SettingProblem(detail: "must be at most \(max), got \(x)") }
            c[keyPath: path] = x
        }
    }

    private static func parseDouble(_ v: String, atLeast: Double?, greaterThan: Double?, atMost: Double?, below: Double?) throws -> Double {
        guard let x = Double(v), x.isFinite else { throw SettingProblem(detail: "expected a finite number, got \"\(v)\"") }
        if let a = atLeast, x < a { throw SettingProblem(detail: "must be at least \(a), got \(v)") }
        if let g = greaterThan, x <= g { throw SettingProblem(detail: "must be greater than \(g), got \(v)") }
        if let m = atMost, x > m { throw SettingProblem(detail: "must be at most \(m), got \(v)") }
        if let b = below, x >= b { throw SettingProblem(detail: "must be below \(b), got \(v)") }
        return x
    }

    private static func double(_ name: String, _ path: WritableKeyPath<Self, Double> & Sendable, atLeast: Double? = nil,
                               greaterThan: Double? = nil, atMost: Double? = nil, below: Double? = nil, _ help: String) -> Key {
        Key(name: name, help: help, render: { ("\($0[keyPath: path])", false) }) { c, v in
            c[keyPath: path] = try parseDouble(v, atLeast: atLeast, greaterThan: greaterThan, atMost: atMost, below: below)
        }
    }

    private static func optionalDouble(_ name: String, _ path: WritableKeyPath<Self, Double?> & Sendable, atLeast: Double,
                                       atMost: Double? = nil, _ help: String) -> Key {
        Key(name: name, help: help, render: { c in (c[keyPath: path].map { "\($0)" } ?? "nan", false) }) { c, v in
            c[keyPath: path] = try parseDouble(v, atLeast: atLeast, greaterThan: nil, atMost: atMost, below: nil)
        }
    }

    private static func bool(_ name: String, _ path: WritableKeyPath<Self, Bool> & Sendable, _ help: String) -> Key {
        Key(name: name, help: help, render: { ($0[keyPath: path] ? "true" : "false", false) }) { c, v in
            switch v { case "true": c[keyPath: path] = true; case "false": c[keyPath: path] = false
            default: throw SettingProblem(detail: "expected true or false, got \"\(v)\"") }
        }
    }

    private static func string(_ name: String, _ path: WritableKeyPath<Self, String> & Sendable, _ help: String) -> Key {
        Key(name: name, help: help, render: { ($0[keyPath: path], true) }) { c, v in c[keyPath: path] = v }
    }

    private static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: WritableKeyPath<Self, E> & Sendable, _ help: String) -> Key where E.RawValue == String {
        Key(name: name, help: help, render: { ($0[keyPath: path].rawValue, true) }) { c, v in
            guard let e = E(rawValue: v) else {
                throw SettingProblem(detail: "\"\(v)\" is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            c[keyPath: path] = e
        }
    }
}

extension TrainingConfiguration.Key {
    /// The same setting, changeable on `--resume`.
    func changeableOnResume() -> Self {
        var key = self
        key.resumable = true
        return key
    }
}
