/**
 * Trainer for the dense model family: hand-written forward pass and backpropagation on
 * Float32Array, Adam, seeded and bit-for-bit deterministic, early stopping on a time-ordered
 * validation slice, cancellable, and cooperative with the event loop (it yields every few
 * milliseconds so a BullMQ worker's lock renewal keeps running).
 *
 * Why not tfjs autodiff: stock tfjs-wasm `model.fit` is 7-18x slower than PyTorch on this shape of
 * problem (see MODELING.md "Training speed"); plain typed-array loops are within a small factor.
 *
 * Two kernel paths, chosen once per process (`defaultTrainerKernels`, overridable per call):
 * WebAssembly SIMD (./kernels/simd-kernels.ts; every buffer in one WebAssembly.Memory, about 6x
 * faster than the plain loops and on par with 1-thread PyTorch on bench/training.ts) and the plain
 * Float32Array kernels below as the fallback. Both are deterministic; they differ only in rounding
 * (float32 vs float64 accumulation in the products). Both are kept honest by the gradient checks
 * in tests/models.
 */

import { AppError } from '../core/index.ts';
import { DENSE_MODEL_FORMAT, STD_FLOOR, assertDenseModel, type DenseLayer, type DenseModel } from './network.ts';
import { instantiateSimdKernels, simdKernelsAvailable, type SimdKernels } from './kernels/simd-kernels.ts';

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

/** Rows to train on: row-major features plus class-index labels, in kickoff order. */
export interface TrainingData {
  /** Row-major `nRows × nFeatures`, raw values (the model standardises them itself). */
  X: Float32Array;
  /** Class index per row, in `[0, classes.length)`. */
  y: ArrayLike<number>;
  nRows: number;
  nFeatures: number;
  /** Class labels; 2 ⇒ sigmoid output (`y = 1` means `classes[1]`), ≥ 3 ⇒ softmax. */
  classes: string[];
  /** Defaults to `f0 … f{n-1}`. */
  featureNames?: string[];
}

export interface EpochReport {
  /** 1-based. */
  epoch: number;
  /** Mean training log loss over the epoch's batches (with dropout active). */
  loss: number;
  /** Validation log loss after the epoch; `null` when there is no validation slice. */
  valLoss: number | null;
}

/**
 * Which kernels run the forward and backward passes: `wasm-simd` (WebAssembly f32x4, all buffers in
 * one WebAssembly.Memory) or `js` (plain Float32Array loops, float64 accumulation). Both are seeded
 * and bit-for-bit deterministic; they differ from each other only in rounding.
 */
export type TrainerKernels = 'wasm-simd' | 'js';
/** `auto` = `wasm-simd` when the runtime supports WebAssembly SIMD, else `js` (decided once per process). */
export type TrainerKernelChoice = 'auto' | TrainerKernels;

export interface TrainOptions {
  /** Kernel implementation (default `auto`); `wasm-simd` throws TRAINING_SPEC_INVALID where unsupported. */
  kernels?: TrainerKernelChoice;
  /** Checked at every batch; aborting throws AppError TRAINING_CANCELLED. */
  signal?: AbortSignal;
  /** Called after every epoch; awaited, so it may report progress to a job. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /** Longest stretch of work between yields to the event loop, in ms (default 20). */
  yieldEveryMs?: number;
}

