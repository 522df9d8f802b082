import { AppError } from '../../core/index.ts';
import { createSfc32, randomInt, type RandomStream as Rng } from '../../core/index.ts';
import type { Background } from './types.ts';

/** A background after validation: weights normalised to sum 1, duplicate rows merged. */
export interface NormalisedBackground {
  readonly data: Float64Array;
  readonly nRows: number;
  readonly weights: Float64Array;
}

export interface SelectBackgroundOptions {
  /** Rows in the summary; default 100. */
  size?: number;
  /** `'kmeans'` (default): weighted k-means centroids; `'sample'`: uniform sample without replacement. */
  method?: 'kmeans' | 'sample';
  seed?: number;
  /** Lloyd iterations at most; default 50. */
  maxIterations?: number;
}

/**
 * Summarises `X` (`nRows × nFeatures`) into a small background for the engines.
 *
 * `'kmeans'` returns `size` centroids weighted by the share of rows assigned to each (like
 * `shap.kmeans`); distances use features scaled by their standard deviation so a wide
 * feature does not dominate. `'sample'` returns a seeded uniform sample with equal weights.
 * When `nRows ≤ size` every row is returned with equal weight.
 *
 * @throws AppError MODEL_INPUT_INVALID when `X` is empty or its length is not `nRows × nFeatures`.
 */
export function selectBackground(
  X: Float64Array,
  nRows: number,
  nFeatures: number,
  options: SelectBackgroundOptions = {},
): Background {
  const { size = 100, method = 'kmeans', seed = 1, maxIterations = 50 } = options;
  if (nRows <= 0 || X.length !== nRows * nFeatures) {
    throw new AppError('MODEL_INPUT_INVALID', `background source must hold nRows × nFeatures values`, {
      details: { length: X.length, nRows, nFeatures },
    });
  }
  if (!Number.isInteger(size) || size < 1) {
    throw new AppError('MODEL_INPUT_INVALID', `background size must be a positive integer`, { details: { size } });
  }
  if (nRows <= size) {
    return { data: X.slice(), nRows, weights: new Float64Array(nRows).fill(1 / nRows) };
  }
  const rng = createSfc32(seed, 'fixed');
  if (method === 'sample') return uniformSample(X, nRows, nFeatures, size, rng);
  return kmeans(X, nRows, nFeatures, size, rng, maxIterations);
}

function uniformSample(X: Float64Array, nRows: number, nFeatures: number, size: number, rng: Rng): Background {
  const idx = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) idx[i] = i;
  const data = new Float64Array(size * nFeatures);
  for (let i = 0; i < size; i++) {
    const j = i + randomInt(rng, nRows - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
    data.set(X.subarray(idx[i] * nFeatures, (idx[i] + 1) * nFeatures), i * nFeatures);
  }
  return { data, nRows: size, weights: new Float64Array(size).fill(1 / size) };
}

