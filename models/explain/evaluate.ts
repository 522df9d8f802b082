import { AppError } from '../../core/index.ts';
import type { ExplainableModel, LinearForm, OutputSpace } from './types.ts';

/** A batched function whose outputs the engines explain (probabilities or logits). */
export type BatchFunction = (X: Float64Array, nRows: number) => Float64Array;

/** Default bound on rows per model call: 262 144 rows × 30 features ≈ 63 MB of input. */
export const DEFAULT_MAX_BATCH_ROWS = 262_144;

const LOG_FLOOR = 1e-300;

/**
 * Returns the function an engine explains in `space`.
 *
 * `'probability'` is `model.predict`. `'logodds'` is, in order of preference: the model's
 * `predictLogits`; logits computed from `model.linear`; `logit(p)` for a one-output model;
 * `log(p_k / p_other)` for a two-output model (each class's real log-odds); the centred
 * log-ratio `log p_k − mean_j log p_j` otherwise (softmax logits up to a per-row constant).
 * Probabilities are floored at 1e-300 before taking logs.
 */
export function resolveOutputFunction(model: ExplainableModel, space: OutputSpace): BatchFunction {
  if (space === 'probability') return (X, n) => model.predict(X, n);
  if (model.predictLogits !== undefined) {
    const logits = model.predictLogits.bind(model);
    return (X, n) => logits(X, n);
  }
  const linear = model.linear;
  if (linear !== undefined) return (X, n) => linearLogits(linear, model.nFeatures, model.nOutputs, X, n);
  const k = model.nOutputs;
  return (X, n) => {
    const p = model.predict(X, n).slice();
    probabilitiesToLogOdds(p, n, k);
    return p;
  };
}

/**
 * Turns `n × k` probabilities into log-odds in place, the `'logodds'` space of a model without
 * logits: `logit(p)` (one output), `log(p_k / p_other)` (two), the centred log-ratio (three or more).
 * Probabilities are floored at 1e-300 before taking logs.
 */
export function probabilitiesToLogOdds(p: Float64Array, n: number, k: number): void {
  if (k === 2) {
    // Two classes: each class's real log-odds log(p_k / p_other), not the centred log-ratio
    // (which would be half of it).
    for (let r = 0; r < n; r++) {
      const l = Math.log(Math.max(p[r * 2], LOG_FLOOR)) - Math.log(Math.max(p[r * 2 + 1], LOG_FLOOR));
      p[r * 2] = l;
      p[r * 2 + 1] = -l;
    }
    return;
  }
  if (k === 1) {
    for (let r = 0; r < n; r++) {
      const v = Math.min(Math.max(p[r], LOG_FLOOR), 1 - 1e-16);
      p[r] = Math.log(v) - Math.log1p(-v);
    }
    return;
  }
  for (let r = 0; r < n; r++) {
    let mean = 0;
    for (let c = 0; c < k; c++) {
      const l = Math.log(Math.max(p[r * k + c], LOG_FLOOR));
      p[r * k + c] = l;
      mean += l;
    }
    mean /= k;
    for (let c = 0; c < k; c++) p[r * k + c] -= mean;
  }
}

/**
 * Logits `z = bias + ((x − center) / scale) · W` of a linear form for `nRows` rows.
 *
 * @returns `nRows × nOutputs` row-major.
 */
export function linearLogits(
  linear: LinearForm,
  nFeatures: number,
  nOutputs: number,
  X: Float64Array,
  nRows: number,
): Float64Array {
  const w = foldedWeights(linear, nFeatures, nOutputs);
  const out = new Float64Array(nRows * nOutputs);
  for (let r = 0; r < nRows; r++) {
    for (let k = 0; k < nOutputs; k++) out[r * nOutputs + k] = w.bias[k];
    for (let f = 0; f < nFeatures; f++) {
      const v = X[r * nFeatures + f];
      for (let k = 0; k < nOutputs; k++) out[r * nOutputs + k] += v * w.weights[f * nOutputs + k];
    }
  }
  return out;
}

/**
 * Folds the standardisation of a linear form into plain weights and bias, so that
 * `z = bias + x · weights`.
 *
 * @throws AppError MODEL_FORMAT_INVALID when array lengths do not match the model shape or a scale is 0.
 */
