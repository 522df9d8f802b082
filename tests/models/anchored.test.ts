import { test } from 'vitest';
import assert from 'node:assert/strict';
import { DENSE_MODEL_FORMAT, createExplainer, explainableModelOf, logLoss, predictProba, selectBackground, train, type DenseModel, type TrainingData } from '../../models/index.ts';
import { foldAnchor } from '../../models/trainer/anchor.ts';
import { isAppError } from '../../core/errors.ts';
import { seededRandom } from '../support/fixtures.ts';

/**
 * A market that knows most of the outcome: the true logits are the market's log-odds plus a small
 * effect of feature `edge` that the market misses; `noise` carries nothing. Columns: mkt_h, mkt_a
 * (log-odds against the draw), edge, noise. Classes home/draw/away.
 */
function marketData(nRows: number, seed: number, edgeStrength: number): TrainingData & { trueLoss: number } {
  const r = seededRandom(seed);
  const nFeatures = 4;
  const X = new Float32Array(nRows * nFeatures);
  const y = new Int32Array(nRows);
  let trueLoss = 0;
  for (let i = 0; i < nRows; i++) {
    const h = Math.fround(0.4 + (r() - 0.5) * 2);
    const a = Math.fround(-0.1 + (r() - 0.5) * 2);
    const edge = Math.fround(r() * 2 - 1);
    X.set([h, a, edge, Math.fround(r() * 2 - 1)], i * nFeatures);
    const z = [h + edgeStrength * edge, 0, a - edgeStrength * edge];
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e[0]! + e[1]! + e[2]!;
    const u = r() * s;
    y[i] = u < e[0]! ? 0 : u < e[0]! + e[1]! ? 1 : 2;
    trueLoss -= Math.log(e[y[i]!]! / s);
  }
  return { X, y, nRows, nFeatures, classes: ['home', 'draw', 'away'], featureNames: ['mkt_h', 'mkt_a', 'edge', 'noise'], trueLoss: trueLoss / nRows };
}

const ANCHOR = ['mkt_h', '', 'mkt_a'];

function marketLoss(d: TrainingData, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) {
    const z = [d.X[i * d.nFeatures]!, 0, d.X[i * d.nFeatures + 1]!];
    const m = Math.max(...z);
    const s = z.reduce((acc, v) => acc + Math.exp(v - m), 0);
    sum -= z[Number(d.y[i])]! - m - Math.log(s);
  }
  return sum / (to - from);
}

for (const algo of ['logistic', 'mlp'] as const) {
  test(`anchored ${algo}: on validation never worse than the anchor, and it finds an edge the market misses`, async () => {
    const hidden = algo === 'mlp' ? { hidden: [6] } : {};
    const d = marketData(6000, 3, 0.6);
    const fit = await train(d, { algo, ...hidden, anchor: ANCHOR, anchorL2: [0.1, 0.01, 0.001], epochs: 60, seed: 5 });
    assert.ok(fit.anchor, 'the fit reports its anchor');
    const nTrain = fit.nTrainRows;
    const anchorVal = marketLoss(d, nTrain, d.nRows);
    assert.ok(Math.abs(fit.anchor.anchorValLoss - anchorVal) < 1e-9, 'anchor loss is the market\'s on the validation rows');
    assert.ok(fit.bestValLoss! <= fit.anchor.anchorValLoss);
    assert.equal(fit.anchor.candidates.length, 3);
    assert.notEqual(fit.anchor.chosenL2, null, 'a real edge is worth a correction');
    // The folded model's own validation loss is the reported one (the served model is the selected one).
    const val = predictProba(fit.model, d.X.subarray(nTrain * d.nFeatures), d.nRows - nTrain);
    const served = logLoss(val, Int32Array.from(d.y).subarray(nTrain), 3);
    assert.ok(Math.abs(served - fit.bestValLoss!) < 2e-5, `${served} vs ${fit.bestValLoss}`);
    assert.ok(served < anchorVal - 0.01, `edge found: ${served} vs market ${anchorVal}`);
  });
}

