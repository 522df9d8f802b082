// Seeded row samples: what bounds the cost of the explanation artifacts (k-means background,
// permutation importance) on large windows, where every row adds cost but little precision.
import { AppError, createSfc32, randomInt, type RandomStream } from '../../core/index.ts';

/**
 * `k` distinct row indices of `0..n-1` drawn with `random` by a partial Fisher–Yates shuffle, in
 * draw order. O(n) memory for the index table, O(k) draws.
 */
export function drawRowIndices(n: number, k: number, random: RandomStream): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(random, n - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.slice(0, k);
}

/**
 * A seeded uniform sample without replacement of `min(k, n)` row indices of `0..n-1`, ascending
 * (rows keep their order, e.g. kickoff order). The same `(n, k, seed)` always gives the same sample.
 *
 * @throws AppError MODEL_INPUT_INVALID when `n` or `k` is not a non-negative integer.
 */
export function sampleRowIndices(n: number, k: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k) || k < 0) {
    throw new AppError('MODEL_INPUT_INVALID', 'a row sample needs whole numbers n >= 0 and k >= 0', { details: { n, k } });
  }
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return drawRowIndices(n, k, createSfc32(seed, 'fixed')).sort();
}

/**
 * The rows `indices` of a row-major `X` of `width` columns, in that order, as a new array
 * (`indices.length × width`).
 */
export function gatherRows(X: Float64Array, width: number, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length * width);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    out.set(X.subarray(r * width, (r + 1) * width), i * width);
  }
  return out;
}