export function foldedWeights(
  linear: LinearForm,
  nFeatures: number,
  nOutputs: number,
): { weights: Float64Array; bias: Float64Array } {
  if (
    linear.weights.length !== nFeatures * nOutputs ||
    linear.bias.length !== nOutputs ||
    (linear.center !== undefined && linear.center.length !== nFeatures) ||
    (linear.scale !== undefined && linear.scale.length !== nFeatures)
  ) {
    throw new AppError('MODEL_FORMAT_INVALID', 'linear form does not match nFeatures × nOutputs', {
      details: { nFeatures, nOutputs, weights: linear.weights.length, bias: linear.bias.length },
    });
  }
  const weights = new Float64Array(nFeatures * nOutputs);
  const bias = Float64Array.from(linear.bias);
  for (let f = 0; f < nFeatures; f++) {
    const s = linear.scale?.[f] ?? 1;
    if (s === 0) throw new AppError('MODEL_FORMAT_INVALID', `linear form has scale 0 for feature ${f}`);
    const c = linear.center?.[f] ?? 0;
    for (let k = 0; k < nOutputs; k++) {
      const w = linear.weights[f * nOutputs + k] / s;
      weights[f * nOutputs + k] = w;
      bias[k] -= w * c;
    }
  }
  return { weights, bias };
}

/** Fills rows `[first, first + count)` of a batch into `buf` starting at offset 0. */
export type RowFiller = (buf: Float64Array, first: number, count: number) => void;

export interface Evaluated {
  /** `totalRows × nOutputs` outputs in row order. */
  readonly out: Float64Array;
  readonly calls: number;
}

/**
 * Evaluates `totalRows` rows produced by `fill` with as few calls of `fn` as the
 * `maxBatchRows` memory bound allows (one call when everything fits).
 *
 * @param leading outputs already known (e.g. of the background) to place before the new
 *   ones, so callers can index both with one row number.
 * @throws AppError MODEL_FORMAT_INVALID when the model returns the wrong number of values.
 */
export function evaluateRows(
  fn: BatchFunction,
  nFeatures: number,
  nOutputs: number,
  totalRows: number,
  maxBatchRows: number,
  fill: RowFiller,
  leading?: Float64Array,
): Evaluated {
  const chunk = Math.max(1, Math.min(totalRows, Math.floor(maxBatchRows)));
  const buf = new Float64Array(chunk * nFeatures);
  const lead = leading?.length ?? 0;
  let out: Float64Array | undefined;
  let calls = 0;
  for (let first = 0; first < totalRows; first += chunk) {
    const count = Math.min(chunk, totalRows - first);
    fill(buf, first, count);
    const input = count === chunk ? buf : buf.subarray(0, count * nFeatures);
    const y = fn(input, count);
    calls++;
    if (y.length !== count * nOutputs) {
      throw new AppError('MODEL_FORMAT_INVALID', `model returned ${y.length} values for ${count} rows × ${nOutputs} outputs`, {
        details: { returned: y.length, expected: count * nOutputs },
      });
    }
    if (count === totalRows && lead === 0) {
      out = y;
    } else {
      out ??= new Float64Array(lead + totalRows * nOutputs);
      out.set(y, lead + first * nOutputs);
    }
  }
  out ??= new Float64Array(lead);
  if (lead > 0 && leading !== undefined) out.set(leading, 0);
  return { out, calls };
}

/**
 * Checks an input row block against the model width.
 *
 * @throws AppError MODEL_INPUT_INVALID when the length is wrong or a value is not finite.
 */
export function assertRows(X: Float64Array, nRows: number, nFeatures: number, what = 'input'): void {
  if (!Number.isInteger(nRows) || nRows < 1 || X.length !== nRows * nFeatures) {
    throw new AppError('MODEL_INPUT_INVALID', `${what} must hold nRows × ${nFeatures} values`, {
      details: { length: X.length, nRows, nFeatures },
    });
  }
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i])) {
      throw new AppError('MODEL_INPUT_INVALID', `${what} has a non-finite value at row ${Math.floor(i / nFeatures)}`, {
        details: { row: Math.floor(i / nFeatures), feature: i % nFeatures },
      });
    }
  }
}
