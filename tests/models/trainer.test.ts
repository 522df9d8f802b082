import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DENSE_MODEL_FORMAT,
  initTf,
  logLoss,
  lossAndGradients,
  predictProba,
  resolveTrainParams,
  train,
  type DenseModel,
  type TrainingData,
} from '../../models/index.ts';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs';
import { isAppError } from '../../core/errors.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * Noisy 3-way (or 2-way) outcome driven by a linear "strength difference" plus an interaction the
 * MLP can use; features have non-trivial means and scales so standardisation matters.
 */
function synthetic(nRows: number, nFeatures: number, nClasses: 2 | 3, seed: number): TrainingData {
  const r = lcg(seed);
  const X = new Float32Array(nRows * nFeatures);
  const y = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    for (let f = 0; f < nFeatures; f++) X[i * nFeatures + f] = (r() * 2 - 1) * (1 + f) + f * 10;
    const x0 = X[i * nFeatures] - 0;
    const x1 = (X[i * nFeatures + 1] - 10) / 2;
    const z = 1.5 * x0 - 1.0 * x1 + 0.8 * x0 * x1 + (r() - 0.5) * 1.5;
    y[i] = nClasses === 2 ? (z > 0 ? 1 : 0) : z < -0.6 ? 0 : z > 0.6 ? 2 : 1;
  }
  return { X, y, nRows, nFeatures, classes: nClasses === 2 ? ['away', 'home'] : ['home', 'draw', 'away'] };
}

function baseRateLogLoss(y: ArrayLike<number>, nClasses: number): number {
  const counts = new Array<number>(nClasses).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return -counts.reduce((s, c) => (c === 0 ? s : s + (c / y.length) * Math.log(c / y.length)), 0);
}

function slice(data: TrainingData, from: number, to: number): { X: Float32Array; y: Int32Array; n: number } {
  return {
    X: data.X.slice(from * data.nFeatures, to * data.nFeatures),
    y: Int32Array.from(data.y as ArrayLike<number>).slice(from, to),
    n: to - from,
  };
}