test('anchored model with nothing to add keeps the anchor: the gate refuses a correction within the noise; SHAP credits the anchor columns', async () => {
  const d = marketData(4000, 9, 0);
  const fit = await train(d, { algo: 'logistic', anchor: ANCHOR, seed: 1 });
  assert.equal(fit.anchor!.chosenL2, null, `gain ${JSON.stringify(fit.anchor!.gain)}`);
  assert.ok(fit.anchor!.gain!.hi >= 0);
  // The explanation names the anchor: in log-odds space only its columns move the prediction.
  const X64 = Float64Array.from(d.X);
  const explainer = createExplainer(explainableModelOf(fit.model), { background: selectBackground(X64, d.nRows, 4, { size: 20, seed: 2 }), outputSpace: 'logodds', engine: 'linear' });
  const row = explainer.explain(X64.subarray(0, 4));
  for (const out of row.outputs) {
    const by = new Map(out.contributions.map((c) => [c.player, c.shap]));
    assert.equal(by.get('edge') ?? 0, 0, `${out.output}: edge`);
    assert.equal(by.get('noise') ?? 0, 0, `${out.output}: noise`);
  }
  assert.ok(Math.abs(new Map(row.outputs[0]!.contributions.map((c) => [c.player, c.shap])).get('mkt_h') ?? 0) > 0, 'the anchor column carries the home logit');
  assert.ok(fit.bestValLoss! <= fit.anchor!.anchorValLoss);
  const nTrain = fit.nTrainRows;
  const val = predictProba(fit.model, d.X.subarray(nTrain * d.nFeatures), d.nRows - nTrain);
  const served = logLoss(val, Int32Array.from(d.y).subarray(nTrain), 3);
  assert.ok(served <= fit.anchor!.anchorValLoss + 2e-5, `${served} vs anchor ${fit.anchor!.anchorValLoss}`);
  if (fit.anchor!.chosenL2 === null) {
    // Zero correction: the served probabilities are exactly the market's.
    for (let i = 0; i < 20; i++) {
      const z = [d.X[(nTrain + i) * 4]!, 0, d.X[(nTrain + i) * 4 + 1]!];
      const s = z.reduce((acc, v) => acc + Math.exp(v), 0);
      for (let j = 0; j < 3; j++) assert.ok(Math.abs(val[i * 3 + j]! - Math.exp(z[j]!) / s) < 1e-5);
    }
  }
});

function randomModel(sizes: number[], seed: number): DenseModel {
  const r = seededRandom(seed);
  return {
    format: DENSE_MODEL_FORMAT,
    featureNames: Array.from({ length: sizes[0]! }, (_, i) => `x${i}`),
    classes: sizes[sizes.length - 1] === 1 ? ['a', 'b'] : ['h', 'd', 'a'],
    standardization: { mean: Array.from({ length: sizes[0]! }, () => Math.fround(r() - 0.5)), std: Array.from({ length: sizes[0]! }, () => Math.fround(0.5 + r())) },
    layers: sizes.slice(1).map((out, l) => ({
      inputSize: sizes[l]!,
      outputSize: out,
      weights: Array.from({ length: sizes[l]! * out }, () => Math.fround(r() * 2 - 1)),
      bias: Array.from({ length: out }, () => Math.fround(r() * 0.4 - 0.2)),
      activation: l === sizes.length - 2 ? ('linear' as const) : ('relu' as const),
    })),
    output: sizes[sizes.length - 1] === 1 ? 'sigmoid' : 'softmax',
  };
}

for (const sizes of [[4, 3], [4, 5, 3], [4, 5, 4, 3], [4, 6, 1]]) {
  test(`folding the anchor into a ${sizes.join('-')} network adds the raw column to its logits exactly`, () => {
    const model = randomModel(sizes, 17);
    const columns = sizes[sizes.length - 1] === 1 ? [2] : [0, -1, 3];
    const folded = foldAnchor(model, columns);
    const r = seededRandom(4);
    const n = 50;
    const X = Float32Array.from({ length: n * 4 }, () => (r() * 2 - 1) * 3);
    const before = predictProba(model, X, n);
    const after = predictProba(folded, X, n);
    const k = model.classes.length;
    for (let i = 0; i < n; i++) {
      if (k === 2) {
        const z = Math.log(before[i * 2 + 1]! / before[i * 2]!) + X[i * 4 + 2]!;
        assert.ok(Math.abs(after[i * 2 + 1]! - 1 / (1 + Math.exp(-z))) < 1e-5);
        continue;
      }
      const z = columns.map((c, j) => Math.log(before[i * k + j]!) + (c >= 0 ? X[i * 4 + c]! : 0));
      const s = z.reduce((acc, v) => acc + Math.exp(v), 0);
      for (let j = 0; j < k; j++) assert.ok(Math.abs(after[i * k + j]! - Math.exp(z[j]!) / s) < 1e-5, `row ${i} class ${j}`);
    }
  });
}

