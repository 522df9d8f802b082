/**
 * The dense network model family: a plain-data, JSON-serialisable description of a feed-forward
 * network (standardisation → dense layers with ReLU → softmax or sigmoid) and a pure-TypeScript
 * forward pass. Logistic regression is the same network with no hidden layers.
 *
 * Output convention:
 * - `softmax`: the last layer has K = `classes.length` (K >= 3) units; probabilities are the softmax.
 * - `sigmoid`: the last layer has ONE unit z; p = sigmoid(z) is the probability of `classes[1]`
 *   (the "positive" class, sklearn convention) and every runtime reports the row `[1 - p, p]`,
 *   i.e. `[P(classes[0]), P(classes[1])]`, so callers always see nRows × classes.length.
 */

import { AppError } from '../core/index.ts';

/** Identifier written into every serialised model; bump on incompatible change. */
export const DENSE_MODEL_FORMAT = 'sharpline-dense/1' as const;

/** Standard deviations below this are treated as 1 so constant features cannot blow up. */
export const STD_FLOOR = 1e-6;

export type HiddenActivation = 'relu' | 'linear';
export type OutputKind = 'softmax' | 'sigmoid';

/** One dense layer: `out = act(in · W + b)` with W row-major `inputSize × outputSize`. */
export interface DenseLayer {
  inputSize: number;
  outputSize: number;
  /** Row-major `inputSize × outputSize`: weight from input i to unit j is `weights[i * outputSize + j]`. */
  weights: number[];
  bias: number[];
  /** Hidden layers use `relu`; the last layer is always `linear` (the logits), see `DenseModel.output`. */
  activation: HiddenActivation;
}

/** Plain-data model: safe to `JSON.stringify`, store in Postgres and parse back. */
export interface DenseModel {
  format: typeof DENSE_MODEL_FORMAT;
  featureNames: string[];
  /** Class labels in probability-column order. */
  classes: string[];
  /** Applied to every input row before the first layer: `(x - mean) / std`. */
  standardization: { mean: number[]; std: number[] };
  layers: DenseLayer[];
  output: OutputKind;
}

/** Number of probability columns a model produces (always `classes.length`). */
export function classCount(model: DenseModel): number {
  return model.classes.length;
}

/**
 * Check that an unknown value is a well-formed `DenseModel` (shapes consistent, numbers finite).
 * Use after `JSON.parse` or loading from storage.
 * @throws AppError MODEL_FORMAT_INVALID with `details.problem` naming the first inconsistency.
 */
export function assertDenseModel(value: unknown): asserts value is DenseModel {
  const fail = (problem: string): never => {
    throw new AppError('MODEL_FORMAT_INVALID', `Invalid dense model: ${problem}`, { details: { problem } });
  };
  if (typeof value !== 'object' || value === null) fail('not an object');
  const m = value as Partial<DenseModel>;
  if (m.format !== DENSE_MODEL_FORMAT) fail(`format must be '${DENSE_MODEL_FORMAT}', got ${JSON.stringify(m.format)}`);
  if (!Array.isArray(m.featureNames) || m.featureNames.length === 0) fail('featureNames must be a non-empty array');
  if (!Array.isArray(m.classes)) fail('classes must be an array');
  if (m.output !== 'softmax' && m.output !== 'sigmoid') fail('output must be softmax or sigmoid');
  const nFeatures = m.featureNames!.length;
  const nClasses = m.classes!.length;
  if (m.output === 'sigmoid' && nClasses !== 2) fail('sigmoid output needs exactly 2 classes');
  if (m.output === 'softmax' && nClasses < 3) fail('softmax output needs at least 3 classes');
  const st = m.standardization;
  if (!st || !isFiniteArray(st.mean, nFeatures) || !isFiniteArray(st.std, nFeatures)) {
    fail('standardization.mean/std must be finite arrays of length featureNames.length');
  }
  if (st!.std.some((s) => !(s > 0))) fail('standardization.std must be positive');
  if (!Array.isArray(m.layers) || m.layers.length === 0) fail('layers must be a non-empty array');
  let width = nFeatures;
  m.layers!.forEach((layer, index) => {
    const last = index === m.layers!.length - 1;
    if (layer.inputSize !== width) fail(`layers[${index}].inputSize ${layer.inputSize} != previous width ${width}`);
    if (!Number.isInteger(layer.outputSize) || layer.outputSize < 1) fail(`layers[${index}].outputSize invalid`);
    if (!isFiniteArray(layer.weights, layer.inputSize * layer.outputSize)) fail(`layers[${index}].weights shape/values invalid`);
    if (!isFiniteArray(layer.bias, layer.outputSize)) fail(`layers[${index}].bias shape/values invalid`);
    const expectedAct = last ? 'linear' : 'relu';
    if (layer.activation !== expectedAct) fail(`layers[${index}].activation must be ${expectedAct}`);
    width = layer.outputSize;
  });
  const expectedOut = m.output === 'sigmoid' ? 1 : nClasses;
  if (width !== expectedOut) fail(`last layer has ${width} units, ${m.output} with ${nClasses} classes needs ${expectedOut}`);
}

