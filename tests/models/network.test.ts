import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DENSE_MODEL_FORMAT,
  assertDenseModel,
  createPredictor,
  deserializeModel,
  predictProba,
  serializeModel,
  train,
  type DenseModel,
} from '../../models/index.ts';
import { isAppError } from '../../core/errors.ts';

/** Deterministic LCG so the fixture does not depend on Math.random. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomModel(output: 'softmax' | 'sigmoid', sizes: number[], seed = 1): DenseModel {
  const r = lcg(seed);
  const nFeatures = sizes[0];
  const classes = output === 'sigmoid' ? ['away', 'home'] : ['home', 'draw', 'away'].slice(0, sizes.at(-1));
  return {
    format: DENSE_MODEL_FORMAT,
    featureNames: Array.from({ length: nFeatures }, (_, i) => `x${i}`),
    classes,
    standardization: { mean: Array.from({ length: nFeatures }, () => r() * 4 - 2), std: Array.from({ length: nFeatures }, () => 0.5 + r()) },
    layers: sizes.slice(1).map((out, l) => ({
      inputSize: sizes[l],
      outputSize: out,
      weights: Array.from({ length: sizes[l] * out }, () => r() * 2 - 1),
      bias: Array.from({ length: out }, () => r() - 0.5),
      activation: l === sizes.length - 2 ? 'linear' : 'relu',
    })),
    output,
  };
}

function expectAppError(fn: () => unknown, code: string): Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    assert.ok(isAppError(error), `expected AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    return (error.details ?? {}) as Record<string, unknown>;
  }
  assert.fail(`expected AppError ${code}`);
}

test('softmax rows are probabilities and match a hand computation for logistic regression', () => {
  const model = randomModel('softmax', [3, 3]);
  const X = new Float64Array([0.5, -1, 2, 3, 0, -0.25]);
  const p = predictProba(model, X, 2);
  assert.equal(p.length, 6);
  for (let r = 0; r < 2; r++) {
    const z = [0, 1, 2].map((j) => {
      let s = model.layers[0].bias[j];
      for (let i = 0; i < 3; i++) {
        const xs = (X[r * 3 + i] - model.standardization.mean[i]) / model.standardization.std[i];
        s += xs * model.layers[0].weights[i * 3 + j];
      }
      return s;
    });
    const e = z.map((v) => Math.exp(v));
    const sum = e[0] + e[1] + e[2];
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(p[r * 3 + j] - e[j] / sum) < 1e-12);
  }
});

test('sigmoid models report [1 - p, p] with p the probability of classes[1]', () => {
  const model = randomModel('sigmoid', [2, 4, 1]);
  const X = new Float32Array([1, 2, -3, 0.5, 0, 0]);
  const p = predictProba(model, X, 3);
  assert.equal(p.length, 6);
  for (let r = 0; r < 3; r++) {
    assert.ok(Math.abs(p[r * 2] + p[r * 2 + 1] - 1) < 1e-12);
    assert.ok(p[r * 2 + 1] > 0 && p[r * 2 + 1] < 1);
  }
});

test('serialise → JSON → deserialise gives bit-identical predictions', async () => {
  const r = lcg(7);
  const n = 600;
  const f = 6;
  const X = new Float32Array(n * f).map(() => r() * 10 - 5);
  const y = Int32Array.from({ length: n }, (_, i) => (X[i * f] + X[i * f + 1] > 0 ? 2 : X[i * f + 2] > 1 ? 1 : 0));
  const { model } = await train({ X, y, nRows: n, nFeatures: f, classes: ['home', 'draw', 'away'] }, { algo: 'mlp', hidden: [8, 4], epochs: 3 });
  const copy = deserializeModel(serializeModel(model));
  assert.deepEqual(copy, model);
  assert.deepEqual(predictProba(copy, X, n), predictProba(model, X, n));
});

test('a compiled predictor reuses buffers and agrees with predictProba across block boundaries', () => {
  const model = randomModel('softmax', [5, 7, 3], 3);
  const r = lcg(3);
  const n = 700; // > one 256-row block, not a multiple of it
  const X = new Float64Array(n * 5).map(() => r() * 6 - 3);
  const predictor = createPredictor(model);
  const a = predictor.predict(X, n);
  const b = predictor.predict(X, n);
  assert.deepEqual(a, b);
  assert.deepEqual(predictProba(model, X, n).subarray(300 * 3, 301 * 3), a.subarray(300 * 3, 301 * 3));
});

test('predictProba rejects NaN/Infinity and wrong lengths with MODEL_INPUT_INVALID', () => {
  const model = randomModel('softmax', [2, 3]);
  const nan = expectAppError(() => predictProba(model, new Float64Array([1, NaN]), 1), 'MODEL_INPUT_INVALID');
  assert.equal(nan.feature, 1);
  expectAppError(() => predictProba(model, new Float64Array([1, Infinity]), 1), 'MODEL_INPUT_INVALID');
  const len = expectAppError(() => predictProba(model, new Float64Array([1, 2, 3]), 1), 'MODEL_INPUT_INVALID');
  assert.equal(len.expected, 2);
});

test('inconsistent models are rejected with MODEL_FORMAT_INVALID naming the problem', () => {
  const good = randomModel('softmax', [3, 4, 3]);
  const broken = structuredClone(good);
  broken.layers[1].weights.pop();
  const details = expectAppError(() => assertDenseModel(broken), 'MODEL_FORMAT_INVALID');
  assert.match(String(details.problem), /layers\[1\]\.weights/);
  const twoSoftmax = structuredClone(good);
  twoSoftmax.classes = ['a', 'b'];
  expectAppError(() => assertDenseModel(twoSoftmax), 'MODEL_FORMAT_INVALID');
  expectAppError(() => deserializeModel('{not json'), 'MODEL_FORMAT_INVALID');
  expectAppError(() => deserializeModel(JSON.stringify({ ...good, format: 'other/1' })), 'MODEL_FORMAT_INVALID');
});
