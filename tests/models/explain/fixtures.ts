/**
 * Shared fixtures of the SHAP tests (models/explain): three small models (a hand-written nonlinear one,
 * softmax-logistic, a random MLP), seeded Gaussian data and backgrounds, and a brute-force Shapley
 * reference the engines are checked against.
 */
import assert from 'node:assert/strict';
import type { Background, ExplainableModel, RowExplanation } from '../../../models/explain/index.ts';
import { createAsyncExplainer, createExplainer, explainableModelOf, selectBackground, type AutoExplainOptions, type DenseModel } from '../../../models/index.ts';
import { seededRandom } from '../../support/fixtures.ts';

export function gaussianMatrix(rows: number, cols: number, seed: number, scale = 1): Float64Array {
  const r = seededRandom(seed);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

export function softmaxRows(z: Float64Array, n: number, k: number): Float64Array {
  const p = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, z[r * k + c]);
    let s = 0;
    for (let c = 0; c < k; c++) s += p[r * k + c] = Math.exp(z[r * k + c] - max);
    for (let c = 0; c < k; c++) p[r * k + c] /= s;
  }
  return p;
}

/** Hand-written nonlinear model with interactions; feature 6 is a dummy, 4 and 5 are symmetric. */
export function nonlinearModel(): ExplainableModel {
  const d = 8;
  return {
    nFeatures: d,
    nOutputs: 3,
    outputNames: ['home', 'draw', 'away'],
    predict(X, n) {
      const z = new Float64Array(n * 3);
      for (let r = 0; r < n; r++) {
        const x = X.subarray(r * d, (r + 1) * d);
        z[r * 3] = x[0] * x[1] + Math.sin(x[2]) + 0.5 * x[4] * x[5] + 0.3 * x[7];
        z[r * 3 + 1] = x[3] * x[3] - x[0] * x[2] * x[7] + 0.2 * (x[4] + x[5]);
        z[r * 3 + 2] = Math.tanh(x[1] + x[3]) - x[7] * x[7] + x[4] * x[5] * x[0];
      }
      return softmaxRows(z, n, 3);
    },
  };
}

/** Multinomial logistic model with a standardisation step, exposing logits and its linear form. */
export function logisticModel(d: number, k: number, seed: number, withLogits = true): ExplainableModel {
  const weights = gaussianMatrix(d, k, seed);
  const bias = gaussianMatrix(1, k, seed + 1);
  const center = gaussianMatrix(1, d, seed + 2);
  const scale = Float64Array.from(gaussianMatrix(1, d, seed + 3), (v) => 0.5 + Math.abs(v));
  const logits = (X: Float64Array, n: number): Float64Array => {
    const z = new Float64Array(n * k);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < k; c++) {
        let s = bias[c];
        for (let f = 0; f < d; f++) s += ((X[r * d + f] - center[f]) / scale[f]) * weights[f * k + c];
        z[r * k + c] = s;
      }
    }
    return z;
  };
  return {
    nFeatures: d,
    nOutputs: k,
    outputNames: Array.from({ length: k }, (_, c) => `class${c}`),
    predict: (X, n) => softmaxRows(logits(X, n), n, k),
    ...(withLogits ? { predictLogits: logits } : {}),
    linear: { weights, bias, center, scale },
  };
}

/** Tiny random MLP d → h → 3 (tanh hidden layer, softmax output). */
export function mlpModel(d: number, h: number, seed: number): ExplainableModel {
  const W1 = gaussianMatrix(d, h, seed, 1 / Math.sqrt(d));
  const b1 = gaussianMatrix(1, h, seed + 1, 0.1);
  const W2 = gaussianMatrix(h, 3, seed + 2, 1 / Math.sqrt(h));
  return {
    nFeatures: d,
    nOutputs: 3,
    outputNames: ['home', 'draw', 'away'],
    predict(X, n) {
      const z = new Float64Array(n * 3);
      const hidden = new Float64Array(h);
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < h; j++) {
          let s = b1[j];
          for (let f = 0; f < d; f++) s += X[r * d + f] * W1[f * h + j];
          hidden[j] = Math.tanh(s);
        }
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let j = 0; j < h; j++) s += hidden[j] * W2[j * 3 + c];
          z[r * 3 + c] = s;
        }
      }
      return softmaxRows(z, n, 3);
    },
  };
}

/**
 * Brute-force interventional Shapley values: for each player, sum over every subset of the
 * other players with weight |S|!(M−|S|−1)!/M!; each v(S) evaluates the model once per
 * background row, one row per call. Players are arrays of feature indices.
 */
