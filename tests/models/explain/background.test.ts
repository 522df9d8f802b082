// The k-means background skips rows by Elkan's (or Hamerly's) bounds; it must stay exactly plain Lloyd: the
// same centroids, weights and iteration count, bit for bit, ties (duplicate rows) included.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { selectBackground } from '../../../models/index.ts';
import { createSfc32, randomInt } from '../../../core/index.ts';

/** Plain Lloyd from the same k-means++ seeding and the same standardised distances. */
function lloyd(X: Float64Array, n: number, d: number, k: number, seed: number, maxIterations = 50): { data: Float64Array; weights: Float64Array } {
  const rng = createSfc32(seed, 'fixed');
  const inv = new Float64Array(d);
  for (let f = 0; f < d; f++) {
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < n; r++) {
      s += X[r * d + f]!;
      s2 += X[r * d + f]! ** 2;
    }
    const v = s2 / n - (s / n) ** 2;
    inv[f] = v > 1e-24 ? 1 / Math.sqrt(v) : 1;
  }
  const C = new Float64Array(k * d);
  const dist = (r: number, c: number) => {
    let acc = 0;
    for (let f = 0; f < d; f++) acc += ((X[r * d + f]! - C[c * d + f]!) * inv[f]!) ** 2;
    return acc;
  };
  const nearest = new Float64Array(n).fill(Infinity);
  let pick = randomInt(rng, n);
  for (let c = 0; c < k; c++) {
    C.set(X.subarray(pick * d, (pick + 1) * d), c * d);
    let total = 0;
    for (let r = 0; r < n; r++) {
      nearest[r] = Math.min(nearest[r]!, dist(r, c));
      total += nearest[r]!;
    }
    if (c + 1 === k) break;
    if (total <= 0) {
      pick = randomInt(rng, n);
      continue;
    }
    let target = rng() * total;
    pick = n - 1;
    for (let r = 0; r < n; r++) if ((target -= nearest[r]!) < 0) { pick = r; break; }
  }
  const assign = new Int32Array(n).fill(-1);
  const counts = new Float64Array(k);
  for (let it = 0; it < maxIterations; it++) {
    let changed = 0;
    for (let r = 0; r < n; r++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) if (dist(r, c) < bestD) [bestD, best] = [dist(r, c), c];
      if (assign[r] !== best) [assign[r], changed] = [best, changed + 1];
    }
    counts.fill(0);
    const sums = new Float64Array(k * d);
    for (let r = 0; r < n; r++) {
      counts[assign[r]!]!++;
      for (let f = 0; f < d; f++) sums[assign[r]! * d + f]! += X[r * d + f]!;
    }
    for (let c = 0; c < k; c++) if (counts[c]! > 0) for (let f = 0; f < d; f++) C[c * d + f] = sums[c * d + f]! / counts[c]!;
    if (changed === 0) break;
  }
  const kept = [...counts.keys()].filter((c) => counts[c]! > 0);
  return { data: Float64Array.from(kept.flatMap((c) => [...C.subarray(c * d, (c + 1) * d)])), weights: Float64Array.from(kept, (c) => counts[c]! / n) };
}

test('k-means background equals plain Lloyd exactly (skewed, discrete and duplicated rows; Elkan and Hamerly bounds)', () => {
  const rng = createSfc32(5, 'fixed');
  // The last case has n × k above Elkan's bound, so it runs Hamerly's single bound.
  for (const [n, d, k, iterations] of [[900, 4, 25, 50], [400, 7, 12, 50], [300, 3, 40, 3], [42_000, 2, 100, 2]] as const) {
    const X = new Float64Array(n * d);
    for (let r = 0; r < n; r++) {
      // Every fifth row repeats an earlier one; column 1 takes three values only: ties abound.
      const from = r % 5 === 4 ? r - 3 : -1;
      for (let f = 0; f < d; f++) X[r * d + f] = from >= 0 ? X[from * d + f]! : f === 1 ? Math.floor(rng() * 3) : (rng() + rng()) ** (f + 1) * 10;
    }
    const got = selectBackground(X, n, d, { size: k, method: 'kmeans', seed: 9, maxIterations: iterations });
    const want = lloyd(X, n, d, k, 9, iterations);
    assert.deepEqual(Array.from(got.data), Array.from(want.data), `centroids n=${n} d=${d} k=${k}`);
    assert.deepEqual(Array.from(got.weights!), Array.from(want.weights), `weights n=${n} d=${d} k=${k}`);
  }
});
