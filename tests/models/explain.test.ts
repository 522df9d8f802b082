import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isAppError } from '../../core/errors.ts';
import {
  createExplainer,
  explain,
  explainRows,
  meanAbsShap,
  permutationImportance,
  selectBackground,
  type Background,
  type ExplainableModel,
  type RowExplanation,
} from '../../models/explain/index.ts';

// ---------------------------------------------------------------------------------------
// Test fixtures: a seeded generator, three small models and a brute-force reference.
// ---------------------------------------------------------------------------------------

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussianMatrix(rows: number, cols: number, seed: number, scale = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

function softmaxRows(z: Float64Array, n: number, k: number): Float64Array {
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
function nonlinearModel(): ExplainableModel {
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
function logisticModel(d: number, k: number, seed: number, withLogits = true): ExplainableModel {
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
function mlpModel(d: number, h: number, seed: number): ExplainableModel {
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
function referenceShapley(
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

function singletons(d: number): number[][] {
  return Array.from({ length: d }, (_, i) => [i]);
}

/** phi of an explanation as players × outputs, in player order. */
function phiMatrix(e: RowExplanation, nOut: number): number[][] {
  return e.players.map((_, i) => Array.from(e.phi.subarray(i * nOut, (i + 1) * nOut)));
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, k) => (m = Math.max(m, Math.abs(v - b[i][k])))));
  return m;
}

function assertAdditive(e: RowExplanation, tol = 1e-6): void {
  for (const o of e.outputs) assert.ok(o.residual <= tol, `residual ${o.residual} for ${o.output}`);
}

function makeBackground(n: number, d: number, seed: number, weights?: number[]): Background {
  return { data: gaussianMatrix(n, d, seed), nRows: n, ...(weights ? { weights: Float64Array.from(weights) } : {}) };
}

// ---------------------------------------------------------------------------------------

describe('exact engine', () => {
  it('matches the brute-force reference on a nonlinear model with interactions', () => {
    const model = nonlinearModel();
    const bg = makeBackground(6, 8, 11, [1, 2, 0.5, 1, 3, 1]);
    const x = gaussianMatrix(1, 8, 12);
    const e = explain(model, x, { engine: 'exact', background: bg });
    const ref = referenceShapley(model.predict, x, bg, singletons(8), 3);
    assert.ok(maxAbsDiff(phiMatrix(e, 3), ref) <= 1e-9);
    assert.equal(e.engine, 'exact');
    assert.equal(e.approximate, false);
    assertAdditive(e, 1e-12);
  });

  it('matches the reference on a random MLP and on a softmax-logistic model', () => {
    const mlp = mlpModel(7, 5, 21);
    const bg = makeBackground(5, 7, 22);
    const x = gaussianMatrix(1, 7, 23);
    const e = explain(mlp, x, { engine: 'exact', background: bg });
    assert.ok(maxAbsDiff(phiMatrix(e, 3), referenceShapley(mlp.predict, x, bg, singletons(7), 3)) <= 1e-9);
    assertAdditive(e);

    const lr = logisticModel(6, 3, 31);
    const bg2 = makeBackground(4, 6, 32);
    const x2 = gaussianMatrix(1, 6, 33);
    const e2 = explain(lr, x2, { engine: 'exact', background: bg2 });
    assert.ok(maxAbsDiff(phiMatrix(e2, 3), referenceShapley(lr.predict, x2, bg2, singletons(6), 3)) <= 1e-9);
    const e3 = explain(lr, x2, { engine: 'exact', background: bg2, outputSpace: 'logodds' });
    assert.ok(maxAbsDiff(phiMatrix(e3, 3), referenceShapley(lr.predictLogits!, x2, bg2, singletons(6), 3)) <= 1e-9);
    assertAdditive(e3);
  });

  it('reports base value, prediction and contributions sorted by |shap|', () => {
    const model = nonlinearModel();
    const bg = makeBackground(5, 8, 41);
    const x = gaussianMatrix(1, 8, 42);
    const e = explain(model, x, { engine: 'exact', background: bg });
    const p = model.predict(x, 1);
    const bgOut = model.predict(bg.data, bg.nRows);
    e.outputs.forEach((o, k) => {
      assert.ok(Math.abs(o.prediction - p[k]) < 1e-12);
      let mean = 0;
      for (let b = 0; b < bg.nRows; b++) mean += bgOut[b * 3 + k] / bg.nRows;
      assert.ok(Math.abs(o.baseValue - mean) < 1e-12);
      for (let i = 1; i < o.contributions.length; i++) {
        assert.ok(Math.abs(o.contributions[i - 1].shap) >= Math.abs(o.contributions[i].shap));
      }
      const c2 = o.contributions.find((c) => c.player === 'f2')!;
      assert.deepEqual(c2.values, [x[2]]);
    });
    assert.deepEqual(e.outputs.map((o) => o.output), ['home', 'draw', 'away']);
    // One batched call for everything.
    assert.equal(e.stats.modelCalls, 1);
    assert.equal(e.stats.coalitions, 256);
  });

  it('gives a dummy feature zero and symmetric features equal values', () => {
    const model = nonlinearModel();
    const bg = makeBackground(6, 8, 51);
    for (let b = 0; b < bg.nRows; b++) bg.data[b * 8 + 5] = bg.data[b * 8 + 4];
    const x = gaussianMatrix(1, 8, 52);
    x[5] = x[4];
    for (const engine of ['exact', 'kernel'] as const) {
      const e = explain(model, x, { engine, background: bg });
      for (let k = 0; k < 3; k++) {
        assert.ok(Math.abs(e.phi[6 * 3 + k]) <= 1e-12, `${engine} dummy`);
        assert.ok(Math.abs(e.phi[4 * 3 + k] - e.phi[5 * 3 + k]) <= 1e-12, `${engine} symmetry`);
      }
    }
  });

  it('treats a feature group as one player', () => {
    const model = nonlinearModel();
    const bg = makeBackground(5, 8, 61);
    const x = gaussianMatrix(1, 8, 62);
    const groups = [[0, 7], [3, 1, 2]];
    const e = explain(model, x, { engine: 'exact', background: bg, groups, groupNames: ['market', 'form'] });
    const players = [[0, 7], [1, 2, 3], [4], [5], [6]];
    assert.deepEqual(e.players.map((p) => p.featureIndices), players);
    assert.deepEqual(e.players.map((p) => p.name), ['market', 'form', 'f4', 'f5', 'f6']);
    assert.ok(maxAbsDiff(phiMatrix(e, 3), referenceShapley(model.predict, x, bg, players, 3)) <= 1e-9);
    assertAdditive(e);
    const market = e.outputs[0].contributions.find((c) => c.player === 'market')!;
    assert.deepEqual(market.values, [x[0], x[7]]);
  });

  it('uses background weights like repeated rows and merges duplicates', () => {
    const model = mlpModel(6, 4, 71);
    const base = gaussianMatrix(3, 6, 72);
    const x = gaussianMatrix(1, 6, 73);
    const weighted = explain(model, x, { engine: 'exact', background: { data: base, nRows: 3, weights: Float64Array.from([1, 3, 2]) } });
    const repeated = new Float64Array(6 * 6);
    [0, 1, 1, 1, 2, 2].forEach((r, i) => repeated.set(base.subarray(r * 6, (r + 1) * 6), i * 6));
    const dup = explain(model, x, { engine: 'exact', background: { data: repeated, nRows: 6 } });
    assert.ok(maxAbsDiff(phiMatrix(weighted, 3), phiMatrix(dup, 3)) <= 1e-12);
    assert.equal(dup.stats.modelRows, weighted.stats.modelRows);
  });

  it('evaluates identical perturbations once when x shares values with the background', () => {
    const model = mlpModel(6, 4, 81);
    const bg = makeBackground(4, 6, 82);
    const x = gaussianMatrix(1, 6, 83);
    for (let b = 0; b < 4; b++) {
      bg.data[b * 6] = x[0];
      bg.data[b * 6 + 3] = x[3];
    }
    const e = explain(model, x, { engine: 'exact', background: bg });
    assert.ok(maxAbsDiff(phiMatrix(e, 3), referenceShapley(model.predict, x, bg, singletons(6), 3)) <= 1e-9);
    // Two players equal everywhere: 2^4 − 2 distinct rows per background row, plus x itself
    // (the background is evaluated once when the explainer is created).
    assert.equal(e.stats.modelRows, 4 * 14 + 1);
  });

  it('throws EXPLAINER_UNSUPPORTED above 14 players and chunks large batches', () => {
    const model = mlpModel(15, 3, 91);
    const bg = makeBackground(2, 15, 92);
    const x = gaussianMatrix(1, 15, 93);
    assert.throws(
      () => explain(model, x, { engine: 'exact', background: bg }),
      (err: unknown) => isAppError(err) && err.code === 'EXPLAINER_UNSUPPORTED',
    );
    const grouped = explain(model, x, { engine: 'exact', background: bg, groups: [[0, 1, 2]], maxBatchRows: 1000 });
    assert.ok(grouped.stats.modelCalls > 1);
    const whole = explain(model, x, { engine: 'exact', background: bg, groups: [[0, 1, 2]] });
    assert.equal(whole.stats.modelCalls, 1);
    assert.ok(maxAbsDiff(phiMatrix(grouped, 3), phiMatrix(whole, 3)) <= 1e-15);
  });
});

describe('linear engine', () => {
  it('equals exact interventional SHAP in log-odds space on logistic models', () => {
    for (const withLogits of [true, false]) {
      const model = logisticModel(8, 3, 101, withLogits);
      const bg = makeBackground(7, 8, 102, [1, 1, 2, 1, 0.5, 1, 3]);
      const x = gaussianMatrix(1, 8, 103);
      const lin = explain(model, x, { engine: 'linear', background: bg, outputSpace: 'logodds' });
      const exact = explain(model, x, { engine: 'exact', background: bg, outputSpace: 'logodds' });
      assert.ok(maxAbsDiff(phiMatrix(lin, 3), phiMatrix(exact, 3)) <= 1e-9);
      lin.outputs.forEach((o, k) => {
        assert.ok(Math.abs(o.baseValue - exact.outputs[k].baseValue) <= 1e-9);
        assert.ok(Math.abs(o.prediction - exact.outputs[k].prediction) <= 1e-9);
      });
      assertAdditive(lin, 1e-9);
      assert.equal(lin.stats.modelCalls, 0);
      const grouped = explain(model, x, { engine: 'linear', background: bg, outputSpace: 'logodds', groups: [[1, 5, 6]] });
      const groupedExact = explain(model, x, { engine: 'exact', background: bg, outputSpace: 'logodds', groups: [[1, 5, 6]] });
      assert.ok(maxAbsDiff(phiMatrix(grouped, 3), phiMatrix(groupedExact, 3)) <= 1e-9);
    }
  });

  it('is chosen by auto in log-odds space and refused in probability space, where it has no closed form', () => {
    const model = logisticModel(5, 3, 111);
    const bg = makeBackground(4, 5, 112);
    const x = gaussianMatrix(1, 5, 113);
    assert.equal(explain(model, x, { background: bg, outputSpace: 'logodds' }).engine, 'linear');
    assert.equal(explain(model, x, { background: bg }).engine, 'exact');
    assert.throws(
      () => explain(model, x, { engine: 'linear', background: bg }),
      (err: unknown) => isAppError(err) && err.code === 'EXPLAINER_UNSUPPORTED' && /log-odds/.test(err.message),
    );
  });

  it('throws EXPLAINER_UNSUPPORTED without a linear form', () => {
    assert.throws(
      () => explain(mlpModel(4, 3, 121), gaussianMatrix(1, 4, 122), { engine: 'linear', background: makeBackground(2, 4, 123) }),
      (err: unknown) => isAppError(err) && err.code === 'EXPLAINER_UNSUPPORTED',
    );
  });
});

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

describe('explainer reuse and output spaces', () => {
  it('an explainer created once gives the same values as one-shot calls', () => {
    const model = mlpModel(9, 6, 221);
    const bg = makeBackground(6, 9, 222);
    const X = gaussianMatrix(4, 9, 223);
    for (const engine of ['exact', 'kernel'] as const) {
      const explainer = createExplainer(model, { engine, background: bg, nSamples: 300 });
      assert.equal(explainer.engine, engine);
      assert.equal(explainer.setupCalls, 1);
      const bgOut = model.predict(bg.data, bg.nRows);
      for (let k = 0; k < 3; k++) {
        let mean = 0;
        for (let b = 0; b < bg.nRows; b++) mean += bgOut[b * 3 + k] / bg.nRows;
        assert.ok(Math.abs(explainer.baseValues[k] - mean) < 1e-12);
      }
      for (let r = 0; r < 4; r++) {
        const x = X.slice(r * 9, (r + 1) * 9);
        const once = explain(model, x, { engine, background: bg, nSamples: 300 });
        const reused = explainer.explain(x);
        assert.deepEqual(Array.from(reused.phi), Array.from(once.phi));
        assert.equal(reused.stats.modelCalls, 1);
      }
    }
  });

  it('log-odds space without logits uses the centred log-ratio (several outputs) or logit (one output)', () => {
    const model = mlpModel(6, 4, 231);
    const bg = makeBackground(4, 6, 232);
    const x = gaussianMatrix(1, 6, 233);
    const clr = (X: Float64Array, n: number): Float64Array => {
      const p = model.predict(X, n);
      const out = new Float64Array(n * 3);
      for (let r = 0; r < n; r++) {
        const logs = [0, 1, 2].map((k) => Math.log(p[r * 3 + k]));
        const mean = (logs[0] + logs[1] + logs[2]) / 3;
        for (let k = 0; k < 3; k++) out[r * 3 + k] = logs[k] - mean;
      }
      return out;
    };
    const e = explain(model, x, { engine: 'exact', background: bg, outputSpace: 'logodds' });
    assert.ok(maxAbsDiff(phiMatrix(e, 3), referenceShapley(clr, x, bg, singletons(6), 3)) <= 1e-9);

    const binary: ExplainableModel = {
      nFeatures: 6,
      nOutputs: 1,
      outputNames: ['home'],
      predict: (X, n) => Float64Array.from({ length: n }, (_, r) => model.predict(X.subarray(r * 6, (r + 1) * 6), 1)[0]),
    };
    const logit = (X: Float64Array, n: number): Float64Array => binary.predict(X, n).map((p) => Math.log(p / (1 - p)));
    const eb = explain(binary, x, { engine: 'exact', background: bg, outputSpace: 'logodds' });
    assert.ok(maxAbsDiff(phiMatrix(eb, 1), referenceShapley(logit, x, bg, singletons(6), 1)) <= 1e-9);
    assertAdditive(eb);
  });

  it('rejects an unknown engine with EXPLAINER_UNSUPPORTED', () => {
    assert.throws(
      () => explain(mlpModel(3, 2, 241), gaussianMatrix(1, 3, 242), { engine: 'magic' as never, background: makeBackground(2, 3, 243) }),
      (err: unknown) => isAppError(err) && err.code === 'EXPLAINER_UNSUPPORTED',
    );
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

describe('background selection', () => {
  it('summarises with weighted k-means or a seeded sample', () => {
    const X = gaussianMatrix(500, 4, 181);
    const km = selectBackground(X, 500, 4, { size: 20, seed: 2 });
    assert.ok(km.nRows <= 20 && km.nRows > 10);
    const wsum = km.weights!.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(wsum - 1) < 1e-12);
    // Weighted centroids preserve the data mean.
    for (let f = 0; f < 4; f++) {
      let m = 0;
      let c = 0;
      for (let r = 0; r < 500; r++) m += X[r * 4 + f] / 500;
      for (let r = 0; r < km.nRows; r++) c += km.weights![r] * km.data[r * 4 + f];
      assert.ok(Math.abs(m - c) < 1e-9);
    }
    const s1 = selectBackground(X, 500, 4, { size: 30, method: 'sample', seed: 5 });
    const s2 = selectBackground(X, 500, 4, { size: 30, method: 'sample', seed: 5 });
    assert.equal(s1.nRows, 30);
    assert.deepEqual(Array.from(s1.data), Array.from(s2.data));
    const small = selectBackground(X.subarray(0, 40), 10, 4, { size: 100 });
    assert.equal(small.nRows, 10);
  });
});

describe('global importance', () => {
  it('mean |SHAP| equals the mean of per-row absolute values', () => {
    const model = nonlinearModel();
    const bg = makeBackground(4, 8, 191);
    const X = gaussianMatrix(5, 8, 192);
    const g = meanAbsShap(model, X, 5, { background: bg });
    const rows = Array.from({ length: 5 }, (_, r) => explain(model, X.subarray(r * 8, (r + 1) * 8), { background: bg }));
    for (let i = 0; i < 8 * 3; i++) {
      const m = rows.reduce((a, e) => a + Math.abs(e.phi[i]), 0) / 5;
      assert.ok(Math.abs(g.values[i] - m) < 1e-12);
    }
    assert.equal(g.ranking.home.at(-1)!.player, 'f6');
  });

  it('permutation importance is seeded, zero for a dummy feature and positive for a signal', () => {
    const model = nonlinearModel();
    const n = 300;
    const X = gaussianMatrix(n, 8, 201);
    const p = model.predict(X, n);
    const r = rng(202);
    const labels = Array.from({ length: n }, (_, i) => {
      const u = r();
      return u < p[i * 3] ? 0 : u < p[i * 3] + p[i * 3 + 1] ? 1 : 2;
    });
    const a = permutationImportance(model, X, n, labels, { seed: 9, nRepeats: 3 });
    const b = permutationImportance(model, X, n, labels, { seed: 9, nRepeats: 3 });
    assert.deepEqual(a, b);
    const dummy = a.players.find((q) => q.player === 'f6')!;
    assert.equal(dummy.importance, 0);
    assert.ok(a.players[0].importance > 0.01);
    const grouped = permutationImportance(model, X, n, labels, { seed: 9, nRepeats: 3, groups: [[4, 5]], groupNames: ['pair'] });
    assert.ok(grouped.players.some((q) => q.player === 'pair'));
  });
});

describe('input validation', () => {
  it('rejects overlapping groups and malformed rows with MODEL_INPUT_INVALID', () => {
    const model = nonlinearModel();
    const bg = makeBackground(3, 8, 211);
    const isInvalid = (err: unknown): boolean => isAppError(err) && err.code === 'MODEL_INPUT_INVALID';
    assert.throws(() => explain(model, gaussianMatrix(1, 8, 1), { background: bg, groups: [[0, 1], [1, 2]] }), isInvalid);
    assert.throws(() => explain(model, new Float64Array(7), { background: bg }), isInvalid);
    assert.throws(() => explain(model, Float64Array.from([NaN, 0, 0, 0, 0, 0, 0, 0]), { background: bg }), isInvalid);
    assert.throws(() => explain(model, gaussianMatrix(1, 8, 1), { background: { data: new Float64Array(5), nRows: 1 } }), isInvalid);
  });
});
