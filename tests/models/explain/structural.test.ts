/**
 * The structural evaluators (models/explain/structural.ts) against the row-by-row path on random
 * dense networks: the same model with and without its network form must give the same Shapley
 * values, for every depth the fast path handles, both output kinds and spaces, and both engines.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createExplainer, explainableModelOf, selectBackground, type DenseModel, type ExplainableModel } from '../../../models/index.ts';
import { isAppError } from '../../../core/index.ts';
import { gaussianMatrix, maxDiff, randomNetwork } from './fixtures.ts';

/** The same model seen as a black box: no network form, so every coalition row is a forward pass. */
function blackBox(model: ExplainableModel): ExplainableModel {
  const { network: _network, ...rest } = model;
  return rest;
}

const cases: Array<{ hidden: number[]; classes: number }> = [
  { hidden: [16, 8], classes: 3 },
  { hidden: [12], classes: 3 },
  { hidden: [], classes: 3 },
  { hidden: [10, 6], classes: 2 },
  // Three hidden layers: outside the structural path, which must then step aside.
  { hidden: [8, 6, 4], classes: 3 },
];

describe('structural evaluation of dense networks equals the row-by-row path', () => {
  for (const [seed, { hidden, classes }] of cases.entries()) {
    for (const space of ['probability', 'logodds'] as const) {
      it(`exact: hidden [${hidden}], ${classes} classes, ${space}`, () => {
        const d = 7;
        const fast = explainableModelOf(randomNetwork(d, hidden, classes, seed + 1));
        assert.ok(fast.network, 'a dense model carries its network form');
        const X = gaussianMatrix(60, d, 100 + seed);
        const background = selectBackground(X, 60, d, { size: 25, seed: 2 });
        // Row 2 shares two features with a background row: those players drop out of that row's table.
        const rows = X.slice(0, 3 * d);
        rows[2 * d + 1] = background.data[1]!;
        rows[2 * d + 4] = background.data[4]!;
        const groups = [[0, 5]];
        for (const opts of [{}, { groups }]) {
          const a = createExplainer(fast, { background, engine: 'exact', outputSpace: space, ...opts }).explainRows(rows, 3);
          const b = createExplainer(blackBox(fast), { background, engine: 'exact', outputSpace: space, ...opts }).explainRows(rows, 3);
          a.forEach((e, r) => {
            assert.ok(maxDiff(e.phi, b[r]!.phi) < 1e-12, `row ${r}: |Δφ| ${maxDiff(e.phi, b[r]!.phi)}`);
            for (const o of e.outputs) assert.ok(o.residual < 1e-12, `residual ${o.residual}`);
            e.outputs.forEach((o, k) => assert.equal(o.prediction, b[r]!.outputs[k]!.prediction));
          });
        }
      });
      it(`kernel: hidden [${hidden}], ${classes} classes, ${space}`, () => {
        const d = 16;
        const fast = explainableModelOf(randomNetwork(d, hidden, classes, seed + 7));
        const X = gaussianMatrix(80, d, 200 + seed);
        const background = selectBackground(X, 80, d, { size: 20, seed: 2 });
        for (const backgroundSamples of [undefined, 2]) {
          const options = { background, engine: 'kernel' as const, outputSpace: space, nSamples: 512, seed: 4, ...(backgroundSamples ? { backgroundSamples } : {}) };
          const a = createExplainer(fast, options).explainRows(X.slice(0, 2 * d), 2);
          const b = createExplainer(blackBox(fast), options).explainRows(X.slice(0, 2 * d), 2);
          a.forEach((e, r) => assert.ok(maxDiff(e.phi, b[r]!.phi) < 1e-10, `row ${r}: |Δφ| ${maxDiff(e.phi, b[r]!.phi)}`));
        }
      });
    }
  }

  it('the structural path evaluates far fewer model rows (it is actually taken)', () => {
    const d = 8;
    const fast = explainableModelOf(randomNetwork(d, [8, 4], 3, 9));
    const X = gaussianMatrix(40, d, 9);
    const background = selectBackground(X, 40, d, { size: 10, seed: 2 });
    const a = createExplainer(fast, { background, engine: 'exact' }).explain(X.slice(0, d));
    const b = createExplainer(blackBox(fast), { background, engine: 'exact' }).explain(X.slice(0, d));
    assert.equal(a.stats.modelCalls, 1);
    assert.ok(b.stats.modelRows > 2000);
  });

  it('a network form that disagrees with the model is MODEL_FORMAT_INVALID', () => {
    const fast = explainableModelOf(randomNetwork(5, [4], 3, 3));
    const broken: ExplainableModel = { ...fast, network: { ...fast.network!, mean: new Float64Array(4) } };
    const background = selectBackground(gaussianMatrix(20, 5, 1), 20, 5, { size: 5 });
    assert.throws(
      () => createExplainer(broken, { background, engine: 'exact' }),
      (e: unknown) => isAppError(e) && e.code === 'MODEL_FORMAT_INVALID',
    );
  });
});
