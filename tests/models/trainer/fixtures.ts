/**
 * Shared fixtures of the trainer tests (models/trainer): synthetic training data, a tiny dense
 * model, the float64 reference loss and the finite-difference check every gradient test makes.
 */
import assert from 'node:assert/strict';
import { DENSE_MODEL_FORMAT, logLoss, predictProba, type DenseModel, type LayerGradients, type TrainerKernels, type TrainingData } from '../../../models/index.ts';
import { isAppError } from '../../../core/errors.ts';
import { seededRandom } from '../../support/fixtures.ts';

/** Both kernel paths of the trainer: WebAssembly SIMD and plain JS. */
export const PATHS: TrainerKernels[] = ['wasm-simd', 'js'];

/**
 * Noisy 3-way (or 2-way) outcome driven by a linear "strength difference" plus an interaction the
 * MLP can use; features have non-trivial means and scales so standardisation matters.
 */
export function synthetic(nRows: number, nFeatures: number, nClasses: 2 | 3, seed: number): TrainingData {
  const r = seededRandom(seed);
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

/** Log loss of always predicting the class frequencies of `y`. */
export function baseRateLogLoss(y: ArrayLike<number>, nClasses: number): number {
  const counts = new Array<number>(nClasses).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return -counts.reduce((s, c) => (c === 0 ? s : s + (c / y.length) * Math.log(c / y.length)), 0);
}

/** Rows [from, to) of a data set. */
export function slice(data: TrainingData, from: number, to: number): { X: Float32Array; y: Int32Array; n: number } {
  return {
    X: data.X.slice(from * data.nFeatures, to * data.nFeatures),
    y: Int32Array.from(data.y as ArrayLike<number>).slice(from, to),
    n: to - from,
  };
}

/** Awaits a rejection with AppError `code`; returns its details. */
export async function expectRejects(promise: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isAppError(error), `expected AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    return (error.details ?? {}) as Record<string, unknown>;
  }
  assert.fail(`expected AppError ${code}`);
}

export function tinyModel(output: 'softmax' | 'sigmoid', sizes: number[], seed: number): DenseModel {
  const r = seededRandom(seed);
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
export function referenceLoss(model: DenseModel, X: Float32Array, y: Int32Array, n: number, l2: number): number {
  let sq = 0;
  for (const layer of model.layers) for (const w of layer.weights) sq += w * w;
  return logLoss(predictProba(model, X, n), y, model.classes.length) + 0.5 * l2 * sq;
}

/**
 * Checks `gradients` of `model`'s loss against central finite differences of the float64
 * reference loss on every parameter (within 2e-4 + 1e-3·|fd|); `label` names the path checked.
 */
export function assertMatchesFiniteDifferences(
  model: DenseModel,
  X: Float32Array,
  y: Int32Array,
  n: number,
  l2: number,
  gradients: LayerGradients[],
  label: string,
): void {
  const eps = 1e-4;
  model.layers.forEach((layer, l) => {
    for (const [key, grad] of [
      ['weights', gradients[l].weights],
      ['bias', gradients[l].bias],
    ] as const) {
      assert.equal(grad.length, layer[key].length, `${label} layer ${l} ${key}: one gradient per parameter`);
      for (let i = 0; i < layer[key].length; i++) {
        const original = layer[key][i];
        layer[key][i] = original + eps;
        const up = referenceLoss(model, X, y, n, l2);
        layer[key][i] = original - eps;
        const down = referenceLoss(model, X, y, n, l2);
        layer[key][i] = original;
        const fd = (up - down) / (2 * eps);
        assert.ok(Math.abs(fd - grad[i]) < 2e-4 + 1e-3 * Math.abs(fd), `${label} layer ${l} ${key}[${i}]: ${grad[i]} vs fd ${fd}`);
      }
    }
  });
}

/** Dyadic values (multiples of 1/8 in [-1, 1]): every product and short sum is exact in float32. */
export function dyadic(r: () => number, n: number): number[] {
  return Array.from({ length: n }, () => Math.round((r() * 2 - 1) * 8) / 8);
}
