/**
 * Types shared by the SHAP explanation engines.
 *
 * Matrices are row-major `Float64Array`s: a batch of `n` rows with `m` columns stores
 * element (r, c) at `r * m + c`.
 */

/**
 * A batched predictor the engines can explain.
 *
 * `predict` returns `nRows × nOutputs` probabilities (row-major). The engines build every
 * perturbed row they need up front and call `predict` as few times as possible (one call,
 * or a few chunks of at most `maxBatchRows` rows), so per-call overhead is paid once.
 */
export interface ExplainableModel {
  readonly nFeatures: number;
  readonly nOutputs: number;
  /** One name per output, e.g. `['home', 'draw', 'away']`. */
  readonly outputNames: readonly string[];
  /** Optional feature names used to label contributions; defaults to `f0`, `f1`, ... */
  readonly featureNames?: readonly string[];
  predict(X: Float64Array, nRows: number): Float64Array;
  /**
   * Optional pre-activation outputs (`nRows × nOutputs`): the softmax/sigmoid logits. When
   * present, the `'logodds'` output space explains exactly these values. For a logistic model
   * they are linear in the features, which is what makes linear SHAP exact.
   */
  predictLogits?(X: Float64Array, nRows: number): Float64Array;
  /** Optional closed form of a logistic model, enabling the `'linear'` engine. */
  readonly linear?: LinearForm;
  /**
   * Optional white-box form of a feed-forward ReLU network computing exactly what `predict`
   * does. With it the exact and kernel engines evaluate coalitions from the network's structure
   * (the first layer is linear in the features, so a coalition's pre-activations are sums of
   * per-player parts) instead of one forward pass per coalition row; values are the same up to
   * float64 rounding.
   */
  readonly network?: NetworkForm;
}

/**
 * A feed-forward network `standardise → (dense → ReLU)* → dense → softmax | sigmoid`.
 * Weights are row-major `inSize × outSize` (`w[i * outSize + j]` from input i to unit j).
 * `sigmoid` has one logit z and outputs `[1 − σ(z), σ(z)]`.
 */
export interface NetworkForm {
  readonly mean: Float64Array;
  readonly invStd: Float64Array;
  readonly layers: readonly { readonly inSize: number; readonly outSize: number; readonly w: Float64Array; readonly b: Float64Array }[];
  readonly output: 'softmax' | 'sigmoid';
}

/**
 * Closed form of a (multinomial) logistic model on the logit scale:
 * `z_k(x) = bias_k + Σ_i W[i, k] · (x_i − center_i) / scale_i`.
 *
 * `weights` is `nFeatures × nOutputs` row-major. `center` and `scale` describe a
 * standardisation step the model applies first; omit them when it is already folded into
 * `weights` and `bias` (center 0, scale 1).
 */
export interface LinearForm {
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly center?: Float64Array;
  readonly scale?: Float64Array;
}

/**
 * A background (reference) distribution: `nRows × nFeatures` rows with optional weights.
 * Weights need not sum to one; the engines normalise them. Missing weights mean uniform.
 */
export interface Background {
  readonly data: Float64Array;
  readonly nRows: number;
  readonly weights?: Float64Array;
}

/**
 * `'probability'` explains the model's probabilities. `'logodds'` explains the logits: the
 * model's `predictLogits` if given, else logits computed from `linear`, else (one output)
 * `logit(p)`, else (two outputs) each class's log-odds `log(p_k / (1 − p_k))`, else (three or
 * more) the centred log-ratio `log p_k − mean_j log p_j`, which equals the softmax logits up to
 * a per-row constant shared by all classes.
 */
export type OutputSpace = 'probability' | 'logodds';

export type EngineName = 'exact' | 'kernel' | 'linear';

/** A player of the cooperative game: one feature or a named group of features. */
export interface Player {
  readonly name: string;
  readonly featureIndices: readonly number[];
}

/** Options shared by every engine. */
export interface ExplainOptions {
  background: Background;
  outputSpace?: OutputSpace;
  /** Feature groups, each an array of feature indices; ungrouped features are their own players. */
  groups?: readonly (readonly number[])[];
  /** Names of the groups, same order as `groups`; defaults to `group0`, `group1`, ... */
  groupNames?: readonly string[];
  /** Upper bound on the rows passed to one `predict` call (memory bound); default 262 144. */
  maxBatchRows?: number;
}

export interface KernelOptions extends ExplainOptions {
  /** Coalitions evaluated (before pairing); default 2048. */
  nSamples?: number;
  /** Seed of the coalition sampler; default 1. */
  seed?: number;
  /**
   * Background rows evaluated per coalition; default: all of them (exact coalition values).
   * A smaller number `r` evaluates each coalition (and its complement, antithetically) against
   * `r` rows drawn by weight, with a control variate, trading noise for a `K / r` smaller batch.
   */
  backgroundSamples?: number;
}

export interface AutoExplainOptions extends KernelOptions {
  engine?: 'auto' | EngineName;
}

export interface Contribution {
  readonly player: string;
  readonly featureIndices: readonly number[];
  /** The explained row's values of the player's features. */
  readonly values: readonly number[];
  readonly shap: number;
}

/** The explanation of one output (class) of one row. */
export interface OutputExplanation {
  readonly output: string;
  /** Weighted mean model output over the background (in the chosen output space). */
  readonly baseValue: number;
  /** Model output for the explained row (in the chosen output space). */
  readonly prediction: number;
  /** Sorted by |shap|, largest first. */
  readonly contributions: readonly Contribution[];
  /** `|baseValue + Σ shap − prediction|`; zero up to rounding for every engine. */
  readonly residual: number;
}

export interface RowExplanation {
  readonly engine: EngineName;
  readonly outputSpace: OutputSpace;
  readonly players: readonly Player[];
  /** Raw Shapley values, `nPlayers × nOutputs` row-major, players in `players` order. */
  readonly phi: Float64Array;
  readonly outputs: readonly OutputExplanation[];
  /** True when the values are an approximation (sampled kernel SHAP). */
  readonly approximate: boolean;
  readonly stats: ExplainStats;
}

/**
 * Work done by one `explain`/`explainRows` call of an explainer, excluding its one-time setup
 * (the background evaluation). Rows explained together share these batches, so for
 * `explainRows` the figures describe the whole block the row was part of.
 */
export interface ExplainStats {
  /** Calls of `predict` (or `predictLogits`). */
  readonly modelCalls: number;
  /** Rows passed to the model. */
  readonly modelRows: number;
  /** Coalitions whose value was computed (exact: 2^M; kernel: distinct sampled coalitions). */
  readonly coalitions: number;
}
