import { AppError } from '../../core/index.ts';
import { argmax, viewOf, type Outcomes, type Probabilities } from './matrix.ts';

/**
 * What calibration is measured on:
 * - `top`: the top-label probability (the row's max) against "the top class happened" — the usual ECE;
 * - `class`: one class's probability one-vs-rest (`classIndex`, default 0 = home win);
 * - `classwise`: the mean of the one-vs-rest ECE over all classes (no bins; each class's ECE in `perClass`).
 * Default: `class` on class 0 (the home-win probability) for two-way sports, `top` for K ≥ 3.
 */
export type CalibrationMode = 'top' | 'class' | 'classwise';

export interface CalibrationOptions {
  /** Equal-width bins on [0, 1]; default 10. */
  bins?: number;
  mode?: CalibrationMode;
  /** For mode `class`; default 0. */
  classIndex?: number;
}

export interface ReliabilityBin {
  /** Bin edges: [lower, upper), the last bin closed at 1. */
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin; null when the bin is empty. */
  meanPredicted: number | null;
  /** Observed frequency of the event in the bin; null when the bin is empty. */
  observedFrequency: number | null;
}

export interface Calibration {
  mode: CalibrationMode;
  /** Set for mode `class`. */
  classIndex?: number;
  /** Expected calibration error: Σ_b (n_b / N) · |meanPredicted_b − observedFrequency_b|. */
  ece: number;
  /** Reliability diagram (modes `top` and `class`). */
  bins: ReliabilityBin[];
  /** Mode `classwise`: the ECE of each class one-vs-rest, in class order. */
  perClass?: number[];
}

/** Bins (predicted, happened) pairs into equal-width bins and returns the ECE and the bins. */
export function reliability(predicted: ArrayLike<number>, happened: ArrayLike<boolean | number>, bins = 10): { ece: number; bins: ReliabilityBin[] } {
  if (!Number.isInteger(bins) || bins < 1) throw new AppError('VALIDATION_FAILED', 'bins must be a positive whole number', { details: { bins } });
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  const n = predicted.length;
  for (let i = 0; i < n; i++) {
    const p = predicted[i]!;
    // p = 1 belongs to the last bin; clamp guards against rounding just outside [0, 1].
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[b]!++;
    sumP[b]! += p;
    sumY[b]! += happened[i] ? 1 : 0;
  }
  let ece = 0;
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = count[b]!;
    const meanPredicted = c ? sumP[b]! / c : null;
    const observedFrequency = c ? sumY[b]! / c : null;
    if (c) ece += (c / n) * Math.abs(meanPredicted! - observedFrequency!);
    out.push({ lower: b / bins, upper: (b + 1) / bins, count: c, meanPredicted, observedFrequency });
  }
  return { ece: n ? ece : 0, bins: out };
}

/** Calibration of K-class probabilities; see `CalibrationMode` for what is measured. */
export function calibration(probabilities: Probabilities, outcomes: Outcomes, options: CalibrationOptions = {}): Calibration {
  const v = viewOf(probabilities, outcomes);
  const bins = options.bins ?? 10;
  const mode = options.mode ?? (v.k === 2 ? 'class' : 'top');
  const oneVsRest = (cls: number) => {
    const p = new Float64Array(v.n);
    const y = new Uint8Array(v.n);
    for (let r = 0; r < v.n; r++) {
      p[r] = v.get(r, cls);
      y[r] = outcomes[r] === cls ? 1 : 0;
    }
    return reliability(p, y, bins);
  };
  if (mode === 'top') {
    const p = new Float64Array(v.n);
    const y = new Uint8Array(v.n);
    for (let r = 0; r < v.n; r++) {
      const top = argmax(v, r);
      p[r] = v.get(r, top);
      y[r] = outcomes[r] === top ? 1 : 0;
    }
    return { mode, ...reliability(p, y, bins) };
  }
  if (mode === 'class') {
    const classIndex = options.classIndex ?? 0;
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= v.k) {
      throw new AppError('VALIDATION_FAILED', `classIndex must be 0..${v.k - 1}`, { details: { classIndex } });
    }
    return { mode, classIndex, ...oneVsRest(classIndex) };
  }
  const perClass = Array.from({ length: v.k }, (_, c) => oneVsRest(c).ece);
  return { mode, ece: perClass.reduce((a, b) => a + b, 0) / v.k, bins: [], perClass };
}
