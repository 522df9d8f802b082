/**
 * The onnxruntime exact engine's reduced games (models/explain/onnx-exact.ts): a background row
 * that shares some players' values with x is evaluated on the 2^d coalitions of the d players
 * that differ, and a row equal to x everywhere is not run. These tests build backgrounds where
 * many players coincide with x (random subsets, a row equal everywhere, a row equal nowhere,
 * groups with one feature equal and one not) and hold the Shapley values to the brute-force
 * 2^M × K definition, to the unreduced engine, and the work to Σ_b 2^{d_b}. A wrong spread of the
 * reduced table onto the full one, a wrong equal-player test or a wrong weight would fail them.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createExplainer, explainableModelOf, type Background } from '../../../models/index.ts';
import { createOnnxExactEngine } from '../../../models/explain/onnx-exact.ts';
import { prepare } from '../../../models/explain/prepare.ts';
import { seededRandom } from '../../support/fixtures.ts';
import { gaussianMatrix, maxDiff, randomNetwork, referenceShapley } from './fixtures.ts';

/** float32 coalition values against float64: measured ~1e-8 on these networks. */
const TOLERANCE = 1e-5;

/** K rows around x: row 0 equals x everywhere, row 1 nowhere, the others copy x's value of each feature with probability `pEqual`. */
function coincidingBackground(x: Float64Array, K: number, seed: number, pEqual: number): Background {
  const d = x.length;
  const r = seededRandom(seed);
  const data = gaussianMatrix(K, d, seed + 1);
  for (let b = 0; b < K; b++) for (let f = 0; f < d; f++) if (b === 0 || (b > 1 && r() < pEqual)) data[b * d + f] = x[f];
  const weights = Float64Array.from({ length: K }, () => 0.2 + r());
  return { data, nRows: K, weights };
}

const cases = [
  { hidden: [12, 8], classes: 3, pEqual: 0.5 },
  { hidden: [10], classes: 2, pEqual: 0.7 },
  { hidden: [8, 6, 5], classes: 3, pEqual: 0.3 },
];