test('temperature calibration: an over-confident fit is tempered on validation (T > 1), folded into the model', async () => {
  // Few rows, many noise features, no L2, long training: over-confident probabilities.
  const r = seededRandom(21);
  const nRows = 1500;
  const nFeatures = 30;
  const X = Float32Array.from({ length: nRows * nFeatures }, () => r() * 2 - 1);
  const y = Int32Array.from({ length: nRows }, (_, i) => (X[i * nFeatures]! + (r() - 0.5) * 2 > 0 ? 1 : 0));
  const data = { X, y, nRows, nFeatures, classes: ['a', 'b'] };
  const params = { algo: 'mlp' as const, hidden: [32], l2: 0, dropout: 0, epochs: 80, earlyStoppingPatience: 0, learningRate: 0.01, validationFraction: 0.3, seed: 3 };
  const raw = await train(data, params);
  const cal = await train(data, { ...params, calibrate: 'temperature' });
  assert.ok(cal.calibration);
  assert.ok(cal.calibration.temperature > 1, `T ${cal.calibration.temperature}`);
  assert.ok(cal.calibration.valLossAfter < cal.calibration.valLossBefore);
  const nTrain = cal.nTrainRows;
  const p0 = predictProba(raw.model, X.subarray(nTrain * nFeatures), nRows - nTrain);
  const p1 = predictProba(cal.model, X.subarray(nTrain * nFeatures), nRows - nTrain);
  const lossOf = (p: Float64Array) => logLoss(p, y.subarray(nTrain), 2);
  assert.ok(Math.abs(lossOf(p0) - cal.calibration.valLossBefore) < 1e-6);
  assert.ok(Math.abs(lossOf(p1) - cal.calibration.valLossAfter) < 1e-9);
});

for (const classes of [['a', 'b'], ['h', 'd', 'a']]) {
  test(`affine and auto calibration (${classes.length} classes): a biased, over-confident fit is corrected on validation and folded exactly`, async () => {
    const r = seededRandom(33);
    const nRows = 1600;
    const nFeatures = 30;
    const k = classes.length;
    const X = Float32Array.from({ length: nRows * nFeatures }, () => r() * 2 - 1);
    // Later rows (validation) lean toward the last class: a drift only offsets can follow.
    const y = Int32Array.from({ length: nRows }, (_, i) => {
      const z = X[i * nFeatures]! + (r() - 0.5) * 2 + (i > nRows * 0.7 ? 0.6 : 0);
      return k === 2 ? (z > 0 ? 1 : 0) : z > 0.4 ? 2 : z > -0.4 ? 1 : 0;
    });
    const data = { X, y, nRows, nFeatures, classes };
    const params = { algo: 'mlp' as const, hidden: [32], l2: 0, dropout: 0, epochs: 60, earlyStoppingPatience: 0, learningRate: 0.01, validationFraction: 0.3, seed: 3 };
    const raw = await train(data, params);
    const nTrain = raw.nTrainRows;
    const Xv = X.subarray(nTrain * nFeatures);
    const nv = nRows - nTrain;
    const p0 = predictProba(raw.model, Xv, nv);
    for (const calibrate of ['affine', 'auto'] as const) {
      const cal = await train(data, { ...params, calibrate });
      const c = cal.calibration!;
      assert.ok(c.method === 'affine' || calibrate === 'auto', `method ${c.method}`);
      assert.notEqual(c.method, 'none', 'an over-confident, drifted fit is recalibrated');
      assert.ok(c.valLossAfter < c.valLossBefore - 0.01, `${c.valLossBefore} -> ${c.valLossAfter}`);
      assert.ok(c.heldOut && Object.keys(c.heldOut).length === 3);
      // The folded model equals softmax(scale · ln p + offsets) of the raw model.
      const p1 = predictProba(cal.model, Xv, nv);
      for (let i = 0; i < nv; i++) {
        const z = Array.from({ length: k }, (_, j) => c.scale! * Math.log(p0[i * k + j]!) + c.offsets![j]!);
        const s = z.reduce((acc, v) => acc + Math.exp(v), 0);
        for (let j = 0; j < k; j++) assert.ok(Math.abs(p1[i * k + j]! - Math.exp(z[j]!) / s) < 1e-4, `row ${i} class ${j}`);
      }
      assert.ok(Math.abs(logLoss(p1, y.subarray(nTrain), k) - c.valLossAfter) < 1e-9);
    }
  });
}

test('calibration without a validation slice is refused', async () => {
  const d = marketData(300, 1, 0);
  await assert.rejects(train(d, { algo: 'logistic', calibrate: 'auto', validationFraction: 0 }), (e: unknown) => isAppError(e) && e.code === 'TRAINING_SPEC_INVALID');
});

test('bad anchors are refused with TRAINING_SPEC_INVALID naming the field', async () => {
  const d = marketData(300, 1, 0);
  for (const anchor of [['mkt_h', 'mkt_a'], ['mkt_h', '', 'nope'], ['', '', '']]) {
    await assert.rejects(train(d, { algo: 'logistic', anchor }), (e: unknown) => isAppError(e) && e.code === 'TRAINING_SPEC_INVALID' && (e.details as { field: string }).field === 'anchor');
  }
  await assert.rejects(train(d, { algo: 'logistic', anchor: ANCHOR, validationFraction: 0 }), (e: unknown) => isAppError(e) && e.code === 'TRAINING_SPEC_INVALID');
});
