// Hyper-parameters of a training run: the type, the defaults per algorithm, and their validation.
import { AppError } from '../../core/index.ts';

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
}

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
});

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
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function specInvalid(field: string, message: string, value: unknown): never {
  throw new AppError('TRAINING_SPEC_INVALID', message, { details: { field, value } });
}
