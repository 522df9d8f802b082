import { AppError } from '../../core/index.ts';
import { calibration, type Calibration, type CalibrationOptions } from './calibration.ts';
import { viewOf, type Outcomes, type Probabilities } from './matrix.ts';
import { accuracy, brier, logLoss, rankedProbabilityScore } from './metrics.ts';

/** Every probability score of one predictor on one set of rows. */
export interface Scores {
  n: number;
  logLoss: number;
  brier: number;
  accuracy: number;
  rps: number;
  calibration: Calibration;
}

/** Log loss, Brier, accuracy, RPS and calibration of K-class probabilities. Throws VALIDATION_FAILED on bad shapes. */
export function score(probabilities: Probabilities, outcomes: Outcomes, options: CalibrationOptions = {}): Scores {
  const n = viewOf(probabilities, outcomes).n;
  return {
    n,
    logLoss: logLoss(probabilities, outcomes),
    brier: brier(probabilities, outcomes),
    accuracy: accuracy(probabilities, outcomes),
    rps: rankedProbabilityScore(probabilities, outcomes),
    calibration: calibration(probabilities, outcomes, options),
  };
}

/** Picks rows (by index) out of probabilities, keeping the layout's meaning. */
export function selectRows(probabilities: Probabilities, k: number, rows: readonly number[]): number[][] {
  return rows.map((r) => (probabilities instanceof Float64Array ? Array.from(probabilities.subarray(r * k, (r + 1) * k)) : Array.from(probabilities[r]!)));
}

/** Groups row indices by label, labels in sorted order. */
export function groupRows(labels: ArrayLike<string>): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = groups.get(labels[i]!) ?? [];
    list.push(i);
    groups.set(labels[i]!, list);
  }
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Scores per season (any label per row, e.g. '2019/20'), seasons in sorted order, plus `all`.
 * Throws VALIDATION_FAILED when there is not one season label per row.
 */
export function scoreBySeason(
  probabilities: Probabilities,
  outcomes: Outcomes,
  seasons: ArrayLike<string>,
  options: CalibrationOptions = {},
): { all: Scores; seasons: Record<string, Scores> } {
  const v = viewOf(probabilities, outcomes);
  if (seasons.length !== v.n) throw new AppError('VALIDATION_FAILED', `${seasons.length} season labels for ${v.n} rows`);
  const result: Record<string, Scores> = {};
  for (const [season, rows] of groupRows(seasons)) {
    result[season] = score(selectRows(probabilities, v.k, rows), rows.map((r) => outcomes[r]!), options);
  }
  return { all: score(probabilities, outcomes, options), seasons: result };
}
