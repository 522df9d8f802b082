/**
 * The float32 onnxruntime exact engine (models/explain/onnx-exact.ts) against the float64 exact
 * engine on small random ReLU networks: every Shapley value within 1e-5 (float32 coalition
 * values; measured ~1e-8 on these models), additivity exact, for both output kinds and spaces,
 * with groups, and the fallback when the model has no network form.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createAsyncExplainer, createExplainer, explainableModelOf, selectBackground, type DenseModel } from '../../../models/index.ts';
import { gaussianMatrix, randomNetwork } from './fixtures.ts';

/** Values of the two engines may differ by float32 rounding of coalition values, no more. */
const TOLERANCE = 1e-5;

function maxDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const cases = [
  { hidden: [16, 8], classes: 3, groups: undefined },
  { hidden: [12], classes: 3, groups: [[0, 1], [4, 6]] },
  { hidden: [10, 6], classes: 2, groups: undefined },
  { hidden: [8, 6, 4], classes: 3, groups: undefined },
];

describe('onnxruntime exact SHAP equals the float64 exact engine', () => {
  for (const [seed, { hidden, classes, groups }] of cases.entries()) {
    for (const space of ['probability', 'logodds'] as const) {
      it(`hidden [${hidden}], ${classes} classes, ${space}${groups ? ', grouped' : ''}`, async () => {
        const d = 7;
        const model = explainableModelOf(randomNetwork(d, hidden, classes, seed + 1));
        const X = gaussianMatrix(60, d, 100 + seed);
        const background = selectBackground(X, 60, d, { size: 25, seed: 2 });
        const options = { background, engine: 'exact' as const, outputSpace: space, ...(groups ? { groups } : {}) };
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
            assert.deepEqual(got[r]!.outputs.map((o) => o.prediction), want[r]!.outputs.map((o) => o.prediction));
          }
        } finally {
          await fast.release();
        }
      });
    }
  }

  it('falls back to the JavaScript engine for a model without a network form', async () => {
    const { network: _n, ...blackBox } = explainableModelOf(randomNetwork(5, [6], 3, 9));
    const background = selectBackground(gaussianMatrix(30, 5, 7), 30, 5, { size: 10, seed: 2 });
    const fast = await createAsyncExplainer(blackBox, { background, engine: 'exact' });
    assert.equal(fast.asyncEngine, 'js');
    const x = gaussianMatrix(1, 5, 8);
    assert.deepEqual((await fast.explainRowsAsync(x, 1))[0]!.phi, fast.explain(x).phi);
  });
});
