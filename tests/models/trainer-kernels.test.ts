import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DENSE_MODEL_FORMAT, logLoss, predictProba, type DenseModel, type TrainingData } from '../../models/index.ts';
import { defaultTrainerKernels, lossAndGradients, train, type TrainerKernels } from '../../models/index.ts';
import { buildKernelModule, instantiateSimdKernels, simdKernelsAvailable } from '../../models/kernels/simd-kernels.ts';
import { isAppError } from '../../core/errors.ts';

const PATHS: TrainerKernels[] = ['wasm-simd', 'js'];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Noisy outcome from a linear score plus an interaction; features with non-trivial means and scales. */
function synthetic(nRows: number, nFeatures: number, nClasses: 2 | 3, seed: number): TrainingData {
  const r = lcg(seed);
  const X = new Float32Array(nRows * nFeatures);
  const y = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    for (let f = 0; f < nFeatures; f++) X[i * nFeatures + f] = (r() * 2 - 1) * (1 + f) + f * 10;
    const x0 = X[i * nFeatures];
    const x1 = (X[i * nFeatures + 1] - 10) / 2;
    const z = 1.5 * x0 - 1.0 * x1 + 0.8 * x0 * x1 + (r() - 0.5) * 1.5;
    y[i] = nClasses === 2 ? (z > 0 ? 1 : 0) : z < -0.6 ? 0 : z > 0.6 ? 2 : 1;
  }
  return { X, y, nRows, nFeatures, classes: nClasses === 2 ? ['away', 'home'] : ['home', 'draw', 'away'] };
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
      weights: Array.from({ length: sizes[l] * out }, () => Math.fround(r() * 2 - 1)),
      bias: Array.from({ length: out }, () => Math.fround(r() * 0.4 - 0.2)),
      activation: l === sizes.length - 2 ? 'linear' : 'relu',
    })),
    output,
  };
}

function referenceLoss(model: DenseModel, X: Float32Array, y: Int32Array, n: number, l2: number): number {
  let sq = 0;
  for (const layer of model.layers) for (const w of layer.weights) sq += w * w;
  return logLoss(predictProba(model, X, n), y, model.classes.length) + 0.5 * l2 * sq;
}

/** Dyadic values (multiples of 1/8 in [-1, 1]): every product and short sum is exact in float32. */
function dyadic(r: () => number, n: number): number[] {
  return Array.from({ length: n }, () => Math.round((r() * 2 - 1) * 8) / 8);
}

test('the SIMD kernel module builds deterministically, validates, and is the default on this runtime', () => {
  const a = buildKernelModule();
  const b = buildKernelModule();
  assert.deepEqual(a, b);
  // Available means the module passed WebAssembly.validate and compiled.
  assert.ok(simdKernelsAvailable(), 'Node 20 supports WebAssembly SIMD');
  if (process.env.SHARPLINE_TRAINER_KERNELS !== 'js') assert.equal(defaultTrainerKernels(), 'wasm-simd');
});

test('GEMM kernels compute every epilogue exactly, with ragged row counts and 4-wide column tails', () => {
  const K = instantiateSimdKernels(1 << 20)!;
  const f = new Float32Array(K.memory.buffer);
  const r = lcg(3);
  const [A, B, C, E1, E2] = [0, 1, 2, 3, 4].map((i) => i * 65536);
  for (const [m, n, k] of [
    [1, 4, 1],
    [3, 12, 5],
    [9, 4, 3],
    [16, 64, 32],
    [13, 20, 7],
  ]) {
    const a = dyadic(r, m * k);
    const b = dyadic(r, k * n);
    const e1 = dyadic(r, m * n);
    const e2 = dyadic(r, m * n);
    f.set(a, A / 4);
    f.set(b, B / 4);
    f.set(e1, E1 / 4);
    f.set(e2, E2 / 4);
    const dot = (i: number, j: number, transposedA: boolean): number => {
      let s = 0;
      for (let t = 0; t < k; t++) s += (transposedA ? a[t * m + i] : a[i * k + t]) * b[t * n + j];
      return s;
    };
    const check = (what: string, expected: (i: number, j: number) => number): void => {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          assert.equal(f[C / 4 + i * n + j], Math.fround(expected(i, j)), `${what} ${m}x${n}x${k} [${i},${j}]`);
        }
      }
    };
    K.gemm(C, A, B, m, n, k, k * 4, 4, n * 4, n * 4);
    check('gemm', (i, j) => dot(i, j, false));
    K.gemm(C, A, B, m, n, k, 4, m * 4, n * 4, n * 4);
    check('gemm Aᵀ', (i, j) => dot(i, j, true));
    K.gemmBias(C, A, B, m, n, k, k * 4, 4, n * 4, n * 4, E1);
    check('gemm+bias', (i, j) => dot(i, j, false) + e1[j]);
    K.gemmBiasRelu(C, A, B, m, n, k, k * 4, 4, n * 4, n * 4, E1);
    check('gemm+bias+relu', (i, j) => {
      const z = dot(i, j, false) + e1[j];
      return z < 0 ? 0 : z;
    });
    K.gemmReluGrad(C, A, B, m, n, k, k * 4, 4, n * 4, n * 4, E1);
    check('gemm relu-grad', (i, j) => (e1[i * n + j] > 0 ? dot(i, j, false) : 0));
    K.gemmReluGradMask(C, A, B, m, n, k, k * 4, 4, n * 4, n * 4, E1, E2);
    check('gemm relu-grad mask', (i, j) => (e1[i * n + j] > 0 ? dot(i, j, false) * e2[i * n + j] : 0));
    K.colsum(C, B, k, n, n * 4);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += b[t * n + j];
      assert.equal(f[C / 4 + j], s, `colsum ${j}`);
    }
    K.transpose(C, A, m, k);
    for (let i = 0; i < m; i++) for (let t = 0; t < k; t++) assert.equal(f[C / 4 + t * m + i], a[i * k + t]);
  }
});

