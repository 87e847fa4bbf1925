/* koopscope's C interface: DSD and its gradient, the analysis of trajectories and dumps,
 * dictionary fitting and dump reading, for callers in C, Python (ctypes) and anything else
 * that can call C.
 *
 * Conventions:
 *  - Every function that can fail returns a koopscope_code and, when `status` is not NULL,
 *    writes the same code and a one-line message into it. Nothing is kept between calls: the
 *    functions may be called from many threads at once.
 *  - Arrays are dense and row-major. A batch of trajectories is batch × max_length × d with
 *    lengths[i] ≤ max_length valid states in trajectory i (lengths NULL: all max_length);
 *    rows past a trajectory's length are ignored on input and zero on output.
 *  - Formulas and defaults are those of docs/math.md; koopscope_dsd_options_init gives the paper's.
 *  - Strings the library allocates (char **) are freed with koopscope_free.
 *
 *   koopscope_dsd_options o; koopscope_dsd_options_init(&o);
 *   koopscope_status s;
 *   if (koopscope_dsd_states(x, KOOPSCOPE_FLOAT32, 1, T, d, NULL, W, NULL, 50, &o, &dsd,
 *                            NULL, NULL, NULL, &s) != KOOPSCOPE_OK) fprintf(stderr, "%s\n", s.message);
 */
#ifndef KOOPSCOPE_H
#define KOOPSCOPE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface; a caller built against another refuses to run. */
#define KOOPSCOPE_ABI_VERSION 1

typedef enum koopscope_code {
    KOOPSCOPE_OK = 0,
    KOOPSCOPE_ERROR_ARGUMENT = 1,  /* a NULL pointer, a shape, a flag or an option is wrong */
    KOOPSCOPE_ERROR_NUMERICAL = 2, /* a decomposition failed, or the data are not finite */
    KOOPSCOPE_ERROR_FILE = 3,      /* a file could not be read or is not what it should be */
    KOOPSCOPE_ERROR_INTERNAL = 4   /* a failure koopscope did not foresee; the message says which */
} koopscope_code;

typedef enum koopscope_dtype {
    KOOPSCOPE_FLOAT16 = 1,
    KOOPSCOPE_BFLOAT16 = 2,
    KOOPSCOPE_FLOAT32 = 3,
    KOOPSCOPE_FLOAT64 = 4
} koopscope_dtype;

typedef struct koopscope_status {
    int32_t code;        /* a koopscope_code */
    char message[1024];  /* NUL-terminated; empty on success */
} koopscope_status;

typedef struct koopscope_dsd_options {
    int32_t variant;        /* 0: the paper's Var |λ_j| over the eigenvalues of K; 1: the reference
                               code's Var √(s_j² + 10⁻³) over its singular values */
    int32_t population;     /* 0: sample variance (divisor n − 1); 1: population (n) */
    double delta;           /* ridge δ of K = (Ψ_XᵀΨ_X + δI)⁻¹Ψ_XᵀΨ_Y; 10⁻³ */
    int64_t padded_length;  /* 0: each trajectory as it is; L ≥ max_length: zero states appended up to
                               L states before the lift, as the reference code pads (states only) */
    int64_t window;         /* 0: every snapshot pair; w ≥ 1: the first w pairs only (the windowed DSD) */
} koopscope_dsd_options;

/* The functions. (Swift, which defines them in the library, sees only the types above.) */
#ifndef __swift__

/* KOOPSCOPE_ABI_VERSION of the library loaded, and its release ("0.1.0"). */
int32_t koopscope_abi_version(void);
const char *koopscope_version(void);

/* The paper's options: variant 0, sample variance, δ = 10⁻³, no padding, no window. */
void koopscope_dsd_options_init(koopscope_dsd_options *options);

/* DSD of already-lifted features (float64, batch × max_length × m) and, when `grad` is not NULL,
 * ∂dsd[i]/∂features of trajectory i into grad (float64, same shape). A trajectory with fewer than
 * two states gets dsd NaN and a zero gradient. padded_length does not apply (pad the states
 * before lifting them). */
int32_t koopscope_dsd_features(const double *features, int64_t batch, int64_t max_length, int64_t m,
                               const int64_t *lengths, const koopscope_dsd_options *options,
                               double *dsd, double *grad, koopscope_status *status);

/* DSD of states (dtype, batch × max_length × d) lifted by σ(x Wᵀ + b), W float32 m × d row-major,
 * b NULL (none) or m entries. Each output pointer may be NULL: grad_states (float64,
 * batch × max_length × d), grad_weight (float64 m × d) and grad_bias (float64 m), the last two
 * summed over the batch. */
int32_t koopscope_dsd_states(const void *states, int32_t dtype, int64_t batch, int64_t max_length, int64_t d,
                             const int64_t *lengths, const float *weight, const float *bias, int64_t m,
                             const koopscope_dsd_options *options, double *dsd, double *grad_states,
                             double *grad_weight, double *grad_bias, koopscope_status *status);

/* The analysis `koopscope analyze` does (eigenvalues, residuals, singular values, the DSDs and the
 * summary), of states in memory or of a dump file, as the same JSON report (*report_json, freed
 * with koopscope_free). options_json may be NULL or an object whose keys are analyze's settings
 * (its flags, with _ for -); unknown keys, values out of bounds and settings that exclude each
 * other are KOOPSCOPE_ERROR_ARGUMENT. The keys, with their defaults:
 *   dictionary          ""        a dictionary file (/weight m×d, optional /bias)
 *   identity            false     exact DMD of the raw states
 *   rank                optimal   exact DMD's rank rule (with identity)
 *   koopman_dim         50        m of the default dictionary, 1…4096
 *   seed                42        seed of the default dictionary
 *   ridge               0.001     ridge δ (not with pinv)
 *   pinv                false     K by the pseudo-inverse
 *   rcond               1e-12     the pseudo-inverse's cut-off (with pinv)
 *   residual_threshold  0.5       residual bound of dsd_filtered
 *   population_variance false     variance divisor n instead of n − 1
 *   batch_size          64        trajectories analysed together
 *   shard               ""        "K/N": part K of N (files only)
 *   layer               ""        a layer of a dump with /layers, negative from the end (files only)
 *   effective_rank      false     also each trajectory's effective rank
 * For example {"koopman_dim": 64, "pinv": true, "rcond": 1e-10}. koopscope_settings("analyze")
 * lists them with their bounds and help. */