function kmeans(X: Float64Array, n: number, d: number, k: number, rng: Rng, maxIterations: number): Background {
  // Distances in standardised units; constant features get scale 1 so they cost nothing.
  const invScale = new Float64Array(d);
  for (let f = 0; f < d; f++) {
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < n; r++) {
      const v = X[r * d + f];
      s += v;
      s2 += v * v;
    }
    const variance = s2 / n - (s / n) ** 2;
    invScale[f] = variance > 1e-24 ? 1 / Math.sqrt(variance) : 1;
  }
  const dist = (row: number, C: Float64Array, c: number): number => {
    let acc = 0;
    for (let f = 0; f < d; f++) {
      const diff = (X[row * d + f] - C[c * d + f]) * invScale[f];
      acc += diff * diff;
    }
    return acc;
  };

  // k-means++ seeding.
  const C = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  let pick = randomInt(rng, n);
  for (let c = 0; c < k; c++) {
    C.set(X.subarray(pick * d, (pick + 1) * d), c * d);
    let total = 0;
    for (let r = 0; r < n; r++) {
      const dd = dist(r, C, c);
      if (dd < nearest[r]) nearest[r] = dd;
      total += nearest[r];
    }
    if (c + 1 === k) break;
    if (total <= 0) {
      pick = randomInt(rng, n);
      continue;
    }
    let target = rng() * total;
    pick = n - 1;
    for (let r = 0; r < n; r++) {
      target -= nearest[r];
      if (target < 0) {
        pick = r;
        break;
      }
    }
  }

  const assign = new Int32Array(n).fill(-1);
  const counts = new Float64Array(k);
  for (let it = 0; it < maxIterations; it++) {
    let changed = 0;
    for (let r = 0; r < n; r++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const dd = dist(r, C, c);
        if (dd < bestD) {
          bestD = dd;
          best = c;
        }
      }
      if (assign[r] !== best) {
        assign[r] = best;
        changed++;
      }
    }
    counts.fill(0);
    const sums = new Float64Array(k * d);
    for (let r = 0; r < n; r++) {
      const c = assign[r];
      counts[c]++;
      for (let f = 0; f < d; f++) sums[c * d + f] += X[r * d + f];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let f = 0; f < d; f++) C[c * d + f] = sums[c * d + f] / counts[c];
    }
    if (changed === 0) break;
  }

  // Empty clusters carry no weight; drop them.
  const kept: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] > 0) kept.push(c);
  const data = new Float64Array(kept.length * d);
  const weights = new Float64Array(kept.length);
  kept.forEach((c, i) => {
    data.set(C.subarray(c * d, (c + 1) * d), i * d);
    weights[i] = counts[c] / n;
  });
  return { data, nRows: kept.length, weights };
}

/**
 * Validates a background against the model width, normalises its weights to sum 1 and
 * merges identical rows (their weights add), which shrinks the batches the engines build.
 *
 * @throws AppError MODEL_INPUT_INVALID on a shape mismatch, an empty background, or
 *   negative / non-finite / all-zero weights.
 */
export function normaliseBackground(background: Background, nFeatures: number): NormalisedBackground {
  const { data, nRows, weights } = background;
  if (!Number.isInteger(nRows) || nRows < 1 || data.length !== nRows * nFeatures) {
    throw new AppError('MODEL_INPUT_INVALID', 'background must hold nRows × nFeatures values', {
      details: { length: data.length, nRows, nFeatures },
    });
  }
  if (weights !== undefined && weights.length !== nRows) {
    throw new AppError('MODEL_INPUT_INVALID', 'background weights must have one entry per row', {
      details: { weights: weights.length, nRows },
    });
  }
  const byKey = new Map<string, number>();
  const rows: number[] = [];
  const merged: number[] = [];
  let total = 0;
  for (let r = 0; r < nRows; r++) {
    const w = weights === undefined ? 1 : weights[r];
    if (!(w >= 0) || !Number.isFinite(w)) {
      throw new AppError('MODEL_INPUT_INVALID', 'background weights must be finite and non-negative', {
        details: { row: r, weight: w },
      });
    }
    if (w === 0) continue;
    const key = Array.prototype.join.call(data.subarray(r * nFeatures, (r + 1) * nFeatures), ',');
    const at = byKey.get(key);
    if (at === undefined) {
      byKey.set(key, merged.length);
      rows.push(r);
      merged.push(w);
    } else {
      merged[at] += w;
    }
    total += w;
  }
  if (total <= 0) {
    throw new AppError('MODEL_INPUT_INVALID', 'background weights sum to zero');
  }
  const out = new Float64Array(rows.length * nFeatures);
  rows.forEach((r, i) => out.set(data.subarray(r * nFeatures, (r + 1) * nFeatures), i * nFeatures));
  return { data: out, nRows: rows.length, weights: Float64Array.from(merged, (w) => w / total) };
}