function isFiniteArray(a: unknown, length: number): a is number[] {
  if (!Array.isArray(a) || a.length !== length) return false;
  for (const v of a) if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  return true;
}

/** Serialise a model to a JSON string (plain data, no typed arrays). */
export function serializeModel(model: DenseModel): string {
  return JSON.stringify(model);
}

/**
 * Parse and validate a model serialised with `serializeModel`.
 * @throws AppError MODEL_FORMAT_INVALID when the JSON is malformed or the model inconsistent.
 */
export function deserializeModel(json: string): DenseModel {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw new AppError('MODEL_FORMAT_INVALID', 'Model JSON does not parse', { cause, details: { problem: 'json' } });
  }
  assertDenseModel(parsed);
  return parsed;
}

/** A compiled forward pass bound to one model; reuses its buffers across calls. */
export interface DensePredictor {
  readonly nFeatures: number;
  readonly nClasses: number;
  /**
   * Probabilities for `nRows` rows of `X` (row-major `nRows × nFeatures`).
   * Returns a fresh Float64Array `nRows × nClasses`; rows sum to 1.
   * @throws AppError MODEL_INPUT_INVALID when X has the wrong length or holds NaN/Infinity.
   */
  predict(X: ArrayLike<number>, nRows: number): Float64Array;
}

/** Rows processed per block: bounds scratch memory while keeping the inner loops long. */
const PREDICT_BLOCK_ROWS = 256;

/**
 * Compile a model into typed arrays and preallocated scratch buffers. Prefer this over
 * `predictProba` on hot paths (serving), where the same model answers many calls.
 * Sharing one predictor between requests is safe: `predict` is synchronous, so two calls can never
 * use the scratch buffers at the same time.
 * @throws AppError MODEL_FORMAT_INVALID when `model` is inconsistent.
 */
export function createPredictor(model: DenseModel): DensePredictor {
  assertDenseModel(model);
  const nFeatures = model.featureNames.length;
  const nClasses = model.classes.length;
  const sigmoid = model.output === 'sigmoid';
  const mean = Float64Array.from(model.standardization.mean);
  const invStd = Float64Array.from(model.standardization.std, (s) => 1 / s);
  const layers = model.layers.map((l) => ({
    inSize: l.inputSize,
    outSize: l.outputSize,
    w: Float64Array.from(l.weights),
    b: Float64Array.from(l.bias),
    relu: l.activation === 'relu',
  }));
  const maxWidth = Math.max(nFeatures, ...layers.map((l) => l.outSize));
  // Two ping-pong activation buffers sized for a full block avoid any allocation inside predict.
  const bufA = new Float64Array(PREDICT_BLOCK_ROWS * maxWidth);
  const bufB = new Float64Array(PREDICT_BLOCK_ROWS * maxWidth);

  const predict = (X: ArrayLike<number>, nRows: number): Float64Array => {
    validateInput(X, nRows, nFeatures);
    const out = new Float64Array(nRows * nClasses);
    for (let start = 0; start < nRows; start += PREDICT_BLOCK_ROWS) {
      const rows = Math.min(PREDICT_BLOCK_ROWS, nRows - start);
      // Standardise the block into bufA.
      for (let r = 0; r < rows; r++) {
        const src = (start + r) * nFeatures;
        const dst = r * nFeatures;
        for (let f = 0; f < nFeatures; f++) bufA[dst + f] = (X[src + f] - mean[f]) * invStd[f];
      }
      let input = bufA;
      let output = bufB;
      for (const layer of layers) {
        denseForward64(input, output, layer.w, layer.b, rows, layer.inSize, layer.outSize, layer.relu);
        const t = input;
        input = output;
        output = t;
      }
      // `input` now holds the logits.
      if (sigmoid) {
        for (let r = 0; r < rows; r++) {
          const z = input[r];
          const o = (start + r) * 2;
          out[o] = sigmoidOf(-z);
          out[o + 1] = sigmoidOf(z);
        }
      } else {
        for (let r = 0; r < rows; r++) softmaxRow(input, r * nClasses, out, (start + r) * nClasses, nClasses);
      }
    }
    return out;
  };
  return { nFeatures, nClasses, predict };
}

