import { AppError } from '../../core/index.ts';
import { createSfc32, randomInt, type RandomStream as Rng } from '../../core/index.ts';
import { drawRowIndices, gatherRows, sampleRowIndices } from './sample.ts';
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
  /**
   * When `nRows` is above this, the summary is taken from a seeded uniform sample of this many
   * rows (`sampleRowIndices` with `seed`), so its cost stops growing with the source; weights are
   * then shares of the sample. Default: every row.
   */
  sampleRows?: number;
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
  const { size = 100, method = 'kmeans', seed = 1, maxIterations = 50, sampleRows } = options;
  if (nRows <= 0 || X.length !== nRows * nFeatures) {
    throw new AppError('MODEL_INPUT_INVALID', `background source must hold nRows × nFeatures values`, {
      details: { length: X.length, nRows, nFeatures },
    });
  }
  if (!Number.isInteger(size) || size < 1) {
    throw new AppError('MODEL_INPUT_INVALID', `background size must be a positive integer`, { details: { size } });
  }
  if (sampleRows !== undefined) {
    if (!Number.isInteger(sampleRows) || sampleRows < size) {
      throw new AppError('MODEL_INPUT_INVALID', `background sampleRows must be a whole number >= size`, { details: { sampleRows, size } });
    }
    if (nRows > sampleRows) {
      return selectBackground(gatherRows(X, nFeatures, sampleRowIndices(nRows, sampleRows, seed)), sampleRows, nFeatures, { size, method, seed, maxIterations });
    }
  }
  if (nRows <= size) {
    return { data: X.slice(), nRows, weights: new Float64Array(nRows).fill(1 / nRows) };
  }
  const rng = createSfc32(seed, 'fixed');
  if (method === 'sample') return uniformSample(X, nRows, nFeatures, size, rng);
  return kmeans(X, nRows, nFeatures, size, rng, maxIterations);
}

function uniformSample(X: Float64Array, nRows: number, nFeatures: number, size: number, rng: Rng): Background {
  const data = gatherRows(X, nFeatures, drawRowIndices(nRows, size, rng));
  return { data, nRows: size, weights: new Float64Array(size).fill(1 / size) };
}

/** Squared distance of row `row` of X to centroid `c` of C, in units scaled by `invScale`. */
function scaledDistance(X: Float64Array, row: number, C: Float64Array, c: number, d: number, invScale: Float64Array): number {
  let acc = 0;
  for (let f = 0; f < d; f++) {
    const diff = (X[row * d + f] - C[c * d + f]) * invScale[f];
    acc += diff * diff;
  }
  return acc;
}

/** Elkan's per-centroid bounds are kept while n × k of them fit (float64, 32 MB); above, Hamerly's one per row. */
const ELKAN_MAX_BOUNDS = 1 << 22;