export interface TrainResult {
  /** Weights of the best validation epoch (or of the last epoch without validation). */
  model: DenseModel;
  history: EpochReport[];
  /** 1-based epoch whose weights are in `model`. */
  bestEpoch: number;
  bestValLoss: number | null;
  stoppedEarly: boolean;
  params: TrainParams;
  nTrainRows: number;
  nValidationRows: number;
  /** Kernels that ran this training. */
  kernels: TrainerKernels;
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

/**
 * Train a dense model. Rows must be in kickoff order: the validation slice is the last
 * `validationFraction` of them, and standardisation statistics come from the training part only.
 *
 * @throws AppError TRAINING_SPEC_INVALID for bad hyper-parameters or a diverging run,
 *         TRAINING_DATA_EMPTY when there are no rows (or no rows left for training/validation),
 *         MODEL_INPUT_INVALID for NaN/Infinity features, bad labels or mismatched lengths,
 *         TRAINING_CANCELLED when `options.signal` aborts.
 */
export async function train(data: TrainingData, overrides: Partial<TrainParams> = {}, options: TrainOptions = {}): Promise<TrainResult> {
  const params = resolveTrainParams(overrides);
  const { nRows, nFeatures, classes } = validateTrainingData(data);
  const signal = options.signal;
  const yieldEveryMs = options.yieldEveryMs ?? 20;
  throwIfAborted(signal);

  const nVal = Math.floor(nRows * params.validationFraction);
  const nTrain = nRows - nVal;
  if (params.validationFraction > 0 && nVal === 0) {
    throw new AppError('TRAINING_DATA_EMPTY', 'Validation slice is empty; add rows or set validationFraction to 0', {
      details: { nRows, validationFraction: params.validationFraction },
    });
  }
  if (nTrain < 1) throw new AppError('TRAINING_DATA_EMPTY', 'No rows left for training', { details: { nRows, nVal } });

  const nClasses = classes.length;
  const sigmoid = nClasses === 2;
  const shape = createShape([nFeatures, ...params.hidden, sigmoid ? 1 : nClasses], sigmoid);
  const { mean, std } = standardizationStats(data.X, nTrain, nFeatures);
  const y = Int32Array.from(data.y);

  const rng = createRng(params.seed);
  const weights = new Float32Array(shape.nParams);
  initParams(shape, weights, rng, y, nTrain, params.algo === 'logistic');

  const batchCap = Math.min(params.batchSize, nTrain);
  const capacity = Math.max(batchCap, Math.min(nVal, EVAL_CHUNK_ROWS));
  const engine = createEngine(resolveKernels(options.kernels), shape, { X: data.X, mean, std }, y, nRows, nFeatures, nTrain, capacity, params.learningRate);
  engine.setParams(weights);
  const best = new Float32Array(weights);
  const order = engine.order;
  for (let i = 0; i < nTrain; i++) order[i] = i;

  const history: EpochReport[] = [];
  let bestValLoss = Infinity;
  let bestEpoch = 0;
  let sinceBest = 0;
  let stoppedEarly = false;
  let lastYield = performance.now();

  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    shuffle(order, rng);
    let lossSum = 0;
    for (let start = 0; start < nTrain; start += params.batchSize) {
      throwIfAborted(signal);
      const rows = Math.min(params.batchSize, nTrain - start);
      lossSum += engine.trainStep(start, rows, params.dropout, rng, params.l2) * rows;
      if (performance.now() - lastYield >= yieldEveryMs) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    const loss = lossSum / nTrain;
    if (!Number.isFinite(loss)) {
      throw new AppError('TRAINING_SPEC_INVALID', 'Training diverged (non-finite loss); lower learningRate', {
        details: { field: 'learningRate', epoch, value: params.learningRate },
      });
    }
    let valLoss: number | null = null;
    if (nVal > 0) {
      valLoss = await evaluateLoss(engine, nTrain, nRows, signal);
      if (valLoss < bestValLoss) {
        bestValLoss = valLoss;
        bestEpoch = epoch;
        engine.getParams(best);
        sinceBest = 0;
      } else {
        sinceBest++;
      }
    } else {
      bestEpoch = epoch;
      engine.getParams(best);
    }
    const report: EpochReport = { epoch, loss, valLoss };
    history.push(report);
    if (options.onEpoch) await options.onEpoch(report);
    lastYield = performance.now();
    if (nVal > 0 && params.earlyStoppingPatience > 0 && sinceBest >= params.earlyStoppingPatience && epoch < params.epochs) {
      stoppedEarly = true;
      break;
    }
  }

  const model = toDenseModel(shape, best, mean, std, data.featureNames ?? defaultFeatureNames(nFeatures), classes);
  return {
    model,
    history,
    bestEpoch,
    bestValLoss: nVal > 0 ? bestValLoss : null,
    stoppedEarly,
    params,
    nTrainRows: nTrain,
    nValidationRows: nVal,
    kernels: engine.kind,
  };
}

/** Gradients of one dense model, laid out like `DenseModel.layers`. */
export interface LayerGradients {
  weights: Float32Array;
  bias: Float32Array;
}

/**
 * Mean log loss (plus `0.5 · l2 · Σw²`) of `model` on the given rows and its gradient with respect
 * to every weight and bias, computed by the trainer's own kernels (float32). Exposed so tests can
 * check the hand-written backpropagation against finite differences and tfjs autodiff.
 * @throws AppError MODEL_FORMAT_INVALID / MODEL_INPUT_INVALID for an inconsistent model or data.
 */
export function lossAndGradients(
  model: DenseModel,
  X: Float32Array,
  y: ArrayLike<number>,
  nRows: number,
  l2 = 0,
  kernels: TrainerKernelChoice = 'auto',
): { loss: number; gradients: LayerGradients[] } {
  assertDenseModel(model);
  const nFeatures = model.featureNames.length;
  validateTrainingData({ X, y, nRows, nFeatures, classes: model.classes });
  const sigmoid = model.output === 'sigmoid';
  const shape = createShape([nFeatures, ...model.layers.map((l) => l.outputSize)], sigmoid);
  const weights = new Float32Array(shape.nParams);
  model.layers.forEach((layer, i) => {
    weights.set(layer.weights, shape.wOff[i]);
    weights.set(layer.bias, shape.bOff[i]);
  });
  const mean = Float64Array.from(model.standardization.mean);
  const std = Float64Array.from(model.standardization.std);
  const engine = createEngine(resolveKernels(kernels), shape, { X, mean, std }, Int32Array.from(y), nRows, nFeatures, 0, nRows, 0.001);
  engine.setParams(weights);
  const grads = new Float32Array(shape.nParams);
  let loss = engine.lossAndGradients(nRows, l2, grads);
  let sq = 0;
  for (let l = 0; l < shape.nLayers; l++) {
    for (let i = shape.wOff[l]; i < shape.bOff[l]; i++) sq += weights[i] * weights[i];
  }
  loss += 0.5 * l2 * sq;
  const gradients = model.layers.map((_, l) => ({
    weights: grads.slice(shape.wOff[l], shape.bOff[l]),
    bias: grads.slice(shape.bOff[l], shape.bOff[l] + shape.sizes[l + 1]),
  }));
  return { loss, gradients };
}

// ---------------------------------------------------------------------------------------------
// Validation

function validateTrainingData(data: TrainingData): { nRows: number; nFeatures: number; classes: string[] } {
  const { X, y, nRows, nFeatures, classes } = data;
  if (!Number.isInteger(nRows) || nRows < 0) {
    throw new AppError('MODEL_INPUT_INVALID', 'nRows must be a non-negative integer', { details: { field: 'nRows', value: nRows } });
  }
  if (nRows === 0) throw new AppError('TRAINING_DATA_EMPTY', 'No training rows', { details: { nRows } });
  if (!Number.isInteger(nFeatures) || nFeatures < 1) {
    throw new AppError('MODEL_INPUT_INVALID', 'nFeatures must be a positive integer', { details: { field: 'nFeatures', value: nFeatures } });
  }
  if (!(X instanceof Float32Array)) {
    throw new AppError('MODEL_INPUT_INVALID', 'X must be a Float32Array', { details: { field: 'X' } });
  }
  if (X.length !== nRows * nFeatures) {
    throw new AppError('MODEL_INPUT_INVALID', `X has ${X.length} values, expected nRows × nFeatures = ${nRows * nFeatures}`, {
      details: { field: 'X', expected: nRows * nFeatures, actual: X.length },
    });
  }
  if (!Array.isArray(classes) || classes.length < 2 || new Set(classes).size !== classes.length) {
    throw new AppError('TRAINING_SPEC_INVALID', 'classes must list at least 2 distinct labels', { details: { field: 'classes', value: classes } });
  }
  if (data.featureNames !== undefined && data.featureNames.length !== nFeatures) {
    throw new AppError('MODEL_INPUT_INVALID', 'featureNames length differs from nFeatures', {
      details: { field: 'featureNames', expected: nFeatures, actual: data.featureNames.length },
    });
  }
  for (let i = 0; i < X.length; i++) {
    const v = X[i];
    if (v - v !== 0) {
      throw new AppError('MODEL_INPUT_INVALID', 'X contains NaN or Infinity', {
        details: { field: 'X', row: Math.floor(i / nFeatures), feature: data.featureNames?.[i % nFeatures] ?? i % nFeatures, value: String(v) },
      });
    }
  }
  if (y.length !== nRows) {
    throw new AppError('MODEL_INPUT_INVALID', `y has ${y.length} labels, expected ${nRows}`, {
      details: { field: 'y', expected: nRows, actual: y.length },
    });
  }
  for (let r = 0; r < nRows; r++) {
    const label = y[r];
    if (!Number.isInteger(label) || label < 0 || label >= classes.length) {
      throw new AppError('MODEL_INPUT_INVALID', `Label ${label} at row ${r} is not a class index in [0, ${classes.length})`, {
        details: { field: 'y', row: r, value: label, nClasses: classes.length },
      });
    }
  }
  return { nRows, nFeatures, classes: [...classes] };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AppError('TRAINING_CANCELLED', 'Training was cancelled', { cause: signal.reason });
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function defaultFeatureNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `f${i}`);
}

