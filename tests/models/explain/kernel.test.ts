import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { explain, explainRows } from '../../../models/explain/index.ts';
import { gaussianMatrix, nonlinearModel, mlpModel, phiMatrix, maxAbsDiff, assertAdditive, makeBackground } from './fixtures.ts';

// The kernel engine: sampled coalitions (and sampled background rows) against exact values.

describe('kernel engine', () => {
  it('is exact when the budget covers every coalition', () => {
    const model = nonlinearModel();
    const bg = makeBackground(5, 8, 131);
    const x = gaussianMatrix(1, 8, 132);
    const k = explain(model, x, { engine: 'kernel', background: bg });
    const e = explain(model, x, { engine: 'exact', background: bg });
    assert.equal(k.approximate, false);
    assert.equal(k.stats.coalitions, 254);
    assert.ok(maxAbsDiff(phiMatrix(k, 3), phiMatrix(e, 3)) <= 1e-9);
    assertAdditive(k);
    const g = explain(model, x, { engine: 'kernel', background: bg, groups: [[0, 7], [1, 2, 3]] });
    const ge = explain(model, x, { engine: 'exact', background: bg, groups: [[0, 7], [1, 2, 3]] });
    assert.ok(maxAbsDiff(phiMatrix(g, 3), phiMatrix(ge, 3)) <= 1e-9);
  });

  it('stays within 1e-3 of exact at the default sample count for 10 and 12 features', () => {
    for (const [d, seed] of [[10, 141], [12, 151], [12, 161]] as const) {
      const model = mlpModel(d, 16, seed);
      const bg = makeBackground(8, d, seed + 1);
      const X = gaussianMatrix(3, d, seed + 2);
      const kernel = explainRows(model, X, 3, { engine: 'kernel', background: bg });
      const exact = explainRows(model, X, 3, { engine: 'exact', background: bg });
      kernel.forEach((k, r) => {
        const err = maxAbsDiff(phiMatrix(k, 3), phiMatrix(exact[r], 3));
        assert.ok(err <= 1e-3, `d=${d} row ${r}: max error ${err}`);
        assertAdditive(k);
      });
      assert.equal(kernel[0].approximate, d > 11);
    }
  });

  it('handles wide models with seeded, reproducible sampling', () => {
    const model = mlpModel(30, 8, 171);
    const bg = makeBackground(4, 30, 172);
    const x = gaussianMatrix(1, 30, 173);
    const a = explain(model, x, { background: bg, nSamples: 512, seed: 7 });
    const b = explain(model, x, { background: bg, nSamples: 512, seed: 7 });
    assert.equal(a.engine, 'kernel');
    assert.deepEqual(Array.from(a.phi), Array.from(b.phi));
    assertAdditive(a);
    assert.equal(a.stats.modelCalls, 1);
    // A dummy-free wide model: values are close to those of a larger budget.
    const big = explain(model, x, { background: bg, nSamples: 8192, seed: 3 });
    assert.ok(maxAbsDiff(phiMatrix(a, 3), phiMatrix(big, 3)) <= 5e-3);
  });
});

describe('kernel engine with sampled background rows', () => {
  it('is unbiased-ish, additive and reproducible, and equals the full mode when r ≥ K', () => {
    const model = mlpModel(10, 8, 251);
    const bg = makeBackground(40, 10, 252, Array.from({ length: 40 }, (_, i) => 1 + (i % 3)));
    const x = gaussianMatrix(1, 10, 253);
    const exact = explain(model, x, { engine: 'exact', background: bg });
    const full = explain(model, x, { engine: 'kernel', background: bg, backgroundSamples: 40 });
    const fullErr = maxAbsDiff(phiMatrix(full, 3), phiMatrix(exact, 3));
    assert.ok(fullErr <= 1e-9, `full ${fullErr}`);
    const a = explain(model, x, { engine: 'kernel', background: bg, backgroundSamples: 2, seed: 4 });
    const b = explain(model, x, { engine: 'kernel', background: bg, backgroundSamples: 2, seed: 4 });
    assert.deepEqual(Array.from(a.phi), Array.from(b.phi));
    assert.equal(a.approximate, true);
    assertAdditive(a);
    assert.equal(a.stats.modelRows, 1 + a.stats.coalitions * 2);
    // Averaging independent seeds converges on the exact values (no bias).
    const mean = new Float64Array(30);
    const seeds = 8;
    for (let s = 0; s < seeds; s++) {
      const e = explain(model, x, { engine: 'kernel', background: bg, backgroundSamples: 2, seed: 100 + s });
      for (let i = 0; i < 30; i++) mean[i] += e.phi[i] / seeds;
    }
    const single = maxAbsDiff(phiMatrix(a, 3), phiMatrix(exact, 3));
    const averaged = maxAbsDiff([Array.from(mean)], [Array.from(exact.phi)]);
    assert.ok(averaged < single, `averaged ${averaged} vs single ${single}`);
    assert.ok(single < 0.1, `single ${single}`);
  });
});