/** Relative to a centroid's drift: the rounding an Elkan bound read as `stored − drift` may carry. */
const DRIFT_SLACK = 1e-12;

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
  // k-means++ seeding. A row whose nearest seed so far is closer than half that seed's distance to
  // the new one is nearer its old seed (triangle inequality): its distance to the new seed is not
  // measured, and `nearest` and `total` come out exactly as if it were (MARGIN as below).
  const C = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  const nearestRoot = new Float64Array(n).fill(Infinity);
  const nearestAt = new Int32Array(n);
  const seedGap = new Float64Array(k); // distance from the new seed to each earlier one
  const MARGIN = 1 - 1e-9;
  let pick = randomInt(rng, n);
  for (let c = 0; c < k; c++) {
    C.set(X.subarray(pick * d, (pick + 1) * d), c * d);
    for (let j = 0; j < c; j++) seedGap[j] = Math.sqrt(scaledDistance(C, c, C, j, d, invScale));
    let total = 0;
    for (let r = 0; r < n; r++) {
      if (c === 0 || !(2 * nearestRoot[r] < seedGap[nearestAt[r]] * MARGIN)) {
        const dd = scaledDistance(X, r, C, c, d, invScale);
        if (dd < nearest[r]) {
          nearest[r] = dd;
          nearestRoot[r] = Math.sqrt(dd);
          nearestAt[r] = c;
        }
      }
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

  // Lloyd's iterations with bounds (exact: the same assignments, centroids and iteration count as
  // plain Lloyd, far fewer distances). Per row an upper bound on the distance to its centroid and
  // lower bounds on the distances to the others: Elkan's, one per centroid, when n × k of them fit
  // ELKAN_MAX_BOUNDS, else Hamerly's single one (to the nearest other). A row whose upper bound is
  // below half the distance from its centroid to the nearest other, or below every other
  // centroid's lower bound and pairwise half-distance, cannot change cluster. Otherwise Hamerly
  // rescans every centroid, as plain Lloyd does; Elkan measures only the centroids its bounds do
  // not rule out. Bounds are in (not squared) standardised
  // units; a relative margin keeps float rounding from ever skipping a row plain Lloyd would move,
  // ties included. With k = 100 on 12,782 rows, Hamerly's one bound rescanned most rows on every
  // iteration.
  const assign = new Int32Array(n).fill(-1);
  const counts = new Float64Array(k);
  const upper = new Float64Array(n);
  const elkan = n * k <= ELKAN_MAX_BOUNDS;
  // Hamerly: n bounds; Elkan: n × k, row-major (row r's bound to centroid c at r·k + c).
  const lower = new Float64Array(elkan ? n * k : n);
  // Elkan's bounds are stored plus their centroid's drift (the sum of its moves so far) at the time,
  // so that moving every bound each iteration (n × k subtractions, most of the time once the
  // distances were few) is one subtraction of the current drift when a bound is read. The bound
  // read differs from repeated subtraction by a few ulps of the drift: DRIFT_SLACK covers that.
  const drift = new Float64Array(k);
  const half = new Float64Array(k); // half the distance to the nearest other centroid
  const halfPair = elkan ? new Float64Array(k * k) : undefined; // half the distance between two centroids
  const moved = new Float64Array(k);
  const previous = new Float64Array(k * d);
  for (let it = 0; it < maxIterations; it++) {
    let changed = 0;
    for (let r = 0; r < n; r++) {
      if (it > 0) {
        const a = assign[r];
        if (elkan) {
          if (upper[r] < half[a] * MARGIN) continue;
          const own = scaledDistance(X, r, C, a, d, invScale);
          const u = Math.sqrt(own);
          upper[r] = u;
          if (u < half[a] * MARGIN) continue;
          // Only the centroids the bounds cannot rule out are measured, in index order with the
          // row's own: those ruled out are farther than `u` beyond rounding, so the first nearest
          // among the measured is the one plain Lloyd's full scan picks.
          const base = r * k;
          const pair = a * k;
          let best = -1;
          let bestD = Infinity;
          for (let c = 0; c < k; c++) {
            let dd = own;
            if (c !== a) {
              if (u < (lower[base + c] - drift[c]) * MARGIN - drift[c] * DRIFT_SLACK || u < halfPair![pair + c] * MARGIN) continue;
              dd = scaledDistance(X, r, C, c, d, invScale);
            }
            lower[base + c] = Math.sqrt(dd) + drift[c];
            if (dd < bestD) {
              bestD = dd;
              best = c;
            }
          }
          upper[r] = Math.sqrt(bestD);
          if (best !== a) {
            assign[r] = best;
            changed++;
          }
          continue;
        } else {
          const bound = Math.max(half[a], lower[r]) * MARGIN;
          if (upper[r] < bound) continue;
          upper[r] = Math.sqrt(scaledDistance(X, r, C, a, d, invScale));
          if (upper[r] < bound) continue;
        }
      }
      // Every centroid, in index order (plain Lloyd's tie rule: the first nearest wins).
      let best = 0;
      let bestD = Infinity;
      let secondD = Infinity;
      const base = r * k;
      for (let c = 0; c < k; c++) {
        const dd = scaledDistance(X, r, C, c, d, invScale);
        if (elkan) lower[base + c] = Math.sqrt(dd) + drift[c];
        if (dd < bestD) {
          secondD = bestD;
          bestD = dd;
          best = c;
        } else if (dd < secondD) secondD = dd;
      }
      upper[r] = Math.sqrt(bestD);
      if (!elkan) lower[r] = Math.sqrt(secondD);
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
    previous.set(C);
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let f = 0; f < d; f++) C[c * d + f] = sums[c * d + f] / counts[c];
    }
    if (changed === 0) break;
    // Move the bounds by how far the centroids moved; recompute the centroid separations.
    let most = 0;
    let mostAt = -1;
    let second = 0;
    for (let c = 0; c < k; c++) {
      let acc = 0;
      for (let f = 0; f < d; f++) {
        const diff = (C[c * d + f] - previous[c * d + f]) * invScale[f];
        acc += diff * diff;
      }
      moved[c] = Math.sqrt(acc);
      drift[c] += moved[c];
      if (moved[c] > most) {
        second = most;
        most = moved[c];
        mostAt = c;
      } else if (moved[c] > second) second = moved[c];
    }
    for (let r = 0; r < n; r++) {
      const a = assign[r];
      upper[r] += moved[a];
      if (!elkan) lower[r] -= a === mostAt ? second : most;
    }
    half.fill(Infinity);
    for (let c = 0; c < k; c++) {
      for (let o = c + 1; o < k; o++) {
        let acc = 0;
        for (let f = 0; f < d; f++) {
          const diff = (C[c * d + f] - C[o * d + f]) * invScale[f];
          acc += diff * diff;
        }
        const h = Math.sqrt(acc) / 2;
        if (halfPair) {
          halfPair[c * k + o] = h;
          halfPair[o * k + c] = h;
        }
        if (h < half[c]) half[c] = h;
        if (h < half[o]) half[o] = h;
      }
    }
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