int32_t koopscope_analyze_states(const void *states, int32_t dtype, int64_t batch, int64_t max_length, int64_t d,
                                 const int64_t *lengths, const char *options_json, char **report_json,
                                 koopscope_status *status);
int32_t koopscope_analyze_file(const char *path, const char *options_json, char **report_json,
                               koopscope_status *status);

/* Compares two analyses of the same prompts (the JSON koopscope_analyze_* wrote), trajectory i
 * of b with trajectory i of a, as `koopscope compare` does: the comparison's JSON (per-pair and
 * pooled Wasserstein-1 distances between spectra, B's DSD against A's with a paired test). names
 * label a and b in messages and in the result (NULL: "A" and "B"). Analyses of different prompts,
 * group ids, dictionaries or settings: KOOPSCOPE_ERROR_ARGUMENT, naming what differs. */
int32_t koopscope_compare(const char *a_json, const char *b_json, const char *a_name, const char *b_name,
                          char **report_json, koopscope_status *status);

/* Combines the JSON parts of a sharded analysis (what koopscope_analyze_file wrote with
 * {"shard": "K/N"} for K = 1…N, in any order) into the report of one unsharded run, as
 * `koopscope merge` does; names (NULL: "part 1", …) label the parts in messages. Parts of
 * different dumps or settings, or a missing or repeated shard: KOOPSCOPE_ERROR_ARGUMENT. */
int32_t koopscope_merge(const char *const *parts, const char *const *names, int64_t count, char **report_json,
                        koopscope_status *status);

/* The dictionary `koopscope analyze` lifts with when given none: Kaiming-uniform weights drawn
 * from `seed` (42 there), into weight (float32 m × d). */
int32_t koopscope_default_dictionary(int64_t d, int64_t m, uint64_t seed, float *weight, koopscope_status *status);

/* Fits a sigmoid dictionary of m features (1…4096) to the trajectories (ResKoopNet, docs/math.md §8)
 * into weight (float32 m × d) and, when the options ask for one ("bias": true), bias (float32 m;
 * NULL otherwise), starting from koopscope_default_dictionary(d, m, seed) or from the "init" file.
 * options_json: `koopscope fit-dictionary`'s settings (its flags, with _ for -), with their defaults:
 *   variant        paper   the loss, paper or reference
 *   koopman_dim    50      m (here the call's m; the key, when given, must equal it)
 *   bias           false   learn a bias b too
 *   batch          64      trajectories per minibatch
 *   epochs         1       passes over the trajectories
 *   steps          ""      total steps, overriding epochs
 *   lr             ""      Adam's learning rate (the variant's: 1e-4 paper, 1e-3 reference)
 *   max_positions  512     states used of each trajectory
 *   seed           42      seed of the start and of the minibatch order
 *   holdout        0.0     fraction held out for a validation loss
 *   init           ""      a dictionary file to continue from
 *   condition_penalty 0.0  λ of the penalty λ·log cond(G + δI) against collapse
 * *report_json (may be NULL) gets the losses and diagnostics. */
int32_t koopscope_fit_dictionary(const void *states, int32_t dtype, int64_t batch, int64_t max_length, int64_t d,
                                 const int64_t *lengths, int64_t m, const char *options_json, float *weight,
                                 float *bias, char **report_json, koopscope_status *status);

/* Reading a dump (docs/dump-format.md): open, ask its shape and lengths, read trajectories
 * [first, first + count) as float32 into count × max_length × d (rows past each length zero),
 * close. A handle belongs to its caller; two threads may each read their own. */
typedef struct koopscope_dump koopscope_dump;
int32_t koopscope_dump_open(const char *path, koopscope_dump **dump, koopscope_status *status);
int32_t koopscope_dump_shape(const koopscope_dump *dump, int64_t *trajectories, int64_t *max_length, int64_t *d,
                             koopscope_status *status);
int32_t koopscope_dump_lengths(const koopscope_dump *dump, int64_t *lengths, koopscope_status *status);
int32_t koopscope_dump_read(const koopscope_dump *dump, int64_t first, int64_t count, float *states,
                            koopscope_status *status);
void koopscope_dump_close(koopscope_dump *dump);

/* What `koopscope inspect --format json` says of a dump (layout, sizes, element types, lengths,
 * optional datasets, attributes and, unless structure_only is 1, the non-finite states), into
 * *report_json (freed with koopscope_free). */
int32_t koopscope_inspect(const char *path, int32_t structure_only, char **report_json, koopscope_status *status);

/* A settings table as a JSON array of {"name", "kind", "default", "bounds", "help"}: table
 * "analyze" or "fit_dictionary"; or, for table "limits", the bounds every call applies as an
 * object of name → [lowest, highest] (koopman_dim, d, trajectory_length, trajectories, shards,
 * elements). */
int32_t koopscope_settings(const char *table, char **json, koopscope_status *status);

void koopscope_free(char *string);

#endif /* __swift__ */

#ifdef __cplusplus
}
#endif
#endif
