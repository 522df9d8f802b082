/**
 * SHAP explanations for Sharpline models: exact interventional Shapley values, kernel SHAP,
 * linear SHAP, background selection and global importance.
 *
 * ## The game
 * Players are features, or groups of features (`groups`: arrays of feature indices; every
 * ungrouped feature is its own player). For a row `x`, a coalition `S` is worth
 * `v(S) = Σ_b w_b g(f(x_S, b_¬S))` over a weighted background (interventional SHAP), where
 * `g` is the output space: probabilities (default) or `'logodds'` (see {@link OutputSpace}).
 * The base value is `v(∅)`, the weighted mean background output; the prediction is `v(all)`.
 * Every engine returns values with `base + Σ φ = prediction` to rounding (the residual is
 * reported per output).
 *
 * ## Engines and cost (K background rows, M players)
 * - `'exact'`: all 2^M coalitions, exact Shapley weights; M ≤ 14, else EXPLAINER_UNSUPPORTED.
 *   Cost: one model row per (coalition, background row), ≈ K·(2^M − 2) + 1 rows in one
 *   batched call (chunks of `maxBatchRows`); rows that coincide because `x` and a background
 *   row share a player's values are evaluated once. There is no cheaper exact route for a
 *   black-box model, so latency is set by K: at M = 12, K = 100 is ~410 000 model rows. To
 *   serve in milliseconds, summarise the background (`selectBackground({ size: 2..4 })`,
 *   weighted k-means) and accept the summary's error, which `bench/explain.ts` measures.
 * - `'kernel'`: Kernel SHAP with paired, stratified coalition sampling by the Shapley kernel
 *   (complete enumeration when `nSamples ≥ 2^M − 2`, which makes it exact) and a weighted
 *   least-squares fit with additivity enforced by elimination. Cost ≈ nSamples·K rows;
 *   `backgroundSamples: r` evaluates each coalition against `r` weighted background draws
 *   with a control variate (unbiased, noisier) for ≈ nSamples·r rows.
 *   Accuracy at the default 2048 samples, max |Δφ| vs exact, probabilities: 10 players,
 *   exact (complete); 12 players ≈ 5e-4 on a smooth tanh MLP, ≈ 5e-3 on a strongly
 *   interacting one (raise `nSamples` there; 4096 enumerates all coalitions at 12).
 * - `'linear'`: closed form `φ_ik = w_ik (x_i − μ_i)` in log-odds space for models with a
 *   `linear` form (equal to exact interventional SHAP of the logits); refused in probability
 *   space (EXPLAINER_UNSUPPORTED), where no closed form exists.
 *
 * ## White-box networks (`ExplainableModel.network`, set by `explainableModelOf`)
 * For a ReLU network with at most two hidden layers the exact and kernel engines skip the
 * per-coalition forward pass (`structural.ts`): the first layer is linear in the features, so a
 * coalition's pre-activations are a background row's plus the chosen players' changes (one vector
 * add per coalition in exact SHAP, built by highest bit), units that cannot change sign over any
 * coalition fold into the next layer, and all classes come from the same pass. Values equal the
 * row-by-row path to float64 rounding (tests/models/explain/structural.test.ts). The gain is the
 * first layer's work: 1.3–2× measured on 12–30-feature MLPs, where nearly every unit switches.
 *
 * `engine: 'auto'` picks linear (log-odds + linear form), else exact (M ≤ 14), else kernel.
 * Create an {@link Explainer} once per model and background for serving: background
 * evaluation, coalition design and the kernel's factorised normal matrix are then paid once
 * and each explanation is a single batched model call.
 *
 * ## Speed, honestly (`npx tsx bench/explain.ts`, inline Float64Array MLPs, 2-core box)
 * Latency is model rows × cost per row; the engines' own work is ~1 ms. With a 100-row
 * background, exact SHAP at 12 features is ~410 000 rows (~0.4–0.9 s) and kernel SHAP at 30
 * features with 2048 coalitions ~205 000 rows (~1–2 s). Millisecond latency needs fewer rows,
 * and each way of getting there costs accuracy, which the bench reports as max |Δφ| against
 * the full-background result: exact on a 2-centroid k-means summary (8 189 rows, ~10 ms of
 * CPU, |Δφ| up to ≈ 0.06 in probability), or kernel with one weighted background draw per
 * coalition (2 049 rows at 30 features, ~11 ms of CPU, |Δφ| ≈ 0.04). Batching itself gains
 * little for an in-process JavaScript model (one call per coalition costs about the same);
 * it pays off for runtimes with per-call overhead (tfjs, ONNX), where 2 050 calls become one.
 */
export type {
  AutoExplainOptions,
  Background,
  Contribution,
  EngineName,
  ExplainableModel,
  ExplainOptions,
  ExplainStats,
  KernelOptions,
  LinearForm,
  NetworkForm,
  OutputExplanation,
  OutputSpace,
  Player,
  RowExplanation,
} from './types.ts';
export { chooseEngine, createAsyncExplainer, createExplainer, explain, explainRows, type AsyncExplainer, type Explainer } from './explain.ts';
export { selectBackground, type SelectBackgroundOptions } from './background.ts';
export { gatherRows, sampleRowIndices } from './sample.ts';
export {
  meanAbsShap,
  permutationImportance,
  type MeanAbsShap,
  type PermutationImportance,
  type PermutationImportanceOptions,
} from './importance.ts';
export { buildPlayers } from './players.ts';
export { linearLogits } from './evaluate.ts';
export { MAX_EXACT_PLAYERS } from './exact.ts';
export { DEFAULT_KERNEL_SAMPLES } from './kernel.ts';
