// Calibration after the fit: temperature scaling of the logits, fitted on the validation slice and
// folded into the output layer (the model stays a plain DenseModel).
import { predictProba, type DenseModel } from '../network.ts';
import type { CalibrationMethod, CalibrationReport } from './types.ts';

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

/** softmax(a·logP + b) log loss on rows [from, to) (b[0] fixed at 0). */
function affineLoss(logP: Float64Array, y: ArrayLike<number>, k: number, a: number, b: readonly number[], from: number, to: number): number {
  let sum = 0;
  for (let r = from; r < to; r++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, a * logP[r * k + j]! + b[j]!);
    let e = 0;
    for (let j = 0; j < k; j++) e += Math.exp(a * logP[r * k + j]! + b[j]! - max);
    const yr = Number(y[r]);
    sum += Math.log(e) + max - (a * logP[r * k + yr]! + b[yr]!);
  }
  return sum / Math.max(1, to - from);
}

/**
 * The scale a and class offsets b (b[0] = 0) minimising the log loss of softmax(a·logP + b) on rows
 * [from, to): gradient descent with backtracking (the loss is convex in a and b).
 */
function fitAffine(logP: Float64Array, y: ArrayLike<number>, k: number, from: number, to: number): { a: number; b: number[] } {
  let a = 1;
  let b = new Array<number>(k).fill(0);
  let loss = affineLoss(logP, y, k, a, b, from, to);
  let step = 1;
  const n = Math.max(1, to - from);
  for (let it = 0; it < 200; it++) {
    let ga = 0;
    const gb = new Array<number>(k).fill(0);
    for (let r = from; r < to; r++) {
      let max = -Infinity;
      for (let j = 0; j < k; j++) max = Math.max(max, a * logP[r * k + j]! + b[j]!);
      let e = 0;
      const q = new Array<number>(k);
      for (let j = 0; j < k; j++) e += (q[j] = Math.exp(a * logP[r * k + j]! + b[j]! - max));
      const yr = Number(y[r]);
      for (let j = 0; j < k; j++) {
        const d = q[j]! / e - (j === yr ? 1 : 0);
        ga += d * logP[r * k + j]!;
        gb[j]! += d;
      }
    }
    ga /= n;
    for (let j = 0; j < k; j++) gb[j]! /= n;
    gb[0] = 0;
    const norm = Math.hypot(ga, ...gb);
    if (norm < 1e-9) break;
    let improved = false;
    while (step > 1e-8) {
      const a2 = a - step * ga;
      const b2 = b.map((v, j) => v - step * gb[j]!);
      const l2 = affineLoss(logP, y, k, a2, b2, from, to);
      if (l2 < loss) {
        a = a2;
        b = b2;
        if (loss - l2 < 1e-12) improved = false;
        else improved = true;
        loss = l2;
        step *= 2;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  return { a, b };
}

/** A method's scale and offsets fitted on rows [from, to): none (1, 0), temperature (1/T, 0) or affine. */
function fitMethod(method: CalibrationMethod, logP: Float64Array, y: ArrayLike<number>, k: number, from: number, to: number): { a: number; b: number[] } {
  if (method === 'none') return { a: 1, b: new Array<number>(k).fill(0) };
  if (method === 'affine') return fitAffine(logP, y, k, from, to);
  // Temperature: golden-section search on ln T in [ln 0.5, ln 2].
  const zero = new Array<number>(k).fill(0);
  const f = (lt: number) => affineLoss(logP, y, k, Math.exp(-lt), zero, from, to);
  const phi = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(0.5);
  let hi = Math.log(2);
  let x1 = hi - phi * (hi - lo);
  let x2 = lo + phi * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let i = 0; i < 40; i++) {
    if (f1 < f2) {
      hi = x2; x2 = x1; f2 = f1; x1 = hi - phi * (hi - lo); f1 = f(x1);
    } else {
      lo = x1; x1 = x2; f1 = f2; x2 = lo + phi * (hi - lo); f2 = f(x2);
    }
  }
  const t = Math.exp((lo + hi) / 2);
  return f(Math.log(t)) < f(0) ? { a: 1 / t, b: zero } : { a: 1, b: zero };
}

const METHODS: readonly CalibrationMethod[] = ['none', 'temperature', 'affine'];

/**
 * Calibration chosen on the validation slice: each method (none, temperature, affine = a scale and
 * per-class offsets of the log-probabilities) is fitted on one half of the validation games and
 * scored on the other, both ways round (2-fold, halves alternate by row so both span the slice); the
 * method with the lowest held-out log loss is refitted on the whole slice and folded into the
 * output layer. `method: 'affine'` skips the choice.
 */
export function fitCalibration(model: DenseModel, X: Float32Array, y: ArrayLike<number>, n: number, choice: 'affine' | 'auto'): { model: DenseModel; report: CalibrationReport } {
  const k = model.classes.length;
  const p = predictProba(model, X, n);
  const logP = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) logP[i] = Math.log(Math.max(p[i]!, 1e-15));
  // Rows reordered so that the first half holds even rows and the second odd ones.
  const half = Math.floor(n / 2);
  const order = [...Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 0), ...Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 1)];
  const lp = new Float64Array(n * k);
  const yy = new Int32Array(n);
  order.forEach((src, dst) => {
    for (let j = 0; j < k; j++) lp[dst * k + j] = logP[src * k + j]!;
    yy[dst] = Number(y[src]);
  });
  const heldOut: Record<string, number> = {};
  for (const m of METHODS) {
    const f1 = fitMethod(m, lp, yy, k, 0, half);
    const f2 = fitMethod(m, lp, yy, k, half, n);
    heldOut[m] = (affineLoss(lp, yy, k, f1.a, f1.b, half, n) * (n - half) + affineLoss(lp, yy, k, f2.a, f2.b, 0, half) * half) / n;
  }
  const method = choice === 'affine' ? 'affine' : METHODS.reduce((best, m) => (heldOut[m]! < heldOut[best]! ? m : best), 'none' as CalibrationMethod);
  const fit = fitMethod(method, lp, yy, k, 0, n);
  const before = affineLoss(lp, yy, k, 1, new Array<number>(k).fill(0), 0, n);
  const after = affineLoss(lp, yy, k, fit.a, fit.b, 0, n);
  const base = { temperature: 1 / fit.a, scale: fit.a, offsets: fit.b, heldOut, valLossBefore: before };
  if (method === 'none' || !(after < before)) return { model, report: { method: 'none', ...base, temperature: 1, scale: 1, offsets: new Array<number>(k).fill(0), valLossAfter: before } };
  // Fold: logits z → a·z + b. A sigmoid output (two classes) is z = logit(p₁), so its offset is b₁ − b₀.
  const last = model.layers.length - 1;
  const sigmoidOut = model.layers[last]!.bias.length === 1;
  const shift = sigmoidOut ? [fit.b[1]! - fit.b[0]!] : fit.b;
  const layers = model.layers.map((l, i) => (i === last ? { ...l, weights: l.weights.map((w) => Math.fround(w * fit.a)), bias: l.bias.map((v, j) => Math.fround(v * fit.a + shift[j]!)) } : l));
  const scaled = { ...model, layers };
  const q = predictProba(scaled, X, n);
  let served = 0;
  for (let r = 0; r < n; r++) served -= Math.log(Math.max(q[r * k + Number(y[r])]!, 1e-15));
  return { model: scaled, report: { method, ...base, valLossAfter: served / n } };
}
