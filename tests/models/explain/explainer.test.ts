import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { isAppError } from '../../../core/errors.ts';
import { createExplainer, explain, meanAbsShap, permutationImportance, selectBackground, type ExplainableModel } from '../../../models/explain/index.ts';
import { gaussianMatrix, nonlinearModel, mlpModel, referenceShapley, singletons, phiMatrix, maxAbsDiff, assertAdditive, makeBackground } from './fixtures.ts';
import { seededRandom } from '../../support/fixtures.ts';

// Around the engines: explainer reuse, output spaces, background selection, global importance, validation.

describe('explainer reuse and output spaces', () => {
  it('an explainer created once gives the same values as one-shot calls', () => {
    const model = mlpModel(9, 6, 221);
    const bg = makeBackground(6, 9, 222);
    const X = gaussianMatrix(4, 9, 223);
    for (const engine of ['exact', 'kernel'] as const) {
      const explainer = createExplainer(model, { engine, background: bg, nSamples: 300 });
      assert.equal(explainer.engine, engine);
      assert.equal(explainer.setupCalls, 1);
      const bgOut = model.predict(bg.data, bg.nRows);
      for (let k = 0; k < 3; k++) {
        let mean = 0;
        for (let b = 0; b < bg.nRows; b++) mean += bgOut[b * 3 + k] / bg.nRows;
        assert.ok(Math.abs(explainer.baseValues[k] - mean) < 1e-12);
      }
      for (let r = 0; r < 4; r++) {
        const x = X.slice(r * 9, (r + 1) * 9);
        const once = explain(model, x, { engine, background: bg, nSamples: 300 });
        const reused = explainer.explain(x);
        assert.deepEqual(Array.from(reused.phi), Array.from(once.phi));
        assert.equal(reused.stats.modelCalls, 1);
      }
    }
  });

  it('log-odds space without logits uses the centred log-ratio (several outputs) or logit (one output)', () => {
    const model = mlpModel(6, 4, 231);
    const bg = makeBackground(4, 6, 232);
    const x = gaussianMatrix(1, 6, 233);
    const clr = (X: Float64Array, n: number): Float64Array => {
      const p = model.predict(X, n);
      const out = new Float64Array(n * 3);
      for (let r = 0; r < n; r++) {
        const logs = [0, 1, 2].map((k) => Math.log(p[r * 3 + k]));
        const mean = (logs[0] + logs[1] + logs[2]) / 3;
        for (let k = 0; k < 3; k++) out[r * 3 + k] = logs[k] - mean;
      }
      return out;
    };
    const e = explain(model, x, { engine: 'exact', background: bg, outputSpace: 'logodds' });
    assert.ok(maxAbsDiff(phiMatrix(e, 3), referenceShapley(clr, x, bg, singletons(6), 3)) <= 1e-9);

    const binary: ExplainableModel = {
      nFeatures: 6,
      nOutputs: 1,
      outputNames: ['home'],
      predict: (X, n) => Float64Array.from({ length: n }, (_, r) => model.predict(X.subarray(r * 6, (r + 1) * 6), 1)[0]),
    };
    const logit = (X: Float64Array, n: number): Float64Array => binary.predict(X, n).map((p) => Math.log(p / (1 - p)));
    const eb = explain(binary, x, { engine: 'exact', background: bg, outputSpace: 'logodds' });
    assert.ok(maxAbsDiff(phiMatrix(eb, 1), referenceShapley(logit, x, bg, singletons(6), 1)) <= 1e-9);
    assertAdditive(eb);
  });

  it('rejects an unknown engine with EXPLAINER_UNSUPPORTED', () => {
    assert.throws(
      () => explain(mlpModel(3, 2, 241), gaussianMatrix(1, 3, 242), { engine: 'magic' as never, background: makeBackground(2, 3, 243) }),
      (err: unknown) => isAppError(err) && err.code === 'EXPLAINER_UNSUPPORTED',
    );
  });
});

