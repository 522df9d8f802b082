import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { isAppError } from '../../../core/errors.ts';
import { explain } from '../../../models/explain/index.ts';
import { gaussianMatrix, nonlinearModel, logisticModel, mlpModel, referenceShapley, singletons, phiMatrix, maxAbsDiff, assertAdditive, makeBackground } from './fixtures.ts';

// The exact engine: brute-force reference, properties (dummy, symmetry, groups), weights and batching.

describe('exact engine', () => {
  it('matches the brute-force reference on a nonlinear model with interactions', () => {
    const model = nonlinearModel();
    const bg = makeBackground(6, 8, 11, [1, 2, 0.5, 1, 3, 1]);
    const x = gaussianMatrix(1, 8, 12);
    const e = explain(model, x, { engine: 'exact', background: bg });
    const ref = referenceShapley(model.predict, x, bg, singletons(8), 3);
    assert.ok(maxAbsDiff(phiMatrix(e, 3), ref) <= 1e-9);
    assert.equal(e.engine, 'exact');
    assert.equal(e.approximate, false);
    assertAdditive(e, 1e-12);
  });

  it('matches the reference on a random MLP and on a softmax-logistic model', () => {
    const mlp = mlpModel(7, 5, 21);
    const bg = makeBackground(5, 7, 22);
    const x = gaussianMatrix(1, 7, 23);
    const e = explain(mlp, x, { engine: 'exact', background: bg });
    assert.ok(maxAbsDiff(phiMatrix(e, 3), referenceShapley(mlp.predict, x, bg, singletons(7), 3)) <= 1e-9);
    assertAdditive(e);

    const lr = logisticModel(6, 3, 31);
    const bg2 = makeBackground(4, 6, 32);
    const x2 = gaussianMatrix(1, 6, 33);
    const e2 = explain(lr, x2, { engine: 'exact', background: bg2 });
    assert.ok(maxAbsDiff(phiMatrix(e2, 3), referenceShapley(lr.predict, x2, bg2, singletons(6), 3)) <= 1e-9);
    const e3 = explain(lr, x2, { engine: 'exact', background: bg2, outputSpace: 'logodds' });
    assert.ok(maxAbsDiff(phiMatrix(e3, 3), referenceShapley(lr.predictLogits!, x2, bg2, singletons(6), 3)) <= 1e-9);
    assertAdditive(e3);
  });

  it('reports base value, prediction and contributions sorted by |shap|', () => {
    const model = nonlinearModel();
    const bg = makeBackground(5, 8, 41);
    const x = gaussianMatrix(1, 8, 42);
    const e = explain(model, x, { engine: 'exact', background: bg });
    const p = model.predict(x, 1);
    const bgOut = model.predict(bg.data, bg.nRows);
    e.outputs.forEach((o, k) => {
      assert.ok(Math.abs(o.prediction - p[k]) < 1e-12);
      let mean = 0;
      for (let b = 0; b < bg.nRows; b++) mean += bgOut[b * 3 + k] / bg.nRows;
      assert.ok(Math.abs(o.baseValue - mean) < 1e-12);
      for (let i = 1; i < o.contributions.length; i++) {
        assert.ok(Math.abs(o.contributions[i - 1].shap) >= Math.abs(o.contributions[i].shap));
      }
      const c2 = o.contributions.find((c) => c.player === 'f2')!;
      assert.deepEqual(c2.values, [x[2]]);
    });
    assert.deepEqual(e.outputs.map((o) => o.output), ['home', 'draw', 'away']);
    // One batched call for everything.
    assert.equal(e.stats.modelCalls, 1);
    assert.equal(e.stats.coalitions, 256);
  });

  it('gives a dummy feature zero and symmetric features equal values', () => {
    const model = nonlinearModel();
    const bg = makeBackground(6, 8, 51);
    for (let b = 0; b < bg.nRows; b++) bg.data[b * 8 + 5] = bg.data[b * 8 + 4];
    const x = gaussianMatrix(1, 8, 52);
    x[5] = x[4];
    for (const engine of ['exact', 'kernel'] as const) {
      const e = explain(model, x, { engine, background: bg });
      for (let k = 0; k < 3; k++) {
        assert.ok(Math.abs(e.phi[6 * 3 + k]) <= 1e-12, `${engine} dummy`);
        assert.ok(Math.abs(e.phi[4 * 3 + k] - e.phi[5 * 3 + k]) <= 1e-12, `${engine} symmetry`);
      }
    }
  });

  it('treats a feature group as one player', () => {
    const model = nonlinearModel();
    const bg = makeBackground(5, 8, 61);
    const x = gaussianMatrix(1, 8, 62);
    const groups = [[0, 7], [3, 1, 2]];
    const e = explain(model, x, { engine: 'exact', background: bg, groups, groupNames: ['market', 'form'] });
    const players = [[0, 7], [1, 2, 3], [4], [5], [6]];
    assert.deepEqual(e.players.map((p) => p.featureIndices), players);
    assert.deepEqual(e.players.map((p) => p.name), ['market', 'form', 'f4', 'f5', 'f6']);
    assert.ok(maxAbsDiff(phiMatrix(e, 3), referenceShapley(model.predict, x, bg, players, 3)) <= 1e-9);
    assertAdditive(e);
    const market = e.outputs[0].contributions.find((c) => c.player === 'market')!;
    assert.deepEqual(market.values, [x[0], x[7]]);
  });

  it('uses background weights like repeated rows and merges duplicates', () => {
    const model = mlpModel(6, 4, 71);
    const base = gaussianMatrix(3, 6, 72);
    const x = gaussianMatrix(1, 6, 73);
    const weighted = explain(model, x, { engine: 'exact', background: { data: base, nRows: 3, weights: Float64Array.from([1, 3, 2]) } });
    const repeated = new Float64Array(6 * 6);
    [0, 1, 1, 1, 2, 2].forEach((r, i) => repeated.set(base.subarray(r * 6, (r + 1) * 6), i * 6));
    const dup = explain(model, x, { engine: 'exact', background: { data: repeated, nRows: 6 } });
    assert.ok(maxAbsDiff(phiMatrix(weighted, 3), phiMatrix(dup, 3)) <= 1e-12);
    assert.equal(dup.stats.modelRows, weighted.stats.modelRows);
  });

  it('evaluates identical perturbations once when x shares values with the background', () => {
    const model = mlpModel(6, 4, 81);
    const bg = makeBackground(4, 6, 82);
    const x = gaussianMatrix(1, 6, 83);
    for (let b = 0; b < 4; b++) {
      bg.data[b * 6] = x[0];
      bg.data[b * 6 + 3] = x[3];
    }
    const e = explain(model, x, { engine: 'exact', background: bg });
    assert.ok(maxAbsDiff(phiMatrix(e, 3), referenceShapley(model.predict, x, bg, singletons(6), 3)) <= 1e-9);
    // Two players equal everywhere: 2^4 − 2 distinct rows per background row, plus x itself
    // (the background is evaluated once when the explainer is created).
    assert.equal(e.stats.modelRows, 4 * 14 + 1);
  });

  it('throws EXPLAINER_UNSUPPORTED above 14 players and chunks large batches', () => {
    const model = mlpModel(15, 3, 91);
    const bg = makeBackground(2, 15, 92);
    const x = gaussianMatrix(1, 15, 93);
    assert.throws(
      () => explain(model, x, { engine: 'exact', background: bg }),
      (err: unknown) => isAppError(err) && err.code === 'EXPLAINER_UNSUPPORTED',
    );
    const grouped = explain(model, x, { engine: 'exact', background: bg, groups: [[0, 1, 2]], maxBatchRows: 1000 });
    assert.ok(grouped.stats.modelCalls > 1);
    const whole = explain(model, x, { engine: 'exact', background: bg, groups: [[0, 1, 2]] });
    assert.equal(whole.stats.modelCalls, 1);
    assert.ok(maxAbsDiff(phiMatrix(grouped, 3), phiMatrix(whole, 3)) <= 1e-15);
  });
});
