// Hyper-parameters of a training run: the type, the defaults per algorithm, and their validation.
import { AppError } from '../../core/index.ts';

/**
 * L2 strengths `l2Select: "rolling"` tries unless told otherwise (the trainer's fixed default 1e-4
 * among them). Kept here, not in l2-select.ts: the trainer's types import these params and
 * l2-select imports the types, so the constant there made an import cycle.
 */
export const DEFAULT_L2_CANDIDATES: readonly number[] = Object.freeze([1e-4, 1e-3, 0.01, 0.03, 0.1]);

export type TrainAlgo = 'logistic' | 'mlp';

/** Hyper-parameters of one training run. All fields are plain data (safe to store with the run). */
export interface TrainParams {
  algo: TrainAlgo;
  /** Hidden layer widths; must be empty for `logistic`. */
  hidden: number[];
  /** Inverted-dropout rate on hidden activations, in [0, 1). */
  dropout: number;
  /** L2 penalty `0.5 · l2 · Σw²` on weights (not biases), added to the mean log loss. */
  l2: number;
  learningRate: number;
  batchSize: number;
  /** Maximum number of passes over the training rows. */
  epochs: number;
  /** Stop after this many epochs without a better validation loss; 0 never stops early. */
  earlyStoppingPatience: number;
  /** Fraction of rows, taken from the END (rows arrive in kickoff order), held out for validation. 0 disables. */
  validationFraction: number;
  /** Seed for weight init, shuffling and dropout: same seed and data ⇒ bit-identical model. */
  seed: number;
  /**
   * Anchored model: per logit (one per class for softmax, one for sigmoid) the name of a feature
   * column whose raw value is added to that logit as a fixed offset ('' for none), e.g. the market's
   * de-vigged log-odds. The network learns a correction to the anchor, with the L2 penalty (toward
   * a zero correction, i.e. the anchor itself) chosen among `anchorL2` on the validation slice; the
   * anchor alone competes too, so on validation the model matches or beats it. Unset: no anchor.
   */
  anchor?: string[];
  /** L2 strengths tried for an anchored model's correction (validation picks one). */
  anchorL2?: number[];
  /**
   * When an anchored model keeps its correction: `interval` (default) only when the paired bootstrap
   * interval of its validation gain over the anchor lies below zero; `mean` whenever the mean is lower.
   */
  anchorSelection?: 'interval' | 'mean';
  /**
   * After the fit, on the validation slice: `temperature` scales the logits by 1/T; `affine` fits a
   * scale and per-class offsets; `auto` picks none, temperature or affine by 2-fold held-out log
   * loss within the slice.
   */
  calibrate?: 'none' | 'temperature' | 'affine' | 'auto';
  /**
   * `rolling`: `l2` is chosen among `l2Candidates` on rolling-origin folds of the training rows
   * (l2-select.ts) before the fit; the chosen value replaces `l2`. Ignored by anchored models (their
   * correction's strength is `anchorL2`'s). `none` (default): `l2` as given.
   */
  l2Select?: 'none' | 'rolling';
  /** L2 strengths `l2Select: 'rolling'` tries. */
  l2Candidates?: number[];
}


/** L2 strengths an anchored model tries unless told otherwise. */
export const DEFAULT_ANCHOR_L2: readonly number[] = Object.freeze([0.3, 0.1, 0.03, 0.01, 0.003, 0.001]);

/** Defaults for logistic regression on tabular betting features. */
export const LOGISTIC_DEFAULTS: Readonly<TrainParams> = Object.freeze({
  algo: 'logistic',
  hidden: [],
  dropout: 0,
  l2: 1e-4,
  learningRate: 0.02,
  batchSize: 256,
  epochs: 60,
  earlyStoppingPatience: 6,
  validationFraction: 0.15,
  seed: 42,
  anchor: [],
  anchorL2: [...DEFAULT_ANCHOR_L2],
  anchorSelection: 'interval',
  calibrate: 'none',
  l2Select: 'none',
  l2Candidates: [...DEFAULT_L2_CANDIDATES],
});

/** Defaults for a small MLP; deliberately modest, betting data is noisy and easy to overfit. */
export const MLP_DEFAULTS: Readonly<TrainParams> = Object.freeze({
  algo: 'mlp',
  hidden: [32, 16],
  dropout: 0.1,
  l2: 1e-4,
  learningRate: 0.001,
  batchSize: 256,
  epochs: 40,
  earlyStoppingPatience: 5,
  validationFraction: 0.15,
  seed: 42,
  anchor: [],
  anchorL2: [...DEFAULT_ANCHOR_L2],
  anchorSelection: 'interval',
  calibrate: 'none',
  l2Select: 'none',
  l2Candidates: [...DEFAULT_L2_CANDIDATES],
});

/** Row passes (rows × epochs) a run may make when its epochs are the default: 60 epochs at 50,000 rows. */
export const EPOCH_ROW_BUDGET = 3_000_000;

/** Rows at or below which the default epochs stand whatever the budget says. */
const EPOCH_BUDGET_FROM_ROWS = 50_000;

/**
 * The epochs a run over `rows` rows makes when its epochs are the default: above 50,000 rows at
 * most ceil(EPOCH_ROW_BUDGET / rows), so the fit's cost stops growing faster than the rows (each
 * epoch is already `rows / batchSize` steps: a large window needs fewer passes to converge).
 * At or below 50,000 rows, `epochs` unchanged. An explicitly given `epochs` is never capped
 * (`train` applies this only when the overrides name no epochs).
 */