describe('background selection', () => {
  it('summarises with weighted k-means or a seeded sample', () => {
    const X = gaussianMatrix(500, 4, 181);
    const km = selectBackground(X, 500, 4, { size: 20, seed: 2 });
    assert.ok(km.nRows <= 20 && km.nRows > 10);
    const wsum = km.weights!.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(wsum - 1) < 1e-12);
    // Weighted centroids preserve the data mean.
    for (let f = 0; f < 4; f++) {
      let m = 0;
      let c = 0;
      for (let r = 0; r < 500; r++) m += X[r * 4 + f] / 500;
      for (let r = 0; r < km.nRows; r++) c += km.weights![r] * km.data[r * 4 + f];
      assert.ok(Math.abs(m - c) < 1e-9);
    }
    const s1 = selectBackground(X, 500, 4, { size: 30, method: 'sample', seed: 5 });
    const s2 = selectBackground(X, 500, 4, { size: 30, method: 'sample', seed: 5 });
    assert.equal(s1.nRows, 30);
    assert.deepEqual(Array.from(s1.data), Array.from(s2.data));
    const small = selectBackground(X.subarray(0, 40), 10, 4, { size: 100 });
    assert.equal(small.nRows, 10);
  });
});

describe('global importance', () => {
  it('mean |SHAP| equals the mean of per-row absolute values', () => {
    const model = nonlinearModel();
    const bg = makeBackground(4, 8, 191);
    const X = gaussianMatrix(5, 8, 192);
    const g = meanAbsShap(model, X, 5, { background: bg });
    const rows = Array.from({ length: 5 }, (_, r) => explain(model, X.subarray(r * 8, (r + 1) * 8), { background: bg }));
    for (let i = 0; i < 8 * 3; i++) {
      const m = rows.reduce((a, e) => a + Math.abs(e.phi[i]), 0) / 5;
      assert.ok(Math.abs(g.values[i] - m) < 1e-12);
    }
    assert.equal(g.ranking.home.at(-1)!.player, 'f6');
  });

  it('permutation importance is seeded, zero for a dummy feature and positive for a signal', () => {
    const model = nonlinearModel();
    const n = 300;
    const X = gaussianMatrix(n, 8, 201);
    const p = model.predict(X, n);
    const r = seededRandom(202);
    const labels = Array.from({ length: n }, (_, i) => {
      const u = r();
      return u < p[i * 3] ? 0 : u < p[i * 3] + p[i * 3 + 1] ? 1 : 2;
    });
    const a = permutationImportance(model, X, n, labels, { seed: 9, nRepeats: 3 });
    const b = permutationImportance(model, X, n, labels, { seed: 9, nRepeats: 3 });
    assert.deepEqual(a, b);
    const dummy = a.players.find((q) => q.player === 'f6')!;
    assert.equal(dummy.importance, 0);
    assert.ok(a.players[0].importance > 0.01);
    const grouped = permutationImportance(model, X, n, labels, { seed: 9, nRepeats: 3, groups: [[4, 5]], groupNames: ['pair'] });
    assert.ok(grouped.players.some((q) => q.player === 'pair'));
  });
});

describe('input validation', () => {
  it('rejects overlapping groups and malformed rows with MODEL_INPUT_INVALID', () => {
    const model = nonlinearModel();
    const bg = makeBackground(3, 8, 211);
    const isInvalid = (err: unknown): boolean => isAppError(err) && err.code === 'MODEL_INPUT_INVALID';
    assert.throws(() => explain(model, gaussianMatrix(1, 8, 1), { background: bg, groups: [[0, 1], [1, 2]] }), isInvalid);
    assert.throws(() => explain(model, new Float64Array(7), { background: bg }), isInvalid);
    assert.throws(() => explain(model, Float64Array.from([NaN, 0, 0, 0, 0, 0, 0, 0]), { background: bg }), isInvalid);
    assert.throws(() => explain(model, gaussianMatrix(1, 8, 1), { background: { data: new Float64Array(5), nRows: 1 } }), isInvalid);
  });
});