// ---------------------------------------------------------------------------------------------
// Standardisation

function standardizationStats(X: Float32Array, nTrain: number, nFeatures: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(nFeatures);
  const m2 = new Float64Array(nFeatures);
  for (let r = 0; r < nTrain; r++) {
    const o = r * nFeatures;
    for (let f = 0; f < nFeatures; f++) mean[f] += X[o + f];
  }
  for (let f = 0; f < nFeatures; f++) mean[f] /= nTrain;
  // Two-pass variance: one-pass sums lose precision on features like Elo (~1500 ± 100).
  for (let r = 0; r < nTrain; r++) {
    const o = r * nFeatures;
    for (let f = 0; f < nFeatures; f++) {
      const d = X[o + f] - mean[f];
      m2[f] += d * d;
    }
  }
  const std = new Float64Array(nFeatures);
  for (let f = 0; f < nFeatures; f++) {
    const s = Math.sqrt(m2[f] / nTrain);
    std[f] = Math.fround(s < STD_FLOOR ? 1 : s);
    // Exported runtimes (tfjs, ONNX) hold the statistics as float32; rounding them here makes every
    // runtime, and training itself, standardise with identical numbers.
    mean[f] = Math.fround(mean[f]);
  }
  return { mean, std };
}

function standardize(X: Float32Array, nRows: number, nFeatures: number, mean: Float64Array, std: Float64Array): Float32Array {
  const out = new Float32Array(nRows * nFeatures);
  for (let r = 0; r < nRows; r++) {
    const o = r * nFeatures;
    for (let f = 0; f < nFeatures; f++) out[o + f] = (X[o + f] - mean[f]) / std[f];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Network shape, parameters and workspace

/** Layer widths and offsets of each layer's weights/bias inside one flat parameter vector. */
interface Shape {
  /** `[nFeatures, hidden..., nOutputs]`. */
  sizes: number[];
  nLayers: number;
  wOff: number[];
  bOff: number[];
  nParams: number;
  sigmoid: boolean;
}

function createShape(sizes: number[], sigmoid: boolean): Shape {
  const wOff: number[] = [];
  const bOff: number[] = [];
  let offset = 0;
  for (let l = 0; l < sizes.length - 1; l++) {
    wOff.push(offset);
    offset += sizes[l] * sizes[l + 1];
    bOff.push(offset);
    offset += sizes[l + 1];
  }
  return { sizes, nLayers: sizes.length - 1, wOff, bOff, nParams: offset, sigmoid };
}

/** Preallocated per-batch buffers: nothing is allocated inside the training loop. */
interface Workspace {
  /** `acts[0]` is the standardised input batch; `acts[l]` the (post-ReLU, post-dropout) output of layer l. */
  acts: Float32Array[];
  /** `deltas[l]`: dLoss/dZ of layer l (pre-activation), same shape as `acts[l]`. */
  deltas: Float32Array[];
  /** Dropout scale per hidden unit (0 or 1/(1-p)); only filled when dropout is active. */
  masks: Float32Array[];
  /** Per layer, the weights transposed (out×in) for the forward product. */
  wT: Float32Array[];
  /** Scratch for transposed activations and deltas in the weight-gradient product. */
  aT: Float32Array;
  dT: Float32Array;
  capacity: number;
}

function createWorkspace(shape: Shape, capacity: number): Workspace {
  const acts = shape.sizes.map((s) => new Float32Array(capacity * s));
  const deltas = shape.sizes.map((s, l) => new Float32Array(l === 0 ? 0 : capacity * s));
  const masks = shape.sizes.map((s, l) => new Float32Array(l === 0 || l === shape.nLayers ? 0 : capacity * s));
  const wT = shape.sizes.slice(1).map((s, l) => new Float32Array(shape.sizes[l] * s));
  const maxWidth = Math.max(...shape.sizes);
  const aT = new Float32Array(capacity * maxWidth);
  const dT = new Float32Array(capacity * maxWidth);
  return { acts, deltas, masks, wT, aT, dT, capacity };
}

/** Uniform float in [0, 1) from a 32-bit state; sfc32 is fast, small and well distributed. */
type Rng = () => number;

function createRng(seed: number): Rng {
  // Spread the seed over four words with splitmix32 so nearby seeds give unrelated streams.
  let s = (seed | 0) ^ Math.floor(seed / 0x100000000);
  const next = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = next();
  let b = next();
  let c = next();
  let d = next();
  const rng = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) rng();
  return rng;
}

function shuffle(order: Int32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

function initParams(shape: Shape, w: Float32Array, rng: Rng, y: Int32Array, nTrain: number, zeroWeights: boolean): void {
  for (let l = 0; l < shape.nLayers; l++) {
    const fanIn = shape.sizes[l];
    const fanOut = shape.sizes[l + 1];
    const last = l === shape.nLayers - 1;
    // He-uniform before ReLU, Glorot-uniform for the logits; logistic regression starts at zero (convex).
    const limit = zeroWeights ? 0 : last ? Math.sqrt(6 / (fanIn + fanOut)) : Math.sqrt(6 / fanIn);
    for (let i = shape.wOff[l]; i < shape.bOff[l]; i++) w[i] = (rng() * 2 - 1) * limit;
  }
  // Output bias starts at the training base rates, so epoch 1 does not spend itself learning priors.
  const nClasses = shape.sigmoid ? 2 : shape.sizes[shape.nLayers];
  const counts = new Float64Array(nClasses);
  for (let r = 0; r < nTrain; r++) counts[y[r]]++;
  const b = shape.bOff[shape.nLayers - 1];
  if (shape.sigmoid) {
    const p = (counts[1] + 0.5) / (nTrain + 1);
    w[b] = Math.log(p / (1 - p));
  } else {
    for (let k = 0; k < nClasses; k++) w[b + k] = Math.log((counts[k] + 0.5) / (nTrain + 0.5 * nClasses));
  }
}

function gatherRows(
  Xs: Float32Array,
  nFeatures: number,
  order: Int32Array,
  start: number,
  rows: number,
  into: Float32Array,
  y: Int32Array,
  labels: Int32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const src = order[start + r];
    const from = src * nFeatures;
    const to = r * nFeatures;
    // A plain loop rather than set(subarray()): no view object allocated per row.
    for (let f = 0; f < nFeatures; f++) into[to + f] = Xs[from + f];
    labels[r] = y[src];
  }
}

// ---------------------------------------------------------------------------------------------
// Kernels

/**
 * `C[i, j] = bias[j] + Σ_k A[i, k] · B[j, k]` (optionally ReLU'd) for row-major A (m×k), B (n×k),
 * C (m×n). Every product in the trainer is phrased in this "A·Bᵀ" form because both operands are then
 * read contiguously and each 4×4 tile of C is accumulated in registers (8 loads per 16
 * multiply-adds) instead of being re-read and re-written through a Float32Array on every step;
 * measured about 3× faster than the i-k-j loop in V8.
 */
function gemmNT(
  C: Float32Array,
  cOff: number,
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  bias: Float32Array | null,
  biasOff: number,
  m: number,
  n: number,
  k: number,
  relu: boolean,
): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = aOff + i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    const c0 = cOff + i * n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = bOff + j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let q = 0; q < k; q++) {
        const w0 = B[b0 + q];
        const w1 = B[b1 + q];
        const w2 = B[b2 + q];
        const w3 = B[b3 + q];
        let x = A[a0 + q];
        s00 += x * w0; s01 += x * w1; s02 += x * w2; s03 += x * w3;
        x = A[a1 + q];
        s10 += x * w0; s11 += x * w1; s12 += x * w2; s13 += x * w3;
        x = A[a2 + q];
        s20 += x * w0; s21 += x * w1; s22 += x * w2; s23 += x * w3;
        x = A[a3 + q];
        s30 += x * w0; s31 += x * w1; s32 += x * w2; s33 += x * w3;
      }
      const q0 = bias === null ? 0 : bias[biasOff + j];
      const q1 = bias === null ? 0 : bias[biasOff + j + 1];
      const q2 = bias === null ? 0 : bias[biasOff + j + 2];
      const q3 = bias === null ? 0 : bias[biasOff + j + 3];
      let c = c0 + j;
      C[c] = act(s00 + q0, relu); C[c + 1] = act(s01 + q1, relu); C[c + 2] = act(s02 + q2, relu); C[c + 3] = act(s03 + q3, relu);
      c += n;
      C[c] = act(s10 + q0, relu); C[c + 1] = act(s11 + q1, relu); C[c + 2] = act(s12 + q2, relu); C[c + 3] = act(s13 + q3, relu);
      c += n;
      C[c] = act(s20 + q0, relu); C[c + 1] = act(s21 + q1, relu); C[c + 2] = act(s22 + q2, relu); C[c + 3] = act(s23 + q3, relu);
      c += n;
      C[c] = act(s30 + q0, relu); C[c + 1] = act(s31 + q1, relu); C[c + 2] = act(s32 + q2, relu); C[c + 3] = act(s33 + q3, relu);
    }
    for (; j < n; j++) {
      const b0 = bOff + j * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let q = 0; q < k; q++) {
        const w = B[b0 + q];
        s0 += A[a0 + q] * w;
        s1 += A[a1 + q] * w;
        s2 += A[a2 + q] * w;
        s3 += A[a3 + q] * w;
      }
      const q0 = bias === null ? 0 : bias[biasOff + j];
      C[c0 + j] = act(s0 + q0, relu);
      C[c0 + n + j] = act(s1 + q0, relu);
      C[c0 + 2 * n + j] = act(s2 + q0, relu);
      C[c0 + 3 * n + j] = act(s3 + q0, relu);
    }
  }
  for (; i < m; i++) {
    const a0 = aOff + i * k;
    for (let j = 0; j < n; j++) {
      const b0 = bOff + j * k;
      let s = 0;
      for (let q = 0; q < k; q++) s += A[a0 + q] * B[b0 + q];
      C[cOff + i * n + j] = act(s + (bias === null ? 0 : bias[biasOff + j]), relu);
    }
  }
}