describe('onnxruntime exact SHAP on reduced games', () => {
  for (const [seed, { hidden, classes, pEqual }] of cases.entries()) {
    it(`hidden [${hidden}], ${classes} classes, ${Math.round(pEqual * 100)} % of features equal: brute force, unreduced engine, work`, async () => {
      const d = 7;
      const model = explainableModelOf(randomNetwork(d, hidden, classes, seed + 3));
      const x = gaussianMatrix(1, d, 40 + seed);
      const background = coincidingBackground(x, 24, 50 + seed, pEqual);
      const p = prepare(model, { background });
      const reduced = await createOnnxExactEngine(p);
      const full = await createOnnxExactEngine(p, { reduce: false });
      try {
        const [got] = await reduced.run(x, 1);
        const [unreduced] = await full.run(x, 1);
        const want = referenceShapley((X, n) => model.predict(X, n), x, background, p.players.map((q) => [...q.featureIndices]), model.nOutputs).flat();
        assert.ok(maxDiff(got!.phi, want) <= TOLERANCE, `reduced vs brute force: ${maxDiff(got!.phi, want)}`);
        assert.ok(maxDiff(got!.phi, unreduced!.phi) <= TOLERANCE, `reduced vs unreduced: ${maxDiff(got!.phi, unreduced!.phi)}`);
        const sum = Array.from(got!.base, (v, c) => v + Array.from({ length: d }, (_, i) => got!.phi[i * model.nOutputs + c]!).reduce((a, b) => a + b, 0));
        assert.ok(maxDiff(sum, got!.prediction) <= 1e-12, 'additive');

        // Work: Σ 2^{d_b} over rows not equal to x everywhere; row 0 (equal) not run, row 1 (none equal) on all 2^d.
        const w = reduced.lastWork!;
        let expected = 0;
        const byDiffering = new Array<number>(d + 1).fill(0);
        for (let b = 0; b < p.background.nRows; b++) {
          let differ = 0;
          for (let f = 0; f < d; f++) if (x[f] !== p.background.data[b * d + f]) differ++;
          byDiffering[differ]!++;
          if (differ > 0) expected += 1 << differ;
        }
        assert.ok(byDiffering[0]! >= 1 && byDiffering[d]! >= 1, 'the background has an all-equal and a none-equal row');
        assert.ok(byDiffering.slice(1, d).some((n) => n > 0), 'and partly equal rows');
        assert.equal(w.evaluated, expected);
        assert.deepEqual(w.rowsByDiffering, byDiffering);
        assert.equal(full.lastWork!.evaluated, p.background.nRows << d);
      } finally {
        await reduced.release();
        await full.release();
      }
    });
  }

  it('log-odds, with groups: a group differs when any of its features does', async () => {
    const d = 8;
    const groups = [
      [0, 1],
      [2, 3, 4],
    ];
    const model = explainableModelOf(randomNetwork(d, [10, 6], 3, 11));
    const x = gaussianMatrix(1, d, 12);
    const background = coincidingBackground(x, 20, 13, 0.6);
    // Row 2: feature 0 equal, feature 1 not, so group [0, 1] differs; row 3 equal on the whole group [2, 3, 4] only.
    for (let f = 0; f < d; f++) {
      background.data[2 * d + f] = f === 0 ? x[f]! : x[f]! + 1;
      background.data[3 * d + f] = f >= 2 && f <= 4 ? x[f]! : x[f]! - 1;
    }
    const options = { background, outputSpace: 'logodds' as const, groups, engine: 'exact' as const };
    const p = prepare(model, options);
    const reduced = await createOnnxExactEngine(p);
    try {
      const [got] = await reduced.run(x, 1);
      const want = createExplainer(model, options).explain(x);
      assert.ok(maxDiff(got!.phi, want.phi) <= TOLERANCE, `vs float64 engine: ${maxDiff(got!.phi, want.phi)}`);
      // Players: the two groups, then features 5, 6, 7. Row 2 differs on all 5 players, row 3 on 4.
      assert.equal(p.players.length, 5);
      assert.ok(reduced.lastWork!.rowsByDiffering[5]! >= 1 && reduced.lastWork!.rowsByDiffering[4]! >= 1);
    } finally {
      await reduced.release();
    }
  });

  it('a background equal to x everywhere but one row: only that row is run, values as brute force', async () => {
    const d = 6;
    const model = explainableModelOf(randomNetwork(d, [9, 7], 3, 21));
    const x = gaussianMatrix(1, d, 22);
    const data = new Float64Array(5 * d);
    for (let b = 0; b < 5; b++) data.set(x, b * d);
    data[4 * d + 1] += 0.7;
    data[4 * d + 4] -= 1.3;
    // Rows 0..3 are one row after deduplication (weight merged); row 4 differs on features 1 and 4.
    const background = { data, nRows: 5, weights: Float64Array.from([1, 2, 3, 4, 5]) };
    const p = prepare(model, { background });
    const reduced = await createOnnxExactEngine(p);
    try {
      const [got] = await reduced.run(x, 1);
      const want = referenceShapley((X, n) => model.predict(X, n), x, background, p.players.map((q) => [...q.featureIndices]), 3).flat();
      assert.ok(maxDiff(got!.phi, want) <= TOLERANCE, `${maxDiff(got!.phi, want)}`);
      assert.equal(reduced.lastWork!.evaluated, 4);
      for (const f of [0, 2, 3, 5]) for (let c = 0; c < 3; c++) assert.equal(got!.phi[f * 3 + c], 0, `feature ${f} equal everywhere: φ = 0`);
    } finally {
      await reduced.release();
    }
  });

  it('logits hundreds apart: probabilities stay finite (an overflowing exp gives p = 0), values as the float64 engine', async () => {
    const d = 6;
    const dense = randomNetwork(d, [8], 3, 31);
    const last = dense.layers[dense.layers.length - 1]!;
    last.weights = last.weights.map((v) => v * 400);
    const model = explainableModelOf(dense);
    const x = gaussianMatrix(1, d, 32);
    const background = coincidingBackground(x, 16, 33, 0.3);
    const p = prepare(model, { background });
    const engine = await createOnnxExactEngine(p);
    try {
      const [got] = await engine.run(x, 1);
      const want = createExplainer(model, { background, engine: 'exact' }).explain(x);
      assert.ok(got!.phi.every(Number.isFinite), 'finite');
      assert.ok(maxDiff(got!.phi, want.phi) <= TOLERANCE, `${maxDiff(got!.phi, want.phi)}`);
      assert.ok(want.phi.some((v) => Math.abs(v) > 0.05), 'the model is far from flat');
    } finally {
      await engine.release();
    }
  });
});
