import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { isAppError } from '../../../core/errors.ts';
import { explain } from '../../../models/explain/index.ts';
import { gaussianMatrix, logisticModel, mlpModel, phiMatrix, maxAbsDiff, assertAdditive, makeBackground } from './fixtures.ts';

// The linear engine: closed-form interventional SHAP in log-odds space.

describe('linear engine', () => {
  it('equals exact interventional SHAP in log-odds space on logistic models', () => {
    for (const withLogits of [true, false]) {
      const model = logisticModel(8, 3, 101, withLogits);
      const bg = makeBackground(7, 8, 102, [1, 1, 2, 1, 0.5, 1, 3]);
      const x = gaussianMatrix(1, 8, 103);
      const lin = explain(model, x, { engine: 'linear', background: bg, outputSpace: 'logodds' });
      const exact = explain(model, x, { engine: 'exact', background: bg, outputSpace: 'logodds' });
      assert.ok(maxAbsDiff(phiMatrix(lin, 3), phiMatrix(exact, 3)) <= 1e-9);
      lin.outputs.forEach((o, k) => {
        assert.ok(Math.abs(o.baseValue - exact.outputs[k].baseValue) <= 1e-9);
        assert.ok(Math.abs(o.prediction - exact.outputs[k].prediction) <= 1e-9);
      });
      assertAdditive(lin, 1e-9);
      assert.equal(lin.stats.modelCalls, 0);
      const grouped = explain(model, x, { engine: 'linear', background: bg, outputSpace: 'logodds', groups: [[1, 5, 6]] });
      const groupedExact = explain(model, x, { engine: 'exact', background: bg, outputSpace: 'logodds', groups: [[1, 5, 6]] });
      assert.ok(maxAbsDiff(phiMatrix(grouped, 3), phiMatrix(groupedExact, 3)) <= 1e-9);
    }
  });

  it('is chosen by auto in log-odds space and refused in probability space, where it has no closed form', () => {
    const model = logisticModel(5, 3, 111);
    const bg = makeBackground(4, 5, 112);
    const x = gaussianMatrix(1, 5, 113);
    assert.equal(explain(model, x, { background: bg, outputSpace: 'logodds' }).engine, 'linear');
    assert.equal(explain(model, x, { background: bg }).engine, 'exact');
    assert.throws(
      () => explain(model, x, { engine: 'linear', background: bg }),
      (err: unknown) => isAppError(err) && err.code === 'EXPLAINER_UNSUPPORTED' && /log-odds/.test(err.message),
    );
  });

  it('throws EXPLAINER_UNSUPPORTED without a linear form', () => {
    assert.throws(
      () => explain(mlpModel(4, 3, 121), gaussianMatrix(1, 4, 122), { engine: 'linear', background: makeBackground(2, 4, 123) }),
      (err: unknown) => isAppError(err) && err.code === 'EXPLAINER_UNSUPPORTED',
    );
  });
});