function act(s: number, relu: boolean): number {
  return relu && s < 0 ? 0 : s;
}

/** `dst (cols×rows) = srcᵀ` for a row-major `rows×cols` block of `src` starting at `srcOff`. */
function transpose(src: Float32Array, srcOff: number, dst: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = srcOff + r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[o + c];
  }
}

/** Refresh the transposed weight copies the forward pass reads (after every optimiser step). */
function transposeWeights(shape: Shape, p: Float32Array, ws: Workspace): void {
  for (let l = 0; l < shape.nLayers; l++) transpose(p, shape.wOff[l], ws.wT[l], shape.sizes[l], shape.sizes[l + 1]);
}

/** Forward pass over `rows` rows of `acts[0]`; `ws.wT` must hold the current weights transposed. */
function forward(shape: Shape, p: Float32Array, ws: Workspace, rows: number, dropout: number, rng: Rng): void {
  const last = shape.nLayers;
  for (let l = 1; l <= last; l++) {
    const inSize = shape.sizes[l - 1];
    const outSize = shape.sizes[l];
    const hidden = l < last;
    gemmNT(ws.acts[l], 0, ws.acts[l - 1], 0, ws.wT[l - 1], 0, p, shape.bOff[l - 1], rows, outSize, inSize, hidden);
    if (hidden && dropout > 0) {
      const act = ws.acts[l];
      const mask = ws.masks[l];
      const scale = 1 / (1 - dropout);
      const n = rows * outSize;
      for (let i = 0; i < n; i++) {
        const m = rng() < dropout ? 0 : scale;
        mask[i] = m;
        act[i] *= m;
      }
    }
  }
}

