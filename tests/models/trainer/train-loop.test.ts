import { test } from 'vitest';
import assert from 'node:assert/strict';
import { logLoss, predictProba, train } from '../../../models/index.ts';
import { baseRateLogLoss, expectRejects, slice, synthetic } from './fixtures.ts';

// The train loop: it learns, is reproducible from its seed, stops early, reports, cancels and yields.

for (const [algo, nClasses] of [
  ['logistic', 3],
  ['mlp', 3],
  ['mlp', 2],
] as const) {
  test(`${algo} learns a noisy ${nClasses}-way problem well below the base-rate log loss`, async () => {
    const data = synthetic(5000, 6, nClasses, 21);
    const fit = slice(data, 0, 4000);
    const result = await train({ ...data, X: fit.X, y: fit.y, nRows: fit.n }, { algo, ...(algo === 'mlp' ? { epochs: 25 } : {}) });
    const test = slice(data, 4000, 5000);
    const modelLoss = logLoss(predictProba(result.model, test.X, test.n), test.y, nClasses);
    const base = baseRateLogLoss(test.y, nClasses);
    assert.ok(modelLoss < base - 0.2, `model ${modelLoss.toFixed(4)} vs base rate ${base.toFixed(4)}`);
    assert.equal(result.model.output, nClasses === 2 ? 'sigmoid' : 'softmax');
    assert.equal(result.nValidationRows, 600);
  });
}

test('the same seed gives a bit-identical model (with dropout), another seed does not', async () => {
  const data = synthetic(1500, 5, 3, 3);
  const params = { algo: 'mlp' as const, hidden: [8, 6], dropout: 0.2, epochs: 4, seed: 99 };
  const a = await train(data, params);
  const b = await train(data, params);
  assert.deepEqual(a.model, b.model);
  assert.deepEqual(a.history, b.history);
  const c = await train(data, { ...params, seed: 100 });
  assert.notDeepEqual(c.model.layers, a.model.layers);
});

test('early stopping stops after `patience` bad epochs and restores the best weights', async () => {
  // Few rows, a wide net and a high learning rate: validation loss turns up within a few epochs.
  const data = synthetic(300, 5, 3, 8);
  const result = await train(data, {
    algo: 'mlp',
    hidden: [64, 64],
    dropout: 0,
    l2: 0,
    learningRate: 0.02,
    batchSize: 16,
    epochs: 200,
    earlyStoppingPatience: 3,
    validationFraction: 0.3,
  });
  assert.ok(result.stoppedEarly);
  assert.equal(result.history.length, result.bestEpoch + 3);
  const best = result.history[result.bestEpoch - 1];
  assert.equal(best.valLoss, Math.min(...result.history.map((h) => h.valLoss!)));
  const last = result.history.at(-1)!;
  assert.ok(last.valLoss! > best.valLoss!);
  // The returned model scores the best epoch's validation loss, not the last one's.
  const val = slice(data, result.nTrainRows, data.nRows);
  const modelValLoss = logLoss(predictProba(result.model, val.X, val.n), val.y, 3);
  assert.ok(Math.abs(modelValLoss - best.valLoss!) < 1e-5, `${modelValLoss} vs best ${best.valLoss}`);
});

test('onEpoch reports every epoch; an AbortSignal cancels with TRAINING_CANCELLED', async () => {
  const data = synthetic(2000, 5, 3, 4);
  const controller = new AbortController();
  const seen: number[] = [];
  await expectRejects(
    train(data, { algo: 'mlp', epochs: 50, earlyStoppingPatience: 0 }, {
      signal: controller.signal,
      onEpoch: ({ epoch, loss, valLoss }) => {
        assert.ok(Number.isFinite(loss) && Number.isFinite(valLoss!));
        seen.push(epoch);
        if (epoch === 2) controller.abort();
      },
    }),
    'TRAINING_CANCELLED',
  );
  assert.deepEqual(seen, [1, 2]);
  await expectRejects(train(data, {}, { signal: AbortSignal.abort() }), 'TRAINING_CANCELLED');
});

test('training yields to the event loop: a timer aborts it mid-epoch and ticks keep flowing', async () => {
  const data = synthetic(20000, 16, 3, 6);
  const controller = new AbortController();
  let maxGap = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  const timer = setTimeout(() => controller.abort(), 150);
  const started = performance.now();
  try {
    await expectRejects(train(data, { algo: 'mlp', hidden: [64, 32], epochs: 100 }, { signal: controller.signal }), 'TRAINING_CANCELLED');
  } finally {
    clearInterval(ticker);
    clearTimeout(timer);
  }
  assert.ok(performance.now() - started < 3000, 'cancellation should be prompt');
  assert.ok(maxGap < 300, `event loop blocked for ${maxGap.toFixed(0)} ms`);
});
