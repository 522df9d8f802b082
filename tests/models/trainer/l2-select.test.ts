import { test } from 'vitest';
import assert from 'node:assert/strict';
import { L2_FOLDS, L2_FOLD_SHARE, predictProba, selectL2, train, type TrainingData } from '../../../models/index.ts';
import { seededRandom } from '../../support/fixtures.ts';

// Rolling-origin selection of the logistic's L2 (issue 19): it picks what the folds say is best in both
// directions, never lets a fold's model see its own rows or the validation slice, and is deterministic.

/** Two-way rows: the log-odds are `signal · x0`; the other `nNoise` columns carry nothing. */
function rows(nRows: number, nNoise: number, signal: number, seed: number): TrainingData {
  const r = seededRandom(seed);
  const nFeatures = 1 + nNoise;
  const X = new Float32Array(nRows * nFeatures);
  const y = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < nFeatures; j++) X[i * nFeatures + j] = Math.fround(r() * 2 - 1);
    const p = 1 / (1 + Math.exp(-signal * X[i * nFeatures]!));
    y[i] = r() < p ? 1 : 0;
  }
  return { X, y, nRows, nFeatures, classes: ['away', 'home'] };
}

// Full passes with no early stopping (validationFraction 0), so only L2 holds the noise weights back.
const OVERFIT = { algo: 'logistic' as const, validationFraction: 0, epochs: 150, batchSize: 64, learningRate: 0.05, seed: 3 };

test('with many noise columns and few rows, the folds pick the strong L2', async () => {
  const d = rows(900, 60, 0.8, 11);
  const fit = await train(d, { ...OVERFIT, l2: 1e-4, l2Select: 'rolling', l2Candidates: [0, 1e-4, 0.1] });
  const s = fit.l2Selection!;
  assert.equal(s.chosen, 0.1, JSON.stringify(s.candidates));
  assert.equal(fit.params.l2, 0.1, 'the final model is trained with the chosen L2');
  assert.ok(s.versusCurrent && s.versusCurrent.hi < 0, 'the gain over the configured l2 is clear on these rows');
  // The folds' scores are honest: a fresh data set from the same process agrees the strong L2 is better.
  const fresh = rows(4000, 60, 0.8, 12);
  const loss = async (l2: number) => {
    const m = (await train(d, { ...OVERFIT, l2 })).model;
    const p = predictProba(m, fresh.X, fresh.nRows);
    let sum = 0;
    for (let i = 0; i < fresh.nRows; i++) sum -= Math.log(Math.max(fresh.y[i] ? p[2 * i + 1]! : p[2 * i]!, 1e-15));
    return sum / fresh.nRows;
  };
  assert.ok((await loss(0.1)) < (await loss(1e-4)));
});

test('with a strong signal and few columns, the folds keep a weak L2 over a crushing one', async () => {
  const d = rows(3000, 2, 3, 21);
  const fit = await train(d, { ...OVERFIT, epochs: 20, l2: 0.5, l2Select: 'rolling', l2Candidates: [0.5, 1e-4] });
  assert.equal(fit.l2Selection!.chosen, 1e-4, JSON.stringify(fit.l2Selection!.candidates));
  assert.equal(fit.params.l2, 1e-4);
});

test('folds are consecutive, end at the validation slice, and each is scored by a model fitted only on the rows before it', async () => {
  const d = rows(2000, 3, 1, 31);
  const nTrain = 1700;
  const calls: Array<{ rows: number; l2: number }> = [];
  const fitOn = async (n: number, l2: number) => {
    calls.push({ rows: n, l2 });
    const sub = { ...d, X: d.X.subarray(0, n * d.nFeatures), y: (d.y as Int32Array).subarray(0, n), nRows: n };
    return (await train(sub, { ...OVERFIT, epochs: 5, l2 })).model;
  };
  const a = await selectL2(d, nTrain, [1e-4, 0.01], 1e-4, fitOn);
  const foldRows = Math.floor((nTrain * L2_FOLD_SHARE) / L2_FOLDS);
  assert.equal(a.folds.length, L2_FOLDS);
  assert.equal(a.folds.at(-1)!.to, nTrain);
  a.folds.forEach((f, i) => {
    assert.equal(f.to - f.from, foldRows);
    if (i > 0) assert.equal(f.from, a.folds[i - 1]!.to);
  });
  assert.deepEqual(calls.map((c) => c.rows), [...a.folds.map((f) => f.from), ...a.folds.map((f) => f.from)]);
  // The rows after nTrain (the validation slice) are never read: changing their labels changes nothing.
  const flipped = { ...d, y: Int32Array.from(d.y as Int32Array, (v, i) => (i >= nTrain ? 1 - v : v)) };
  const b = await selectL2(flipped, nTrain, [1e-4, 0.01], 1e-4, fitOn);
  assert.deepEqual(b, a, 'deterministic, and blind to the validation slice');
});

test('too few training rows: the configured l2 is kept and the skip is reported', async () => {
  const d = rows(400, 2, 1, 41);
  const fit = await train(d, { algo: 'logistic', epochs: 3, l2: 0.02, l2Select: 'rolling' });
  assert.equal(fit.params.l2, 0.02);
  assert.equal(fit.l2Selection!.chosen, 0.02);
  assert.match(fit.l2Selection!.skipped ?? '', /fewer than/);
});