/**
 * Turn the logits in `acts[last]` into the batch's mean log loss and write dLoss/dLogits
 * (already divided by `rows`) into `deltas[last]`.
 */
function outputLossAndDelta(shape: Shape, ws: Workspace, labels: Int32Array, rows: number): number {
  const last = shape.nLayers;
  const k = shape.sizes[last];
  return logitsLossAndDelta(ws.acts[last], 0, ws.deltas[last], 0, k, k, shape.sigmoid, labels, rows);
}

/**
 * The output layer's mean log loss over `rows` rows of logits `z` (row `r` at `zOff + r·stride`,
 * `k` logits, a single one when `sigmoid`) and dLoss/dLogits divided by `rows` into `d`, laid out
 * alike. Shared by both kernel paths: float64 scalar code in either case.
 */
function logitsLossAndDelta(
  z: Float32Array,
  zOff: number,
  d: Float32Array,
  dOff: number,
  stride: number,
  k: number,
  sigmoid: boolean,
  labels: Int32Array,
  rows: number,
): number {
  const inv = 1 / rows;
  let loss = 0;
  if (sigmoid) {
    for (let r = 0; r < rows; r++) {
      const zr = z[zOff + r * stride];
      const t = labels[r];
      // log(1 + e^-|z|) form: stable for any logit.
      const softplus = Math.log1p(Math.exp(-Math.abs(zr)));
      loss += (t === 1 ? Math.max(-zr, 0) : Math.max(zr, 0)) + softplus;
      const p = zr >= 0 ? 1 / (1 + Math.exp(-zr)) : Math.exp(zr) / (1 + Math.exp(zr));
      d[dOff + r * stride] = (p - t) * inv;
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const o = zOff + r * stride;
      const od = dOff + r * stride;
      let max = -Infinity;
      for (let j = 0; j < k; j++) if (z[o + j] > max) max = z[o + j];
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(z[o + j] - max);
      const logSum = Math.log(sum) + max;
      const t = labels[r];
      loss += logSum - z[o + t];
      for (let j = 0; j < k; j++) d[od + j] = (Math.exp(z[o + j] - logSum) - (j === t ? 1 : 0)) * inv;
    }
  }
  return loss / rows;
}

/** Write gradients into `g` (every entry is overwritten) and propagate deltas down to layer 1. */
function backward(shape: Shape, p: Float32Array, g: Float32Array, ws: Workspace, rows: number, dropout: boolean): void {
  for (let l = shape.nLayers; l >= 1; l--) {
    const inSize = shape.sizes[l - 1];
    const outSize = shape.sizes[l];
    const wOff = shape.wOff[l - 1];
    const bOff = shape.bOff[l - 1];
    const a = ws.acts[l - 1];
    const d = ws.deltas[l];
    // dW = Aᵀ·D = (Aᵀ)·(Dᵀ)ᵀ: transpose both once so the product runs in the register-tiled form.
    transpose(a, 0, ws.aT, rows, inSize);
    transpose(d, 0, ws.dT, rows, outSize);
    gemmNT(g, wOff, ws.aT, 0, ws.dT, 0, null, 0, inSize, outSize, rows, false);
    for (let j = 0; j < outSize; j++) {
      let s = 0;
      const o = j * rows;
      for (let r = 0; r < rows; r++) s += ws.dT[o + r];
      g[bOff + j] = s;
    }
    if (l === 1) break;
    // D_prev = (D·Wᵀ) ⊙ relu'(Z_prev) ⊙ dropout mask; W is row-major in×out, already the "Bᵀ" operand.
    const dPrev = ws.deltas[l - 1];
    gemmNT(dPrev, 0, d, 0, p, wOff, null, 0, rows, inSize, outSize, false);
    const n = rows * inSize;
    if (dropout) {
      const mask = ws.masks[l - 1];
      for (let i = 0; i < n; i++) dPrev[i] = a[i] > 0 ? dPrev[i] * mask[i] : 0;
    } else {
      for (let i = 0; i < n; i++) if (!(a[i] > 0)) dPrev[i] = 0;
    }
  }
}