export function referenceShapley(
  f: (X: Float64Array, n: number) => Float64Array,
  x: Float64Array,
  background: Background,
  players: number[][],
  nOut: number,
): number[][] {
  const d = x.length;
  const M = players.length;
  const weights = background.weights ?? new Float64Array(background.nRows).fill(1);
  const wsum = weights.reduce((a, b) => a + b, 0);
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const value = (inS: boolean[]): number[] => {
    const v = new Array<number>(nOut).fill(0);
    for (let b = 0; b < background.nRows; b++) {
      const row = background.data.slice(b * d, (b + 1) * d);
      players.forEach((feats, p) => {
        if (inS[p]) for (const i of feats) row[i] = x[i];
      });
      const out = f(row, 1);
      for (let k = 0; k < nOut; k++) v[k] += (weights[b] / wsum) * out[k];
    }
    return v;
  };
  const phi: number[][] = [];
  for (let i = 0; i < M; i++) {
    const acc = new Array<number>(nOut).fill(0);
    const others = [...Array(M).keys()].filter((j) => j !== i);
    for (let mask = 0; mask < 1 << others.length; mask++) {
      const inS = new Array<boolean>(M).fill(false);
      let size = 0;
      others.forEach((j, t) => {
        if (mask & (1 << t)) {
          inS[j] = true;
          size++;
        }
      });
      const without = value(inS);
      inS[i] = true;
      const withI = value(inS);
      const w = (factorial(size) * factorial(M - size - 1)) / factorial(M);
      for (let k = 0; k < nOut; k++) acc[k] += w * (withI[k] - without[k]);
    }
    phi.push(acc);
  }
  return phi;
}

export function singletons(d: number): number[][] {
  return Array.from({ length: d }, (_, i) => [i]);
}

/** phi of an explanation as players × outputs, in player order. */
export function phiMatrix(e: RowExplanation, nOut: number): number[][] {
  return e.players.map((_, i) => Array.from(e.phi.subarray(i * nOut, (i + 1) * nOut)));
}

export function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, k) => (m = Math.max(m, Math.abs(v - b[i][k])))));
  return m;
}

/** max |a_i − b_i| over two flat arrays. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** How far the float32 onnxruntime engines may be from float64: rounding of coalition values, no more (measured ~1e-8). */
export const ONNX_TOLERANCE = 1e-5;

/**
 * Explains `nRows` rows of `X` with the float64 engine and with the onnxruntime one built from the
 * same options, and asserts that onnxruntime ran, that every Shapley value is within
 * {@link ONNX_TOLERANCE} and that the onnxruntime values are additive; `each` adds checks per row.
 */
export async function assertOnnxMatchesFloat64(model: ExplainableModel, options: AutoExplainOptions, X: Float64Array, nRows: number, each?: (want: RowExplanation, got: RowExplanation) => void): Promise<void> {
  const reference = createExplainer(model, options);
  const fast = await createAsyncExplainer(model, options);
  try {
    assert.equal(fast.asyncEngine, 'onnxruntime');
    const want = reference.explainRows(X, nRows);
    const got = await fast.explainRowsAsync(X, nRows);
    for (let r = 0; r < nRows; r++) {
      const diff = maxDiff(want[r]!.phi, got[r]!.phi);
      assert.ok(diff <= ONNX_TOLERANCE, `row ${r}: max |Δφ| ${diff}`);
      assert.ok(Math.max(...got[r]!.outputs.map((o) => o.residual)) < 1e-12, 'additive');
      each?.(want[r]!, got[r]!);
    }
  } finally {
    await fast.release();
  }
}

/** A model without its network form gets the JavaScript engine on the async path, with its values. */
export async function assertFallsBackToJs(options: Omit<AutoExplainOptions, 'background'>): Promise<void> {
  const { network: _n, ...blackBox } = explainableModelOf(randomNetwork(5, [6], 3, 9));
  const background = selectBackground(gaussianMatrix(30, 5, 7), 30, 5, { size: 10, seed: 2 });
  const fast = await createAsyncExplainer(blackBox, { ...options, background });
  assert.equal(fast.asyncEngine, 'js');
  const x = gaussianMatrix(1, 5, 8);
  assert.deepEqual((await fast.explainRowsAsync(x, 1))[0]!.phi, fast.explain(x).phi);
}

export function assertAdditive(e: RowExplanation, tol = 1e-6): void {
  for (const o of e.outputs) assert.ok(o.residual <= tol, `residual ${o.residual} for ${o.output}`);
}

export function makeBackground(n: number, d: number, seed: number, weights?: number[]): Background {
  return { data: gaussianMatrix(n, d, seed), nRows: n, ...(weights ? { weights: Float64Array.from(weights) } : {}) };
}

/** A seeded dense network (ReLU hidden layers, linear output) of `d` inputs and `nClasses` outputs: the structural and onnxruntime engines' test model. */
export function randomNetwork(d: number, hidden: number[], nClasses: number, seed: number): DenseModel {
  const sizes = [d, ...hidden, nClasses === 2 ? 1 : nClasses];
  const g = (n: number, s: number, scale = 1) => Array.from(gaussianMatrix(1, n, seed * 31 + s, scale));
  return {
    format: 'sharpline-dense/1',
    featureNames: Array.from({ length: d }, (_, i) => `f${i}`),
    classes: nClasses === 2 ? ['no', 'yes'] : ['home', 'draw', 'away'],
    standardization: { mean: g(d, 1, 0.3), std: g(d, 2).map((v) => 0.5 + Math.abs(v)) },
    layers: sizes.slice(1).map((o, i) => ({
      inputSize: sizes[i]!,
      outputSize: o,
      weights: g(sizes[i]! * o, 10 + i, 1.4 / Math.sqrt(sizes[i]!)),
      bias: g(o, 20 + i, 0.3),
      activation: i === sizes.length - 2 ? ('linear' as const) : ('relu' as const),
    })),
    output: nClasses === 2 ? 'sigmoid' : 'softmax',
  };
}
