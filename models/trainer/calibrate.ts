// Calibration after the fit: temperature scaling of the logits, fitted on the validation slice and
// folded into the output layer (the model stays a plain DenseModel).
import { predictProba, type DenseModel } from '../network.ts';
import type { CalibrationReport } from './types.ts';

/** Mean log loss of probabilities tempered by 1/T: p_T ∝ p^(1/T), i.e. softmax(logits / T). */
function temperedLoss(logP: Float64Array, y: ArrayLike<number>, n: number, k: number, t: number): number {
  let sum = 0;
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, logP[r * k + j] / t);
    let e = 0;
    for (let j = 0; j < k; j++) e += Math.exp(logP[r * k + j] / t - max);
    sum += Math.log(e) + max - logP[r * k + y[r]] / t;
  }
  return sum / n;
}

/**
 * The temperature T in [0.5, 2] minimising the validation log loss (golden-section search on ln T;
 * the loss is convex in 1/T), and the model with its output layer divided by T. T = 1 (model
 * unchanged) unless tempering lowers the validation loss.
 */
export function fitTemperature(model: DenseModel, X: Float32Array, y: ArrayLike<number>, n: number): { model: DenseModel; report: CalibrationReport } {
  const k = model.classes.length;
  const p = predictProba(model, X, n);
  const logP = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) logP[i] = Math.log(Math.max(p[i]!, 1e-15));
  const before = temperedLoss(logP, y, n, k, 1);
  const phi = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(0.5);
  let hi = Math.log(2);
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = temperedLoss(logP, y, n, k, Math.exp(a));
  let fb = temperedLoss(logP, y, n, k, Math.exp(b));
  for (let i = 0; i < 40; i++) {
    if (fa < fb) {
      hi = b; b = a; fb = fa; a = hi - phi * (hi - lo); fa = temperedLoss(logP, y, n, k, Math.exp(a));
    } else {
      lo = a; a = b; fa = fb; b = lo + phi * (hi - lo); fb = temperedLoss(logP, y, n, k, Math.exp(b));
    }
  }
  const t = Math.exp((lo + hi) / 2);
  const after = temperedLoss(logP, y, n, k, t);
  if (!(after < before)) return { model, report: { method: 'temperature', temperature: 1, valLossBefore: before, valLossAfter: before } };
  const last = model.layers.length - 1;
  const layers = model.layers.map((l, i) => (i === last ? { ...l, weights: l.weights.map((w) => Math.fround(w / t)), bias: l.bias.map((v) => Math.fround(v / t)) } : l));
  const scaled = { ...model, layers };
  // Report the loss of the folded (float32) model, the one that is served.
  const q = predictProba(scaled, X, n);
  let served = 0;
  for (let r = 0; r < n; r++) served -= Math.log(Math.max(q[r * k + Number(y[r])]!, 1e-15));
  return { model: scaled, report: { method: 'temperature', temperature: t, valLossBefore: before, valLossAfter: served / n } };
}