export function epochsWithinBudget(rows: number, epochs: number): number {
  if (rows <= EPOCH_BUDGET_FROM_ROWS) return epochs;
  return Math.min(epochs, Math.ceil(EPOCH_ROW_BUDGET / rows));
}

/**
 * Merge user overrides onto the defaults for the chosen algorithm and validate them.
 * @throws AppError TRAINING_SPEC_INVALID with `details.field` naming the bad parameter.
 */
export function resolveTrainParams(overrides: Partial<TrainParams> = {}): TrainParams {
  const algo = overrides.algo ?? 'mlp';
  if (algo !== 'logistic' && algo !== 'mlp') specInvalid('algo', `algo must be 'logistic' or 'mlp'`, algo);
  const base = algo === 'logistic' ? LOGISTIC_DEFAULTS : MLP_DEFAULTS;
  const p: TrainParams = { ...base, ...stripUndefined(overrides), algo };
  p.hidden = [...(overrides.hidden ?? base.hidden)];
  p.anchor = [...(overrides.anchor ?? base.anchor ?? [])];
  p.anchorL2 = [...(overrides.anchorL2 ?? base.anchorL2 ?? DEFAULT_ANCHOR_L2)];
  p.l2Candidates = [...(overrides.l2Candidates ?? base.l2Candidates ?? DEFAULT_L2_CANDIDATES)];
  if (!Array.isArray(p.hidden) || p.hidden.some((h) => !Number.isInteger(h) || h < 1 || h > 4096)) {
    specInvalid('hidden', 'hidden must be an array of integers in [1, 4096]', p.hidden);
  }
  if (algo === 'logistic' && p.hidden.length > 0) specInvalid('hidden', 'logistic regression has no hidden layers', p.hidden);
  if (algo === 'mlp' && p.hidden.length === 0) specInvalid('hidden', 'mlp needs at least one hidden layer', p.hidden);
  if (!(p.dropout >= 0 && p.dropout < 1)) specInvalid('dropout', 'dropout must be in [0, 1)', p.dropout);
  if (!(p.l2 >= 0 && Number.isFinite(p.l2))) specInvalid('l2', 'l2 must be a finite number >= 0', p.l2);
  if (!(p.learningRate > 0 && p.learningRate <= 10)) specInvalid('learningRate', 'learningRate must be in (0, 10]', p.learningRate);
  if (!Number.isInteger(p.batchSize) || p.batchSize < 1) specInvalid('batchSize', 'batchSize must be a positive integer', p.batchSize);
  if (!Number.isInteger(p.epochs) || p.epochs < 1) specInvalid('epochs', 'epochs must be a positive integer', p.epochs);
  if (!Number.isInteger(p.earlyStoppingPatience) || p.earlyStoppingPatience < 0) {
    specInvalid('earlyStoppingPatience', 'earlyStoppingPatience must be an integer >= 0', p.earlyStoppingPatience);
  }
  if (!(p.validationFraction >= 0 && p.validationFraction < 1)) {
    specInvalid('validationFraction', 'validationFraction must be in [0, 1)', p.validationFraction);
  }
  if (!Number.isSafeInteger(p.seed)) specInvalid('seed', 'seed must be a safe integer', p.seed);
  if (p.anchor !== undefined) {
    if (!Array.isArray(p.anchor) || p.anchor.some((c) => typeof c !== 'string')) specInvalid('anchor', 'anchor must be a list of feature names (\'\' for none), one per logit', p.anchor);
    p.anchor = [...p.anchor];
    if (p.anchor.length > 0 && p.anchor.every((c) => c === '')) specInvalid('anchor', 'anchor names no feature column', p.anchor);
    if (p.anchor.length > 0 && !(p.validationFraction > 0)) specInvalid('anchor', 'an anchored model selects its correction on the validation slice: validationFraction must be > 0', p.validationFraction);
  }
  if (p.anchorL2 !== undefined) {
    if (!Array.isArray(p.anchorL2) || p.anchorL2.length === 0 || p.anchorL2.some((v) => !(typeof v === 'number' && v >= 0 && Number.isFinite(v)))) {
      specInvalid('anchorL2', 'anchorL2 must be a non-empty list of finite numbers >= 0', p.anchorL2);
    }
    p.anchorL2 = [...p.anchorL2];
  }
  if (p.anchorSelection !== undefined && p.anchorSelection !== 'interval' && p.anchorSelection !== 'mean') specInvalid('anchorSelection', `anchorSelection must be 'interval' or 'mean'`, p.anchorSelection);
  if (p.calibrate !== undefined && !['none', 'temperature', 'affine', 'auto'].includes(p.calibrate)) specInvalid('calibrate', `calibrate must be 'none', 'temperature', 'affine' or 'auto'`, p.calibrate);
  if (p.calibrate !== undefined && p.calibrate !== 'none' && !(p.validationFraction > 0)) specInvalid('calibrate', 'calibration is fitted on the validation slice: validationFraction must be > 0', p.validationFraction);
  if (p.l2Select !== undefined && p.l2Select !== 'none' && p.l2Select !== 'rolling') specInvalid('l2Select', `l2Select must be 'none' or 'rolling'`, p.l2Select);
  if (!Array.isArray(p.l2Candidates) || p.l2Candidates.length === 0 || p.l2Candidates.some((v) => !(typeof v === 'number' && v >= 0 && Number.isFinite(v)))) {
    specInvalid('l2Candidates', 'l2Candidates must be a non-empty list of finite numbers >= 0', p.l2Candidates);
  }
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function specInvalid(field: string, message: string, value: unknown): never {
  throw new AppError('TRAINING_SPEC_INVALID', message, { details: { field, value } });
}