test('the Adam and L2 kernels are bit-identical to the plain-JS float64 update', () => {
  const K = instantiateSimdKernels(1 << 20)!;
  const f = new Float32Array(K.memory.buffer);
  const n = 1000;
  const r = lcg(17);
  const init = (): Float32Array => Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : (r() * 2 - 1) * 10 ** Math.floor(r() * 6 - 4)));
  const w = init();
  const g = init();
  const [W, G, M, V] = [0, 1, 2, 3].map((i) => i * 8192);
  f.set(w, W / 4);
  f.set(g, G / 4);
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  const l2 = 1e-4;
  const [beta1, beta2, lr] = [0.9, 0.999, 0.003];
  for (let t = 1; t <= 3; t++) {
    // The plain path: addL2, then createAdam's step.
    for (let i = 0; i < n; i++) g[i] += l2 * w[i];
    const bc1 = 1 - Math.pow(beta1, t);
    const bc2 = 1 - Math.pow(beta2, t);
    const lrT = (lr * Math.sqrt(bc2)) / bc1;
    const eps = 1e-7 * Math.sqrt(bc2);
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = beta1 * m[i] + (1 - beta1) * gi;
      const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] -= (lrT * mi) / (Math.sqrt(vi) + eps);
    }
    K.l2Axpy(G, W, n, l2);
    K.adam(W, G, M, V, n, beta1, 1 - beta1, beta2, 1 - beta2, lrT, eps);
    assert.deepEqual(f.slice(G / 4, G / 4 + n), g, `gradient after L2, step ${t}`);
    assert.deepEqual(f.slice(M / 4, M / 4 + n), m, `m, step ${t}`);
    assert.deepEqual(f.slice(V / 4, V / 4 + n), v, `v, step ${t}`);
    assert.deepEqual(f.slice(W / 4, W / 4 + n), w, `weights, step ${t}`);
  }
});

for (const [output, sizes, n] of [
  ['softmax', [4, 5, 3, 3], 12],
  ['sigmoid', [4, 6, 1], 12],
  ['softmax', [4, 3], 12],
  ['softmax', [7, 9, 6, 3], 13],
] as const) {
  test(`gradients match finite differences on both kernel paths, and each other (${output}, ${sizes.join('-')}, ${n} rows)`, () => {
    const model = tinyModel(output, [...sizes], 11);
    const r = lcg(5);
    const X = new Float32Array(n * sizes[0]).map(() => r() * 4 - 2);
    const y = Int32Array.from({ length: n }, (_, i) => i % model.classes.length);
    const l2 = 0.01;
    const results = PATHS.map((kernels) => lossAndGradients(model, X, y, n, l2, kernels));
    const eps = 1e-4;
    for (const [p, { loss, gradients }] of results.entries()) {
      assert.ok(Math.abs(loss - referenceLoss(model, X, y, n, l2)) < 1e-5, `${PATHS[p]} loss`);
      model.layers.forEach((layer, l) => {
        for (const [key, grad] of [
          ['weights', gradients[l].weights],
          ['bias', gradients[l].bias],
        ] as const) {
          assert.equal(grad.length, layer[key].length);
          for (let i = 0; i < layer[key].length; i++) {
            const original = layer[key][i];
            layer[key][i] = original + eps;
            const up = referenceLoss(model, X, y, n, l2);
            layer[key][i] = original - eps;
            const down = referenceLoss(model, X, y, n, l2);
            layer[key][i] = original;
            const fd = (up - down) / (2 * eps);
            assert.ok(Math.abs(fd - grad[i]) < 2e-4 + 1e-3 * Math.abs(fd), `${PATHS[p]} layer ${l} ${key}[${i}]: ${grad[i]} vs fd ${fd}`);
          }
        }
      });
    }
    const [wasm, js] = results;
    wasm.gradients.forEach((layer, l) => {
      for (const key of ['weights', 'bias'] as const) {
        for (let i = 0; i < layer[key].length; i++) {
          const a = layer[key][i];
          const b = js.gradients[l][key][i];
          assert.ok(Math.abs(a - b) < 1e-6 + 1e-5 * Math.abs(b), `layer ${l} ${key}[${i}]: wasm ${a} vs js ${b}`);
        }
      }
    });
  });
}

