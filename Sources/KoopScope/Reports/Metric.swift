/// The names of what a training run logs, one line per step in `metrics.jsonl`: VeRL's names where
/// VeRL has one, declared once for the trainer, the run and experiment reports, and (as the same
/// strings) the Python package.
///
/// ```swift
/// let run = try TrainingRun(directory: "runs/relax")
/// print(run.series(Metric.actorDSDMean).last ?? (0, .nan))
/// ```
public enum Metric {
    // The actor (the policy update), as VeRL names them.
    public static let actorEntropy = "actor/entropy"
    public static let actorLoss = "actor/loss"
    public static let actorPGLoss = "actor/pg_loss"
    public static let actorPGClipfrac = "actor/pg_clipfrac"
    public static let actorPPOKL = "actor/ppo_kl"
    public static let actorKLLoss = "actor/kl_loss"
    public static let actorKLCoef = "actor/kl_coef"
    public static let actorGradNorm = "actor/grad_norm"
    public static let actorLR = "actor/lr"
    public static let actorSkippedUpdates = "actor/skipped_updates"
    public static let actorDSDMean = "actor/dsd/mean"
    public static let actorDSDMin = "actor/dsd/min"
    public static let actorDSDMax = "actor/dsd/max"
    public static let actorDSDUndefined = "actor/dsd/undefined"
    public static let actorDSDShortFraction = "actor/dsd/short_fraction"
    public static let actorDSDSkippedTerms = "actor/dsd_skipped_terms"
    public static let actorDSDWindowMean = "actor/dsd_window/mean"
    public static let actorDSDWindowCount = "actor/dsd_window/count"
    /// The mean effective rank of the step's trajectories (docs/math.md §12), and its first and
    /// second differences from step to step.
    public static let actorEffectiveRankMean = "actor/effective_rank/mean"
    public static let actorEffectiveRankVelocity = "actor/effective_rank/velocity"
    public static let actorEffectiveRankAcceleration = "actor/effective_rank/acceleration"
    public static let actorRelaxLXP = "actor/relax/l_xp"
    public static let actorRelaxKL = "actor/relax/kl"
    public static let actorRelaxPenalisedFrac = "actor/relax/penalised_frac"
    public static let actorKLCovTokens = "actor/kl_cov_tokens"
    public static let actorClipCovTokens = "actor/clip_cov_tokens"
    // Rewards and advantages.
    public static let criticScoreMean = "critic/score/mean"
    public static let criticScoreMin = "critic/score/min"
    public static let criticScoreMax = "critic/score/max"
    public static let criticCorrectMean = "critic/correct/mean"
    public static let criticAdvantagesMean = "critic/advantages/mean"
    public static let criticAdvantagesMin = "critic/advantages/min"
    public static let criticAdvantagesMax = "critic/advantages/max"
    // Rollouts.
    public static let fracRewardZeroStd = "frac_reward_zero_std"
    public static let responseLengthMean = "response_length/mean"
    public static let responseLengthMin = "response_length/min"
    public static let responseLengthMax = "response_length/max"
    public static let responseLengthClipRatio = "response_length/clip_ratio"
    public static let perfThroughput = "perf/throughput"
    public static let perfTotalNumTokens = "perf/total_num_tokens"
    // Wall-clock seconds of each part of a step.
    public static let timingStep = "timing_s/step"
    public static let timingGen = "timing_s/gen"
    public static let timingRef = "timing_s/ref"
    public static let timingOldLogProb = "timing_s/old_log_prob"
    public static let timingUpdateActor = "timing_s/update_actor"
    public static let timingDSD = "timing_s/dsd"
    public static let timingDSDShareOfUpdate = "timing_s/dsd_share_of_update"
    public static let timingEval = "timing_s/eval"
    public static let timingDump = "timing_s/dump"
    public static let timingDictionaryFit = "timing_s/dictionary_fit"
    // Held-out evaluation.
    public static let evalMeanAt1 = "eval/mean@1"
    public static let evalDSDMean = "eval/dsd/mean"
    // The dictionary fitted on the first rollouts.
    public static let dictionaryLossFirst = "dictionary/loss_first"
    public static let dictionaryLossLast = "dictionary/loss_last"
    public static let dictionaryEffectiveRankBefore = "dictionary/effective_rank_before"
    public static let dictionaryEffectiveRankAfter = "dictionary/effective_rank_after"
    public static let dictionarySaturatedBefore = "dictionary/saturated_before"
    public static let dictionarySaturatedAfter = "dictionary/saturated_after"
    // The supervised warm-up.
    public static let sftLoss = "sft/loss"
    public static let sftGradNorm = "sft/grad_norm"
    public static let sftLR = "sft/lr"

    /// What every held-out evaluation's name begins with.
    public static let evalPrefix = "eval/"
    /// What mean@k's names begin with.
    public static let evalMeanPrefix = "eval/mean@"
    /// What pass@k's names begin with.
    public static let evalPassPrefix = "eval/pass@"
    /// What the held-out responses' DSD names begin with.
    public static let evalDSDPrefix = "eval/dsd"

    /// mean@k of sampled held-out responses.
    public static func evalMean(at k: Int) -> String { evalMeanPrefix + String(k) }
    /// pass@k of sampled held-out responses.
    public static func evalPass(at k: Int) -> String { evalPassPrefix + String(k) }

    /// The fixed names above (mean@k and pass@k add one per k).
    public static let all: [String] = [
        actorEntropy,
        actorLoss,
        actorPGLoss,
        actorPGClipfrac,
        actorPPOKL,
        actorKLLoss,
        actorKLCoef,
        actorGradNorm,
        actorLR,
        actorSkippedUpdates,
        actorDSDMean,
        actorDSDMin,
        actorDSDMax,
        actorDSDUndefined,
        actorDSDShortFraction,
        actorDSDSkippedTerms,
        actorDSDWindowMean,
        actorDSDWindowCount,
        actorEffectiveRankMean,
        actorEffectiveRankVelocity,
        actorEffectiveRankAcceleration,
        actorRelaxLXP,
        actorRelaxKL,
        actorRelaxPenalisedFrac,
        actorKLCovTokens,
        actorClipCovTokens,
        criticScoreMean,
        criticScoreMin,
        criticScoreMax,
        criticCorrectMean,
        criticAdvantagesMean,
        criticAdvantagesMin,
        criticAdvantagesMax,
        fracRewardZeroStd,
        responseLengthMean,
        responseLengthMin,
        responseLengthMax,
        responseLengthClipRatio,
        perfThroughput,
        perfTotalNumTokens,
        timingStep,
        timingGen,
        timingRef,
        timingOldLogProb,
        timingUpdateActor,
        timingDSD,
        timingDSDShareOfUpdate,
        timingEval,
        timingDump,
        timingDictionaryFit,
        evalMeanAt1,
        evalDSDMean,
        dictionaryLossFirst,
        dictionaryLossLast,
        dictionaryEffectiveRankBefore,
        dictionaryEffectiveRankAfter,
        dictionarySaturatedBefore,
        dictionarySaturatedAfter,
        sftLoss,
        sftGradNorm,
        sftLR,
    ]
}
