/**
 * `denseTfjsLayout` (models/tfjs-export.ts) writes the tfjs layout without loading tfjs: its
 * `model.json` and `weights.bin` must be the very bytes tfjs's own saver produces through
 * `exportTfjsLayout` (a training job stores them as the version's `tfjs` artifact), for logistic
 * models, MLPs of one to three hidden layers, softmax and sigmoid outputs.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { denseTfjsLayout, exportTfjsLayout, loadTfjsLayout, predictProba, predictWithTfjs } from '../../models/index.ts';
import { gaussianMatrix, randomNetwork } from './explain/fixtures.ts';

const cases = [
  { d: 5, hidden: [] as number[], classes: 3 },
  { d: 12, hidden: [8], classes: 3 },
  { d: 7, hidden: [16, 8], classes: 3 },
  { d: 4, hidden: [6, 5, 3], classes: 3 },
  { d: 6, hidden: [], classes: 2 },
  { d: 9, hidden: [10, 4], classes: 2 },
];

describe('denseTfjsLayout writes what tfjs writes', () => {
  for (const [seed, { d, hidden, classes }] of cases.entries()) {
    it(`${d} features, hidden [${hidden}], ${classes} classes: model.json and weights.bin byte for byte`, async () => {
      const model = randomNetwork(d, hidden, classes, 300 + seed);
      const want = await exportTfjsLayout(model);
      const got = denseTfjsLayout(model);
      assert.equal(new TextDecoder().decode(got.modelJson), new TextDecoder().decode(want.modelJson));
      assert.deepEqual(Buffer.from(got.weights), Buffer.from(want.weights));
    });
  }

  it('tfjs loads it and predicts what the dense model predicts', async () => {
    const model = randomNetwork(7, [16, 8], 3, 320);
    const lm = await loadTfjsLayout(denseTfjsLayout(model));
    try {
      const X = gaussianMatrix(20, 7, 321);
      const got = predictWithTfjs(lm, X, 20);
      const want = predictProba(model, X, 20);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-5, `entry ${i}`);
    } finally {
      lm.dispose();
    }
  });
});
