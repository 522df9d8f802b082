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
import { assertFallsBackToJs, assertOnnxMatchesFloat64, gaussianMatrix, maxDiff, randomNetwork } from './fixtures.ts';

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
        await assertOnnxMatchesFloat64(model, options, gaussianMatrix(3, d, 200 + seed), 3, (want, got) => {
          assert.equal(got.engine, 'kernel');
          assert.equal(got.approximate, want.approximate);
        });
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
    await assertFallsBackToJs({ engine: 'kernel', nSamples: 20, backgroundSamples: 3 });
  });
});