test('each kernel path is bit-for-bit deterministic (dropout, L2, ragged widths and batches) and the two agree closely', async () => {
  const data = synthetic(1500, 5, 3, 3);
  const params = { algo: 'mlp' as const, hidden: [9, 6], dropout: 0.2, l2: 1e-3, batchSize: 50, epochs: 4, seed: 99 };
  const runs = new Map<TrainerKernels, Awaited<ReturnType<typeof train>>>();
  for (const kernels of PATHS) {
    const a = await train(data, params, { kernels });
    const b = await train(data, params, { kernels });
    assert.equal(a.kernels, kernels);
    assert.deepEqual(a.model, b.model, kernels);
    assert.deepEqual(a.history, b.history, kernels);
    const c = await train(data, { ...params, seed: 100 }, { kernels });
    assert.notDeepEqual(c.model.layers, a.model.layers);
    runs.set(kernels, a);
  }
  // Same initial weights, shuffles and dropout draws; only float32-vs-float64 accumulation differs.
  const wasm = runs.get('wasm-simd')!;
  const js = runs.get('js')!;
  assert.equal(wasm.bestEpoch, js.bestEpoch);
  wasm.history.forEach((h, i) => {
    assert.ok(Math.abs(h.loss - js.history[i].loss) < 1e-4, `epoch ${h.epoch} loss ${h.loss} vs ${js.history[i].loss}`);
    assert.ok(Math.abs(h.valLoss! - js.history[i].valLoss!) < 1e-4, `epoch ${h.epoch} valLoss`);
  });
  wasm.model.layers.forEach((layer, l) => {
    layer.weights.forEach((w, i) => assert.ok(Math.abs(w - js.model.layers[l].weights[i]) < 1e-3, `layer ${l} w[${i}]`));
  });
});

for (const kernels of PATHS) {
  test(`the ${kernels} path learns a noisy 3-way problem well below the base rate`, async () => {
    const data = synthetic(5000, 6, 3, 21);
    const fitRows = 4000;
    const fit = { ...data, X: data.X.slice(0, fitRows * 6), y: Int32Array.from(data.y as ArrayLike<number>).slice(0, fitRows), nRows: fitRows };
    const result = await train(fit, { algo: 'mlp', epochs: 25 }, { kernels });
    assert.equal(result.kernels, kernels);
    const testX = data.X.slice(fitRows * 6);
    const testY = Int32Array.from(data.y as ArrayLike<number>).slice(fitRows);
    const counts = [0, 0, 0];
    for (const c of testY) counts[c]++;
    const base = -counts.reduce((s, c) => s + (c / testY.length) * Math.log(c / testY.length), 0);
    const modelLoss = logLoss(predictProba(result.model, testX, testY.length), testY, 3);
    assert.ok(modelLoss < base - 0.2, `${kernels}: model ${modelLoss.toFixed(4)} vs base rate ${base.toFixed(4)}`);
  });
}

test('an unknown kernels option is rejected with TRAINING_SPEC_INVALID', async () => {
  const data = synthetic(100, 3, 3, 1);
  try {
    await train(data, {}, { kernels: 'gpu' as unknown as TrainerKernels });
    assert.fail('expected a rejection');
  } catch (error) {
    assert.ok(isAppError(error));
    assert.equal(error.code, 'TRAINING_SPEC_INVALID');
    assert.equal((error.details as Record<string, unknown>).field, 'kernels');
  }
});
