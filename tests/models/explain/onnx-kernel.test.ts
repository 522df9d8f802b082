/**
 * The float32 onnxruntime kernel engine (models/explain/onnx-kernel.ts) against the float64 kernel
 * engine with the same settings: the same coalitions, the same background draws and control
 * variate, so every Shapley value agrees within float32 rounding of the coalition values
 * (measured ~1e-8), additivity exact, for both output kinds and spaces, with groups, with and
 * without background subsampling, and the fallback when the model has no network form.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createAsyncExplainer, createExplainer, explainableModelOf, selectBackground } from '../../../models/index.ts';
import { gaussianMatrix, randomNetwork } from './fixtures.ts';

const TOLERANCE = 1e-5;

function maxDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const cases = [
  { hidden: [16, 8], classes: 3, groups: undefined, nSamples: 64, backgroundSamples: 5 },
  { hidden: [12], classes: 3, groups: [[0, 1], [4, 6]], nSamples: 40, backgroundSamples: 3 },
  { hidden: [10, 6], classes: 2, groups: undefined, nSamples: 80, backgroundSamples: undefined },
  { hidden: [8, 6, 4], classes: 3, groups: undefined, nSamples: 126, backgroundSamples: 7 },
];

describe('onnxruntime kernel SHAP equals the float64 kernel engine', () => {
  for (const [seed, { hidden, classes, groups, nSamples, backgroundSamples }] of cases.entries()) {
    for (const space of ['probability', 'logodds'] as const) {
      it(`hidden [${hidden}], ${classes} classes, ${space}, ${nSamples} coalitions × ${backgroundSamples ?? 'all'} draws${groups ? ', grouped' : ''}`, async () => {
        const d = 7;
        const model = explainableModelOf(randomNetwork(d, hidden, classes, seed + 1));
        const X = gaussianMatrix(60, d, 100 + seed);
        const background = selectBackground(X, 60, d, { size: 25, seed: 2 });
        const options = { background, engine: 'kernel' as const, outputSpace: space, nSamples, seed: 3, ...(backgroundSamples ? { backgroundSamples } : {}), ...(groups ? { groups } : {}) };
        const reference = createExplainer(model, options);
        const fast = await createAsyncExplainer(model, options);
        try {
          assert.equal(fast.asyncEngine, 'onnxruntime');
          const rows = gaussianMatrix(3, d, 200 + seed);
          const want = reference.explainRows(rows, 3);
          const got = await fast.explainRowsAsync(rows, 3);
          for (let r = 0; r < 3; r++) {
            const diff = maxDiff(want[r]!.phi, got[r]!.phi);
            assert.ok(diff <= TOLERANCE, `row ${r}: max |Δφ| ${diff}`);
            assert.ok(Math.max(...got[r]!.outputs.map((o) => o.residual)) < 1e-12, 'additive');
            assert.equal(got[r]!.engine, 'kernel');
            assert.equal(got[r]!.approximate, want[r]!.approximate);
          }
        } finally {
          await fast.release();
        }
      });
    }
  }

  it('a different draw of background rows gives different values (the comparison above can fail)', async () => {
    const model = explainableModelOf(randomNetwork(6, [10, 6], 3, 4));
    const background = selectBackground(gaussianMatrix(60, 6, 5), 60, 6, { size: 25, seed: 2 });
    const options = { background, engine: 'kernel' as const, nSamples: 40, backgroundSamples: 2 };
    const fast = await createAsyncExplainer(model, { ...options, seed: 1 });
    try {
      const x = gaussianMatrix(1, 6, 8);
      const other = createExplainer(model, { ...options, seed: 2 }).explain(x);
      assert.ok(maxDiff((await fast.explainRowsAsync(x, 1))[0]!.phi, other.phi) > 1e-4);
    } finally {
      await fast.release();
    }
  });

  it('falls back to the JavaScript engine for a model without a network form', async () => {
    const { network: _n, ...blackBox } = explainableModelOf(randomNetwork(5, [6], 3, 9));
    const background = selectBackground(gaussianMatrix(30, 5, 7), 30, 5, { size: 10, seed: 2 });
    const fast = await createAsyncExplainer(blackBox, { background, engine: 'kernel', nSamples: 20, backgroundSamples: 3 });
    assert.equal(fast.asyncEngine, 'js');
    const x = gaussianMatrix(1, 5, 8);
    assert.deepEqual((await fast.explainRowsAsync(x, 1))[0]!.phi, fast.explain(x).phi);
  });
});
