import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { train, explainableModelOf, createExplainer, selectBackground, predictProba, permutationImportance } from '../../models/index.ts';

/** A small synthetic problem: three informative features and one pure-noise feature. */
function problem(nRows: number, classes: string[], seed = 1) {
  let s = seed;
  const random = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const X = new Float32Array(nRows * 4);
  const y = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const a = random() * 4 - 2, b = random() * 2, c = random() * 100 + 1500, noise = random();
    X.set([a, b, c, noise], i * 4);
    const score = a + 0.5 * b + (c - 1550) / 50 + (random() - 0.5);
    y[i] = classes.length === 3 ? (score > 0.8 ? 0 : score < -0.8 ? 2 : 1) : score > 0 ? 1 : 0;
  }
  return { X, y, nRows, nFeatures: 4, classes, featureNames: ['a', 'b', 'elo', 'noise'] };
}

for (const classes of [['home', 'draw', 'away'], ['away', 'home']]) {
  describe(`explainable dense models (${classes.length} classes)`, () => {
    it('linear SHAP of a trained logistic model equals exact SHAP in log-odds space', async () => {
      const data = problem(2000, classes);
      const { model } = await train(data, { algo: 'logistic', epochs: 15, seed: 3 });
      const explainable = explainableModelOf(model);
      assert.ok(explainable.linear, 'a logistic model exposes its linear form');
      const X64 = Float64Array.from(data.X);
      const background = selectBackground(X64, data.nRows, 4, { size: 20, seed: 2 });
      const linear = createExplainer(explainable, { background, outputSpace: 'logodds', engine: 'linear' });
      const exact = createExplainer(explainable, { background, outputSpace: 'logodds', engine: 'exact' });
      for (let r = 0; r < 20; r++) {
        const x = X64.subarray(r * 4, r * 4 + 4);
        const a = linear.explain(x);
        const b = exact.explain(x);
        for (let i = 0; i < a.phi.length; i++) assert.ok(Math.abs(a.phi[i]! - b.phi[i]!) < 1e-9, `phi[${i}] ${a.phi[i]} vs ${b.phi[i]}`);
      }
    });

    it('permutation importance through the network equals the predict path (logistic and two-layer MLP)', async () => {
      const data = problem(1200, classes, 5);
      const X64 = Float64Array.from(data.X);
      for (const params of [{ algo: 'logistic' as const, epochs: 10, seed: 4 }, { algo: 'mlp' as const, hidden: [8, 4], epochs: 6, seed: 4 }]) {
        const { model } = await train(data, params);
        const explainable = explainableModelOf(model);
        for (const groups of [undefined, [[0, 2]]]) {
          const options = { nRepeats: 3, seed: 8, ...(groups ? { groups, groupNames: ['a+elo'] } : {}) };
          const fast = permutationImportance(explainable, X64, data.nRows, data.y, options);
          const slow = permutationImportance(explainable, X64, data.nRows, data.y, { ...options, forwardPass: 'predict' });
          // The unshuffled rows take the same arithmetic; shuffled copies add the columns' change.
          assert.equal(fast.baselineLoss, slow.baselineLoss);
          assert.equal(fast.players.length, slow.players.length);
          for (const p of slow.players) {
            const q = fast.players.find((f) => f.player === p.player)!;
            assert.ok(Math.abs(q.importance - p.importance) < 1e-12, `${params.algo} ${p.player}: ${q.importance} vs ${p.importance}`);
            assert.ok(Math.abs(q.std - p.std) < 1e-12);
          }
          assert.ok(slow.players[0]!.importance > 0.01, 'an informative feature matters');
          assert.ok(Math.abs(slow.players.find((p) => p.player === 'noise')!.importance) < slow.players[0]!.importance / 10);
        }
      }
    });

    it('probability-space attributions add up to the prediction', async () => {
      const data = problem(1500, classes, 7);
      const { model } = await train(data, { algo: 'mlp', hidden: [8], epochs: 5, seed: 3 });
      const explainable = explainableModelOf(model);
      const X64 = Float64Array.from(data.X);
      const background = selectBackground(X64, data.nRows, 4, { size: 16, seed: 2 });
      const explainer = createExplainer(explainable, { background });
      const x = X64.subarray(0, 4);
      const row = explainer.explain(x);
      const p = predictProba(model, x, 1);
      row.outputs.forEach((out, k) => {
        assert.ok(Math.abs(out.prediction - p[k]!) < 1e-12);
        assert.ok(out.residual < 1e-6);
      });
    });
  });
}

describe('two-class log-odds are the real log-odds', () => {
  it('log(p / (1 − p)) of each class, for the linear and exact engines and for an MLP', async () => {
    const data = problem(1500, ['away', 'home'], 11);
    for (const algo of ['logistic', 'mlp'] as const) {
      const { model } = await train(data, { algo, epochs: 10, seed: 3, ...(algo === 'mlp' ? { hidden: [6] } : {}) });
      const explainable = explainableModelOf(model);
      const X64 = Float64Array.from(data.X);
      const background = selectBackground(X64, data.nRows, 4, { size: 12, seed: 2 });
      const engines = algo === 'logistic' ? (['linear', 'exact'] as const) : (['exact'] as const);
      for (const engine of engines) {
        const explainer = createExplainer(explainable, { background, outputSpace: 'logodds', engine });
        for (let r = 0; r < 5; r++) {
          const x = X64.subarray(r * 4, r * 4 + 4);
          const p = predictProba(model, x, 1);
          const row = explainer.explain(x);
          row.outputs.forEach((out, k) => {
            const logOdds = Math.log(p[k]! / (1 - p[k]!));
            assert.ok(Math.abs(out.prediction - logOdds) < 1e-6, `${algo}/${engine} ${out.output}: ${out.prediction} vs log-odds ${logOdds}`);
            assert.ok(out.residual < 1e-6);
          });
        }
      }
    }
  });
});
