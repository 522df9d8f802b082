import { argmax, viewOf, type Outcomes, type Probabilities } from './matrix.ts';

/** Probabilities are clipped to [LOG_LOSS_EPSILON, 1] before the logarithm, so a confident miss costs ~34.5, not infinity. */
export const LOG_LOSS_EPSILON = 1e-15;

/** Mean of −ln p(observed class), with p clipped to [1e-15, 1]. Lower is better. */
export function logLoss(probabilities: Probabilities, outcomes: Outcomes): number {
  const v = viewOf(probabilities, outcomes);
  let sum = 0;
  for (let r = 0; r < v.n; r++) {
    const p = Math.min(1, Math.max(LOG_LOSS_EPSILON, v.get(r, outcomes[r]!)));
    sum -= Math.log(p);
  }
  return sum / v.n;
}

/** Multi-class Brier score: mean over rows of Σ_c (p_c − 1[y = c])². Range 0..2. Lower is better. */
export function brier(probabilities: Probabilities, outcomes: Outcomes): number {
  const v = viewOf(probabilities, outcomes);
  let sum = 0;
  for (let r = 0; r < v.n; r++) {
    for (let c = 0; c < v.k; c++) {
      const d = v.get(r, c) - (outcomes[r] === c ? 1 : 0);
      sum += d * d;
    }
  }
  return sum / v.n;
}

/** Share of rows whose most probable class (first on ties) is the observed one. */
export function accuracy(probabilities: Probabilities, outcomes: Outcomes): number {
  const v = viewOf(probabilities, outcomes);
  let hits = 0;
  for (let r = 0; r < v.n; r++) if (argmax(v, r) === outcomes[r]) hits++;
  return hits / v.n;
}

/**
 * Ranked probability score for ordered classes (home, draw, away): mean over rows of
 * (1/(K−1)) Σ_{j<K} (P_j − O_j)² where P, O are cumulative predicted and observed distributions.
 * Range 0..1; for K = 2 it equals half the Brier score. Lower is better.
 */
export function rankedProbabilityScore(probabilities: Probabilities, outcomes: Outcomes): number {
  const v = viewOf(probabilities, outcomes);
  let sum = 0;
  for (let r = 0; r < v.n; r++) {
    let cumP = 0;
    let cumO = 0;
    let row = 0;
    for (let c = 0; c < v.k - 1; c++) {
      cumP += v.get(r, c);
      cumO += outcomes[r] === c ? 1 : 0;
      row += (cumP - cumO) ** 2;
    }
    sum += row / (v.k - 1);
  }
  return sum / v.n;
}