async function expectRejects(promise: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isAppError(error), `expected AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    return (error.details ?? {}) as Record<string, unknown>;
  }
  assert.fail(`expected AppError ${code}`);
}

function tinyModel(output: 'softmax' | 'sigmoid', sizes: number[], seed: number): DenseModel {
  const r = lcg(seed);
  return {
    format: DENSE_MODEL_FORMAT,
    featureNames: Array.from({ length: sizes[0] }, (_, i) => `x${i}`),
    classes: output === 'sigmoid' ? ['a', 'b'] : ['h', 'd', 'a'],
    standardization: { mean: Array.from({ length: sizes[0] }, () => r() - 0.5), std: Array.from({ length: sizes[0] }, () => 0.5 + r()) },
    layers: sizes.slice(1).map((out, l) => ({
      inputSize: sizes[l],
      outputSize: out,
      // Float32-representable values so the float32 kernels and the float64 reference see the same model.
      weights: Array.from({ length: sizes[l] * out }, () => Math.fround(r() * 2 - 1)),
      bias: Array.from({ length: out }, () => Math.fround(r() * 0.4 - 0.2)),
      activation: l === sizes.length - 2 ? 'linear' : 'relu',
    })),
    output,
  };
}

/** Loss of `model` in float64 through the independent `predictProba` forward pass. */
function referenceLoss(model: DenseModel, X: Float32Array, y: Int32Array, n: number, l2: number): number {
  let sq = 0;
  for (const layer of model.layers) for (const w of layer.weights) sq += w * w;
  return logLoss(predictProba(model, X, n), y, model.classes.length) + 0.5 * l2 * sq;
}

for (const [output, sizes] of [
  ['softmax', [4, 5, 3, 3]],
  ['sigmoid', [4, 6, 1]],
  ['softmax', [4, 3]],
] as const) {
  test(`backprop matches finite differences and tf.grad (${output}, ${sizes.join('-')})`, async () => {
    const model = tinyModel(output, [...sizes], 11);
    const n = 12;
    const r = lcg(5);
    const X = new Float32Array(n * sizes[0]).map(() => r() * 4 - 2);
    const nClasses = model.classes.length;
    const y = Int32Array.from({ length: n }, (_, i) => i % nClasses);
    const l2 = 0.01;
    const { loss, gradients } = lossAndGradients(model, X, y, n, l2);
    assert.ok(Math.abs(loss - referenceLoss(model, X, y, n, l2)) < 1e-5);

    // Central finite differences in float64 on every parameter.
    const eps = 1e-4;
    model.layers.forEach((layer, l) => {
      for (const [key, grad] of [
        ['weights', gradients[l].weights],
        ['bias', gradients[l].bias],
      ] as const) {
        for (let i = 0; i < layer[key].length; i++) {
          const original = layer[key][i];
          layer[key][i] = original + eps;
          const up = referenceLoss(model, X, y, n, l2);
          layer[key][i] = original - eps;
          const down = referenceLoss(model, X, y, n, l2);
          layer[key][i] = original;
          const fd = (up - down) / (2 * eps);
          assert.ok(Math.abs(fd - grad[i]) < 2e-4 + 1e-3 * Math.abs(fd), `layer ${l} ${key}[${i}]: backprop ${grad[i]} vs fd ${fd}`);
        }
      }
    });

    // tfjs autodiff on the same function.
    const { tf } = await initTf();
    const before = tf.memory().numTensors;
    const tfGrads = tf.tidy(() => {
      const mean = tf.tensor1d(model.standardization.mean);
      const std = tf.tensor1d(model.standardization.std);
      const xs = tf.tensor2d(X, [n, sizes[0]]).sub(mean).div(std);
      const params = model.layers.flatMap((layer) => [
        tf.tensor2d(layer.weights, [layer.inputSize, layer.outputSize]),
        tf.tensor1d(layer.bias),
      ]);
      const lossFn = (...p: Tensor[]): Scalar => {
        let h: Tensor = xs;
        let penalty: Tensor = tf.scalar(0);
        for (let l = 0; l < model.layers.length; l++) {
          h = tf.add(tf.matMul(h as Tensor2D, p[2 * l] as Tensor2D), p[2 * l + 1]);
          if (l < model.layers.length - 1) h = tf.relu(h);
          penalty = penalty.add(tf.sum(tf.square(p[2 * l])));
        }
        let data: Tensor;
        if (output === 'sigmoid') {
          const t = tf.tensor2d(Float32Array.from(y), [n, 1]);
          data = tf.mean(tf.sub(tf.softplus(h), tf.mul(t, h)));
        } else {
          const onehot = tf.oneHot(tf.tensor1d(y, 'int32'), nClasses);
          data = tf.mean(tf.sub(tf.logSumExp(h, 1), tf.sum(tf.mul(h, onehot), 1)));
        }
        return data.add(penalty.mul(0.5 * l2)) as Scalar;
      };
      return tf.grads(lossFn)(params).map((g) => g.dataSync());
    });
    assert.equal(tf.memory().numTensors, before);
    model.layers.forEach((_, l) => {
      for (const [ours, theirs] of [
        [gradients[l].weights, tfGrads[2 * l]],
        [gradients[l].bias, tfGrads[2 * l + 1]],
      ]) {
        for (let i = 0; i < ours.length; i++) {
          assert.ok(Math.abs(ours[i] - theirs[i]) < 1e-5 + 1e-4 * Math.abs(theirs[i]), `layer ${l}[${i}]: ${ours[i]} vs tf ${theirs[i]}`);
        }
      }
    });
  });
}

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

test('bad inputs and parameters are rejected with codes and details naming the problem', async () => {
  const data = synthetic(100, 3, 3, 1);
  const nanX = data.X.slice();
  nanX[2 * 3 + 1] = NaN;
  const nan = await expectRejects(train({ ...data, X: nanX }), 'MODEL_INPUT_INVALID');
  assert.deepEqual([nan.field, nan.row, nan.feature], ['X', 2, 1]);
  const inf = data.X.slice();
  inf[0] = -Infinity;
  await expectRejects(train({ ...data, X: inf }), 'MODEL_INPUT_INVALID');
  const badY = Int32Array.from(data.y as ArrayLike<number>);
  badY[7] = 3;
  const label = await expectRejects(train({ ...data, y: badY }), 'MODEL_INPUT_INVALID');
  assert.deepEqual([label.field, label.row, label.value], ['y', 7, 3]);
  await expectRejects(train({ ...data, y: Array.from({ length: 100 }, () => 0.5) }), 'MODEL_INPUT_INVALID');
  await expectRejects(train({ ...data, y: badY.subarray(0, 50) }), 'MODEL_INPUT_INVALID');
  await expectRejects(train({ ...data, X: new Float32Array(0), y: [], nRows: 0 }), 'TRAINING_DATA_EMPTY');
  await expectRejects(train({ ...data, classes: ['only'] }), 'TRAINING_SPEC_INVALID');
  const lr = await expectRejects(train(data, { learningRate: -1 }), 'TRAINING_SPEC_INVALID');
  assert.equal(lr.field, 'learningRate');
  const hidden = await expectRejects(train(data, { algo: 'logistic', hidden: [4] }), 'TRAINING_SPEC_INVALID');
  assert.equal(hidden.field, 'hidden');
  await expectRejects(train(data, { dropout: 1 }), 'TRAINING_SPEC_INVALID');
  await expectRejects(train(data, { batchSize: 0 }), 'TRAINING_SPEC_INVALID');
});

test('defaults differ by algorithm and overrides are merged', () => {
  assert.deepEqual(resolveTrainParams({ algo: 'logistic' }).hidden, []);
  assert.deepEqual(resolveTrainParams().hidden, [32, 16]);
  assert.equal(resolveTrainParams({ algo: 'mlp', epochs: 3 }).epochs, 3);
});