function addL2(shape: Shape, w: Float32Array, g: Float32Array, l2: number): void {
  if (l2 === 0) return;
  for (let l = 0; l < shape.nLayers; l++) {
    for (let i = shape.wOff[l]; i < shape.bOff[l]; i++) g[i] += l2 * w[i];
  }
}

interface Adam {
  step(w: Float32Array, g: Float32Array): void;
}

function createAdam(n: number, learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7): Adam {
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  let t = 0;
  return {
    step(w, g) {
      t++;
      const bc1 = 1 - Math.pow(beta1, t);
      const bc2 = 1 - Math.pow(beta2, t);
      // Bias correction folded into the step size (Kingma & Ba, section 2), as Keras does.
      const lrT = (learningRate * Math.sqrt(bc2)) / bc1;
      const eps = epsilon * Math.sqrt(bc2);
      for (let i = 0; i < n; i++) {
        const gi = g[i];
        const mi = beta1 * m[i] + (1 - beta1) * gi;
        const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] -= (lrT * mi) / (Math.sqrt(vi) + eps);
      }
    },
  };
}

/** Validation rows evaluated per forward call. */
const EVAL_CHUNK_ROWS = 1024;

async function evaluateLoss(engine: Engine, from: number, to: number, signal: AbortSignal | undefined): Promise<number> {
  const chunk = engine.capacity;
  let sum = 0;
  let lastYield = performance.now();
  for (let start = from; start < to; start += chunk) {
    throwIfAborted(signal);
    const rows = Math.min(chunk, to - start);
    sum += engine.evalLoss(start, rows) * rows;
    if (performance.now() - lastYield >= 20) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  return sum / (to - from);
}

const noRng: Rng = () => 0;

// ---------------------------------------------------------------------------------------------
// Engines: the training step on one kernel implementation

/**
 * One training run's parameters, optimiser state and buffers behind the kernels that update them.
 * Parameters cross the boundary in the flat `Shape` layout (`wOff`/`bOff`).
 */
interface Engine {
  readonly kind: TrainerKernels;
  /** Largest number of rows one step or evaluation call takes. */
  readonly capacity: number;
  /** Training row order, shuffled in place by the caller; `trainStep` reads batches from it. */
  readonly order: Int32Array;
  setParams(flat: Float32Array): void;
  getParams(into: Float32Array): void;
  /** Forward, backward, L2 and one Adam step on rows `order[start … start+rows)`; the batch's mean loss. */
  trainStep(start: number, rows: number, dropout: number, rng: Rng, l2: number): number;
  /** Mean loss (no dropout, no update) of data rows `start … start+rows)`. */
  evalLoss(start: number, rows: number): number;
  /** Mean loss of data rows `0 … rows)` and its gradient (plus the L2 term) into `into` (flat layout). */
  lossAndGradients(rows: number, l2: number, into: Float32Array): number;
}

let defaultKernels: TrainerKernels | undefined;

/**
 * The kernels `auto` resolves to, chosen once per process: WebAssembly SIMD when the runtime
 * validates the kernel module, else plain JS. `SHARPLINE_TRAINER_KERNELS=js` forces the fallback.
 */
export function defaultTrainerKernels(): TrainerKernels {
  if (defaultKernels === undefined) {
    defaultKernels = process.env.SHARPLINE_TRAINER_KERNELS !== 'js' && simdKernelsAvailable() ? 'wasm-simd' : 'js';
  }
  return defaultKernels;
}

function resolveKernels(choice: TrainerKernelChoice | undefined): TrainerKernels {
  if (choice === undefined || choice === 'auto') return defaultTrainerKernels();
  if (choice === 'js') return 'js';
  if (choice === 'wasm-simd' && simdKernelsAvailable()) return 'wasm-simd';
  if (choice === 'wasm-simd') {
    throw new AppError('TRAINING_SPEC_INVALID', 'WebAssembly SIMD kernels are not available in this runtime', {
      details: { field: 'kernels', value: choice },
    });
  }
  throw new AppError('TRAINING_SPEC_INVALID', `kernels must be 'auto', 'wasm-simd' or 'js'`, { details: { field: 'kernels', value: choice } });
}

/** Raw rows (row-major `nRows × nFeatures`) and the statistics that standardise them. */
interface RawRows {
  X: Float32Array;
  mean: Float64Array;
  std: Float64Array;
}

/**
 * Each engine standardises the rows into its own storage (for wasm, straight into its memory, so
 * the data set is held once).
 * @param nOrder length of the training row order (rows `0 … nOrder)` are the training rows)
 */
function createEngine(
  kind: TrainerKernels,
  shape: Shape,
  rows: RawRows,
  y: Int32Array,
  nRows: number,
  nFeatures: number,
  nOrder: number,
  capacity: number,
  learningRate: number,
): Engine {
  if (kind === 'wasm-simd') {
    const engine = createWasmEngine(shape, rows, y, nRows, nFeatures, nOrder, capacity, learningRate);
    // Memory could not be had (e.g. a data set beyond the wasm32 budget): same run on plain JS.
    if (engine) return engine;
  }
  const Xs = standardize(rows.X, nRows, nFeatures, rows.mean, rows.std);
  return createJsEngine(shape, Xs, y, nFeatures, nOrder, capacity, learningRate);
}

function createJsEngine(shape: Shape, Xs: Float32Array, y: Int32Array, nFeatures: number, nOrder: number, capacity: number, learningRate: number): Engine {
  const weights = new Float32Array(shape.nParams);
  const grads = new Float32Array(shape.nParams);
  const ws = createWorkspace(shape, capacity);
  const adam = createAdam(shape.nParams, learningRate);
  const order = new Int32Array(nOrder);
  const labels = new Int32Array(capacity);
  return {
    kind: 'js',
    capacity,
    order,
    setParams(flat) {
      weights.set(flat);
      transposeWeights(shape, weights, ws);
    },
    getParams(into) {
      into.set(weights);
    },
    trainStep(start, rows, dropout, rng, l2) {
      gatherRows(Xs, nFeatures, order, start, rows, ws.acts[0], y, labels);
      forward(shape, weights, ws, rows, dropout, rng);
      const loss = outputLossAndDelta(shape, ws, labels, rows);
      backward(shape, weights, grads, ws, rows, dropout > 0);
      addL2(shape, weights, grads, l2);
      adam.step(weights, grads);
      transposeWeights(shape, weights, ws);
      return loss;
    },
    evalLoss(start, rows) {
      ws.acts[0].set(Xs.subarray(start * nFeatures, (start + rows) * nFeatures));
      labels.set(y.subarray(start, start + rows));
      forward(shape, weights, ws, rows, 0, noRng);
      return outputLossAndDelta(shape, ws, labels, rows);
    },
    lossAndGradients(rows, l2, into) {
      const loss = this.evalLoss(0, rows);
      backward(shape, weights, grads, ws, rows, false);
      addL2(shape, weights, grads, l2);
      into.set(grads);
      return loss;
    },
  };
}

/** Layer widths rounded up to whole f32x4 vectors. */
function pad4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * The WebAssembly SIMD engine. Every buffer lives in one WebAssembly.Memory, addressed in bytes:
 * parameters (per layer W as `P[l]×P[l+1]` then b as `P[l+1]`, widths padded to multiples of 4
 * with zeros), gradients and both Adam moments in the same layout, `Wᵀ` per layer for the delta
 * product, activations / deltas / dropout masks per layer (`capacity` rows of `P[l]`), the whole
 * standardised data set (rows of `P[0]`) and the training row order. A training step is a handful
 * of kernel calls on those addresses; only the loss, dropout masks and labels run in JS, on typed
 * views of the same memory. Padded weights have zero gradient and so stay exactly zero.
 */
function createWasmEngine(
  shape: Shape,
  raw: RawRows,
  y: Int32Array,
  nRows: number,
  nFeatures: number,
  nOrder: number,
  capacity: number,
  learningRate: number,
): Engine | null {
  const L = shape.nLayers;
  const P = shape.sizes.map(pad4);
  let top = 0;
  // Byte offset of `floats` new 4-byte elements, 16-byte aligned.
  const alloc = (floats: number): number => {
    const at = top;
    top += Math.ceil((floats * 4) / 16) * 16;
    return at;
  };
  const wOff: number[] = [];
  const bOff: number[] = [];
  let nPadded = 0;
  for (let l = 0; l < L; l++) {
    wOff.push(nPadded * 4);
    nPadded += P[l] * P[l + 1];
    bOff.push(nPadded * 4);
    nPadded += P[l + 1];
  }
  const paramBase = alloc(nPadded);
  const gradBase = alloc(nPadded);
  const mBase = alloc(nPadded);
  const vBase = alloc(nPadded);
  const wT = P.slice(1).map((out, l) => alloc(out * P[l]));
  const acts = P.map((width) => alloc(capacity * width));
  const deltas = P.map((width, l) => (l === 0 ? -1 : alloc(capacity * width)));
  const masks = P.map((width, l) => (l === 0 || l === L ? -1 : alloc(capacity * width)));
  const xsBase = alloc(nRows * P[0]);
  const orderBase = alloc(nOrder);
  const K: SimdKernels | null = instantiateSimdKernels(top);
  if (K === null) return null;
  const f32 = new Float32Array(K.memory.buffer);
  const order = new Int32Array(K.memory.buffer, orderBase, nOrder);
  const labels = new Int32Array(capacity);
  const rowBytes0 = P[0] * 4;
  // Standardise into the padded rows (same arithmetic as `standardize`; padding stays zero).
  const { X, mean, std } = raw;
  for (let r = 0; r < nRows; r++) {
    const o = r * nFeatures;
    const to = (xsBase + r * rowBytes0) / 4;
    for (let f = 0; f < nFeatures; f++) f32[to + f] = (X[o + f] - mean[f]) / std[f];
  }

  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = 1e-7;
  let t = 0;

  const refreshTransposes = (): void => {
    for (let l = 1; l < L; l++) K.transpose(wT[l], paramBase + wOff[l], P[l], P[l + 1]);
  };

  /** Forward pass over `rows` rows starting at byte address `input`. */
  const forwardPass = (input: number, rows: number, dropout: number, rng: Rng): void => {
    for (let l = 1; l <= L; l++) {
      const k = P[l - 1];
      const n = P[l];
      const a = l === 1 ? input : acts[l - 1];
      const w = paramBase + wOff[l - 1];
      const b = paramBase + bOff[l - 1];
      if (l < L) K.gemmBiasRelu(acts[l], a, w, rows, n, k, k * 4, 4, n * 4, n * 4, b);
      else K.gemmBias(acts[l], a, w, rows, n, k, k * 4, 4, n * 4, n * 4, b);
      if (l < L && dropout > 0) {
        // Same draw order as the plain path: row-major over the real units.
        const width = shape.sizes[l];
        const scale = 1 / (1 - dropout);
        const act = acts[l] / 4;
        const mask = masks[l] / 4;
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < width; j++) {
            const i = r * n + j;
            const m = rng() < dropout ? 0 : scale;
            f32[mask + i] = m;
            f32[act + i] *= m;
          }
        }
      }
    }
  };

  const lossAndDelta = (rows: number): number =>
    logitsLossAndDelta(f32, acts[L] / 4, f32, deltas[L] / 4, P[L], shape.sizes[L], shape.sigmoid, labels, rows);

  /** Gradients of the batch at byte address `input` into the gradient block, plus the L2 term. */
  const backwardPass = (input: number, rows: number, dropout: boolean, l2: number): void => {
    for (let l = L; l >= 1; l--) {
      const inW = P[l - 1];
      const outW = P[l];
      const a = l === 1 ? input : acts[l - 1];
      const d = deltas[l];
      // dW = Aᵀ·D (A read down its columns), db = column sums of D.
      K.gemm(gradBase + wOff[l - 1], a, d, inW, outW, rows, 4, inW * 4, outW * 4, outW * 4);
      K.colsum(gradBase + bOff[l - 1], d, rows, outW, outW * 4);
      if (l === 1) break;
      // D_prev = (D·Wᵀ) ⊙ relu'(A_prev) [⊙ dropout mask].
      if (dropout) K.gemmReluGradMask(deltas[l - 1], d, wT[l - 1], rows, inW, outW, outW * 4, 4, inW * 4, inW * 4, acts[l - 1], masks[l - 1]);
      else K.gemmReluGrad(deltas[l - 1], d, wT[l - 1], rows, inW, outW, outW * 4, 4, inW * 4, inW * 4, acts[l - 1]);
    }
    if (l2 !== 0) {
      for (let l = 0; l < L; l++) K.l2Axpy(gradBase + wOff[l], paramBase + wOff[l], P[l] * P[l + 1], l2);
    }
  };

  /** Copy between the flat `Shape` layout and a padded block at byte address `base`. */
  const unpad = (base: number, into: Float32Array): void => {
    for (let l = 0; l < L; l++) {
      const inSize = shape.sizes[l];
      const outSize = shape.sizes[l + 1];
      const w = (base + wOff[l]) / 4;
      for (let i = 0; i < inSize; i++) {
        for (let j = 0; j < outSize; j++) into[shape.wOff[l] + i * outSize + j] = f32[w + i * P[l + 1] + j];
      }
      const b = (base + bOff[l]) / 4;
      for (let j = 0; j < outSize; j++) into[shape.bOff[l] + j] = f32[b + j];
    }
  };

  return {
    kind: 'wasm-simd',
    capacity,
    order,
    setParams(flat) {
      f32.fill(0, paramBase / 4, (paramBase + nPadded * 4) / 4);
      for (let l = 0; l < L; l++) {
        const inSize = shape.sizes[l];
        const outSize = shape.sizes[l + 1];
        const w = (paramBase + wOff[l]) / 4;
        for (let i = 0; i < inSize; i++) {
          for (let j = 0; j < outSize; j++) f32[w + i * P[l + 1] + j] = flat[shape.wOff[l] + i * outSize + j];
        }
        const b = (paramBase + bOff[l]) / 4;
        for (let j = 0; j < outSize; j++) f32[b + j] = flat[shape.bOff[l] + j];
      }
      refreshTransposes();
    },
    getParams(into) {
      unpad(paramBase, into);
    },
    trainStep(start, rows, dropout, rng, l2) {
      K.gather(acts[0], xsBase, orderBase + start * 4, rows, rowBytes0);
      for (let r = 0; r < rows; r++) labels[r] = y[order[start + r]];
      forwardPass(acts[0], rows, dropout, rng);
      const loss = lossAndDelta(rows);
      backwardPass(acts[0], rows, dropout > 0, l2);
      t++;
      const bc1 = 1 - Math.pow(beta1, t);
      const bc2 = 1 - Math.pow(beta2, t);
      const lrT = (learningRate * Math.sqrt(bc2)) / bc1;
      const eps = epsilon * Math.sqrt(bc2);
      K.adam(paramBase, gradBase, mBase, vBase, nPadded, beta1, 1 - beta1, beta2, 1 - beta2, lrT, eps);
      refreshTransposes();
      return loss;
    },
    evalLoss(start, rows) {
      labels.set(y.subarray(start, start + rows));
      forwardPass(xsBase + start * rowBytes0, rows, 0, noRng);
      return lossAndDelta(rows);
    },
    lossAndGradients(rows, l2, into) {
      const loss = this.evalLoss(0, rows);
      backwardPass(xsBase, rows, false, l2);
      unpad(gradBase, into);
      return loss;
    },
  };
}

function toDenseModel(
  shape: Shape,
  w: Float32Array,
  mean: Float64Array,
  std: Float64Array,
  featureNames: string[],
  classes: string[],
): DenseModel {
  const layers: DenseLayer[] = [];
  for (let l = 0; l < shape.nLayers; l++) {
    layers.push({
      inputSize: shape.sizes[l],
      outputSize: shape.sizes[l + 1],
      weights: Array.from(w.subarray(shape.wOff[l], shape.bOff[l])),
      bias: Array.from(w.subarray(shape.bOff[l], shape.bOff[l] + shape.sizes[l + 1])),
      activation: l === shape.nLayers - 1 ? 'linear' : 'relu',
    });
  }
  return {
    format: DENSE_MODEL_FORMAT,
    featureNames: [...featureNames],
    classes: [...classes],
    standardization: { mean: Array.from(mean), std: Array.from(std) },
    layers,
    output: shape.sigmoid ? 'sigmoid' : 'softmax',
  };
}
