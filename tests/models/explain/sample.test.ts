// Seeded row samples bound the explanation artifacts' cost on large windows (k-means background,
// permutation importance), and the default epochs shrink above 50,000 rows. Both must be
// deterministic, exact in size, and leave small inputs (the real-data windows) untouched.
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { epochsWithinBudget, explainableModelOf, gatherRows, permutationImportance, sampleRowIndices, selectBackground, train, type ExplainableModel } from '../../../models/index.ts';
import { createSfc32 } from '../../../core/index.ts';
import { isAppError } from '../../../core/errors.ts';

function matrix(n: number, d: number, seed: number): Float64Array {
  const rng = createSfc32(seed, 'fixed');
  return Float64Array.from({ length: n * d }, () => rng() * 4 - 2);
}

describe('sampleRowIndices', () => {
  it('is deterministic per seed, exactly k distinct ascending indices in range', () => {
    for (const [n, k] of [[100_000, 40_000], [1000, 1], [1000, 999], [7, 3]] as const) {
      const a = sampleRowIndices(n, k, 5);
      assert.deepEqual(a, sampleRowIndices(n, k, 5));
      assert.equal(a.length, k);
      assert.equal(new Set(a).size, k, 'no duplicates');
      for (let i = 0; i < k; i++) {
        assert.ok(a[i]! >= 0 && a[i]! < n);
        if (i > 0) assert.ok(a[i]! > a[i - 1]!, 'ascending');
      }
    }
    assert.notDeepEqual(sampleRowIndices(100_000, 40_000, 5), sampleRowIndices(100_000, 40_000, 6));
  });

  it('spreads over the whole range (a uniform sample, not a prefix)', () => {
    const a = sampleRowIndices(100_000, 40_000, 1);
    const firstHalf = a.filter((r) => r < 50_000).length;
    assert.ok(Math.abs(firstHalf - 20_000) < 600, `${firstHalf} of 40,000 in the first half`);
  });

  it('gives every row when k >= n, and refuses non-integers', () => {
    assert.deepEqual(Array.from(sampleRowIndices(5, 5, 1)), [0, 1, 2, 3, 4]);
    assert.deepEqual(Array.from(sampleRowIndices(5, 9, 1)), [0, 1, 2, 3, 4]);
    assert.equal(sampleRowIndices(0, 3, 1).length, 0);
    assert.throws(() => sampleRowIndices(10, 2.5, 1), (e: unknown) => isAppError(e) && e.code === 'MODEL_INPUT_INVALID');
    assert.throws(() => sampleRowIndices(-1, 2, 1), (e: unknown) => isAppError(e) && e.code === 'MODEL_INPUT_INVALID');
  });

  it('gatherRows copies the chosen rows in order', () => {
    const X = Float64Array.from({ length: 12 }, (_, i) => i);
    assert.deepEqual(Array.from(gatherRows(X, 3, [3, 0])), [9, 10, 11, 0, 1, 2]);
  });
});

describe('selectBackground sampleRows', () => {
  it('is the background of the seeded sample above the limit, and every row at or below it', () => {
    const n = 3000;
    const d = 4;
    const X = matrix(n, d, 3);
    const sampled = selectBackground(X, n, d, { size: 10, seed: 7, sampleRows: 500 });
    const bySample = selectBackground(gatherRows(X, d, sampleRowIndices(n, 500, 7)), 500, d, { size: 10, seed: 7 });
    assert.deepEqual(sampled, bySample);
    assert.deepEqual(sampled, selectBackground(X, n, d, { size: 10, seed: 7, sampleRows: 500 }), 'deterministic');
    assert.notDeepEqual(sampled, selectBackground(X, n, d, { size: 10, seed: 7 }));
    // At or below the limit the option changes nothing (the soccer base set's windows).
    assert.deepEqual(selectBackground(X, n, d, { size: 10, seed: 7, sampleRows: n }), selectBackground(X, n, d, { size: 10, seed: 7 }));
    assert.throws(() => selectBackground(X, n, d, { size: 10, sampleRows: 5 }), (e: unknown) => isAppError(e) && e.code === 'MODEL_INPUT_INVALID');
  });
});

describe('permutationImportance sampleRows', () => {
  it('measures the seeded sample of rows and labels above the limit, every row at or below it', async () => {
    const n = 2000;
    const d = 3;
    const X = matrix(n, d, 11);
    const labels = Int32Array.from({ length: n }, (_, r) => (X[r * d]! > 0.5 ? 0 : X[r * d]! < -0.5 ? 2 : 1));
    const { model } = await train({ X: Float32Array.from(X), y: labels, nRows: n, nFeatures: d, classes: ['home', 'draw', 'away'] }, { algo: 'logistic', epochs: 5, seed: 1 });
    const explainable: ExplainableModel = explainableModelOf(model);
    const rows = sampleRowIndices(n, 300, 4);
    const sampled = permutationImportance(explainable, X, n, labels, { seed: 4, nRepeats: 2, sampleRows: 300 });
    const direct = permutationImportance(explainable, gatherRows(X, d, rows), 300, Int32Array.from(rows, (r) => labels[r]!), { seed: 4, nRepeats: 2 });
    assert.deepEqual(sampled, direct);
    assert.notEqual(sampled.baselineLoss, permutationImportance(explainable, X, n, labels, { seed: 4, nRepeats: 2 }).baselineLoss);
    assert.deepEqual(permutationImportance(explainable, X, n, labels, { seed: 4, nRepeats: 2, sampleRows: n }), permutationImportance(explainable, X, n, labels, { seed: 4, nRepeats: 2 }));
  });
});

describe('epochsWithinBudget', () => {
  it('keeps the default up to 50,000 rows and caps it at ceil(3e6 / rows) above', () => {
    assert.equal(epochsWithinBudget(12_782, 60), 60);
    assert.equal(epochsWithinBudget(50_000, 60), 60);
    assert.equal(epochsWithinBudget(50_001, 60), 60);
    assert.equal(epochsWithinBudget(100_000, 60), 30);
    assert.equal(epochsWithinBudget(450_000, 60), 7);
    assert.equal(epochsWithinBudget(450_000, 5), 5, 'never raises the epochs');
    assert.equal(epochsWithinBudget(10_000_000, 60), 1);
  });

  it('train caps only epochs the caller did not name', async () => {
    const n = 60_000;
    const d = 2;
    const X = matrix(n, d, 21);
    const y = Int32Array.from({ length: n }, (_, r) => (X[r * d]! > 0 ? 1 : 0));
    const data = { X: Float32Array.from(X), y, nRows: n, nFeatures: d, classes: ['no', 'yes'] };
    const capped = await train(data, { algo: 'logistic', earlyStoppingPatience: 0, batchSize: 4096 });
    assert.equal(capped.params.epochs, 50);
    assert.equal(capped.history.length, 50);
    const named = await train(data, { algo: 'logistic', epochs: 55, earlyStoppingPatience: 0, batchSize: 4096 });
    assert.equal(named.params.epochs, 55);
    assert.equal(named.history.length, 55);
  });
});
