import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { fitGrowthExponent, shapeOf } from '../../bench/scaling.ts';

describe('bench/scaling.ts: sizes and the growth-exponent fit', () => {
  it('recovers the exponent and coefficient of exact power laws', () => {
    for (const b of [0, 0.5, 1, 1.4, 2]) {
      const fit = fitGrowthExponent([1, 4, 16].map((f) => ({ x: 38_000 * f, y: 3 * (38_000 * f) ** b })));
      assert.ok(Math.abs(fit.exponent - b) < 1e-9, `b=${b}: got ${fit.exponent}`);
      assert.ok(Math.abs(fit.coefficient / 3 - 1) < 1e-6);
    }
  });

  it('is the least-squares slope on log-log when the points are noisy', () => {
    // log2 x = 0, 2, 4 and log2 y = 0, 2.2, 4: slope (0*-2 + 2.2*0 + 4*2) / 8 = 1 on log2 axes, whatever the middle point.
    const fit = fitGrowthExponent([{ x: 1, y: 1 }, { x: 4, y: 2 ** 2.2 }, { x: 16, y: 16 }]);
    assert.ok(Math.abs(fit.exponent - 1) < 1e-12);
    const superLinear = fitGrowthExponent([{ x: 1, y: 1 }, { x: 4, y: 7 }, { x: 16, y: 49 }]);
    assert.ok(superLinear.exponent > 1.3);
  });

  it('refuses fewer than two distinct sizes', () => {
    assert.throws(() => fitGrowthExponent([{ x: 4, y: 1 }]));
    assert.throws(() => fitGrowthExponent([{ x: 4, y: 1 }, { x: 4, y: 2 }]));
  });

  it('grows leagues and seasons by √f each: leagues × seasons grows by f from the big-5 shape', () => {
    assert.deepEqual(shapeOf(1), { leagues: 5, seasons: 20 });
    assert.deepEqual(shapeOf(4), { leagues: 10, seasons: 40 });
    assert.deepEqual(shapeOf(16), { leagues: 20, seasons: 80 });
  });
});
