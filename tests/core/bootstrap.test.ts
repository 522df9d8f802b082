import { test } from 'vitest';
import assert from 'node:assert/strict';
import { createRandomStream, pairedBootstrap } from '../../core/index.ts';

// pairedBootstrap inlines mulberry32 for speed; its stored intervals must stay those of the plain
// createRandomStream loop (seeded, reproducible from a stored version's figures).
function reference(diffs: number[], resamples: number, level: number, seed: number) {
  const n = diffs.length;
  const rng = createRandomStream(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += diffs[Math.floor(rng() * n)]!;
    means[b] = s / n;
  }
  means.sort();
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))]!;
  return { lo: at((1 - level) / 2), hi: at(1 - (1 - level) / 2) };
}

test('pairedBootstrap draws the same resamples as createRandomStream', () => {
  const rng = createRandomStream(17);
  for (const [n, resamples, level, seed] of [[997, 500, 0.95, 1], [31, 2000, 0.9, 4_000_000_123], [2, 64, 0.5, 0]] as const) {
    const diffs = Array.from({ length: n }, () => rng() - 0.45);
    const got = pairedBootstrap(diffs, { resamples, level, seed })!;
    const want = reference(diffs, resamples, level, seed);
    assert.equal(got.lo, want.lo, `lo n=${n}`);
    assert.equal(got.hi, want.hi, `hi n=${n}`);
    assert.equal(got.n, n);
    assert.ok(got.lo < got.hi);
  }
  assert.equal(pairedBootstrap([]), null);
});