/**
 * Forward pass of a `DenseModel` in pure TypeScript (float64 arithmetic).
 * @param X row-major `nRows × featureNames.length`, raw (unstandardised) feature values.
 * @returns `nRows × classes.length` probabilities; for sigmoid models each row is `[1 - p, p]`.
 * @throws AppError MODEL_INPUT_INVALID on a length mismatch or non-finite input;
 *         MODEL_FORMAT_INVALID when the model is inconsistent.
 */
export function predictProba(model: DenseModel, X: Float32Array | Float64Array, nRows: number): Float64Array {
  return createPredictor(model).predict(X, nRows);
}

function validateInput(X: ArrayLike<number>, nRows: number, nFeatures: number): void {
  if (!Number.isInteger(nRows) || nRows < 0) {
    throw new AppError('MODEL_INPUT_INVALID', 'nRows must be a non-negative integer', { details: { nRows } });
  }
  if (X.length !== nRows * nFeatures) {
    throw new AppError('MODEL_INPUT_INVALID', `Expected ${nRows * nFeatures} values (${nRows} rows × ${nFeatures} features), got ${X.length}`, {
      details: { expected: nRows * nFeatures, actual: X.length, nRows, nFeatures },
    });
  }
  for (let i = 0; i < X.length; i++) {
    const v = X[i];
    // `v - v` is NaN for NaN and ±Infinity: one comparison in the hot loop.
    if (v - v !== 0) {
      throw new AppError('MODEL_INPUT_INVALID', 'Input contains NaN or Infinity', {
        details: { row: Math.floor(i / nFeatures), feature: i % nFeatures, value: String(v) },
      });
    }
  }
}

function denseForward64(
  input: Float64Array,
  output: Float64Array,
  w: Float64Array,
  b: Float64Array,
  rows: number,
  inSize: number,
  outSize: number,
  relu: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * outSize;
    const a = r * inSize;
    for (let j = 0; j < outSize; j++) output[o + j] = b[j];
    // i-k-j order: stream one contiguous weight row per input value.
    for (let k = 0; k < inSize; k++) {
      const x = input[a + k];
      if (x === 0) continue;
      const wk = k * outSize;
      for (let j = 0; j < outSize; j++) output[o + j] += x * w[wk + j];
    }
    if (relu) for (let j = 0; j < outSize; j++) if (output[o + j] < 0) output[o + j] = 0;
  }
}

function sigmoidOf(z: number): number {
  // Branch keeps exp() from overflowing for large |z|.
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function softmaxRow(logits: Float64Array, from: number, out: Float64Array, to: number, n: number): void {
  let max = -Infinity;
  for (let j = 0; j < n; j++) if (logits[from + j] > max) max = logits[from + j];
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const e = Math.exp(logits[from + j] - max);
    out[to + j] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let j = 0; j < n; j++) out[to + j] *= inv;
}

/**
 * Mean log loss (natural log) of probabilities against class-index labels, with probabilities
 * clipped at 1e-15 so a confident miss is large but finite.
 */
export function logLoss(proba: Float64Array | Float32Array, labels: ArrayLike<number>, nClasses: number): number {
  const n = labels.length;
  let sum = 0;
  for (let r = 0; r < n; r++) sum -= Math.log(Math.max(proba[r * nClasses + labels[r]], 1e-15));
  return sum / n;
}
