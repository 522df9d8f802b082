import { AppError, pairedBootstrap, type BootstrapInterval } from '../../core/index.ts';
import type { CalibrationOptions } from './calibration.ts';
import { LOG_LOSS_EPSILON } from './metrics.ts';
import { groupRows, score, type Scores } from './scores.ts';

/** One predictor's probabilities per row; null/undefined (or any non-finite value) means "no forecast for this game". */
export type PredictorRows = ReadonlyArray<ArrayLike<number> | null | undefined>;

export interface CompareOptions extends CalibrationOptions {
  /** A season label per row: adds a per-season breakdown on the same common rows. */
  seasons?: ArrayLike<string>;
  /**
   * The predictor the others are measured against (default `model` when present): per other
   * predictor, its log loss minus theirs per game with a paired bootstrap interval over the games.
   */
  reference?: string;
  /** Bootstrap resamples for the intervals (default 2000). */
  resamples?: number;
  /** Confidence of the intervals (default 0.95). */
  level?: number;
}

/**
 * Reference minus other predictor, mean log loss over the common games, with the 95 % paired
 * bootstrap interval: "beats" means `hi < 0`, "loses" `lo > 0`, anything else is within the noise.
 */
export interface LogLossDifference extends BootstrapInterval {
  /** `reference − other`, so negative favours the reference. */
  of: string;
  against: string;
}

export interface Comparison {
  /** Rows offered. */
  total: number;
  /** Rows scored: outcome known and every predictor present. */
  n: number;
  /** Indices of the scored rows. */
  rows: number[];
  /** Per predictor, how many rows with a known outcome it had no forecast for. */
  missing: Record<string, number>;
  /** Rows dropped because the outcome is unknown (null, NaN). */
  unknownOutcome: number;
  predictors: Record<string, Scores>;
  /** Per season, each predictor scored on that season's common rows. */
  seasons?: Record<string, { n: number; predictors: Record<string, Scores> }>;
  /** Per other predictor, the reference's log loss minus its own with a bootstrap interval (see CompareOptions.reference). */
  differences?: Record<string, LogLossDifference>;
}

function present(row: ArrayLike<number> | null | undefined, k: number): row is ArrayLike<number> {
  if (row === null || row === undefined) return false;
  if (row.length !== k) return false;
  for (let c = 0; c < k; c++) if (!Number.isFinite(row[c]!)) return false;
  return true;
}

/**
 * Scores several predictors (model, closing market, pre-closing market, reference forecasts) on
 * exactly the rows where all of them have a forecast and the outcome is known, so their numbers
 * are comparable; reports how many rows that is (`n`) and what each predictor lacked.
 * With no common row, `n` is 0 and `predictors` is empty.
 * Throws VALIDATION_FAILED when a predictor's length differs from the outcomes' or predictors disagree
 * on the number of classes.
 */
export function compareOnSameGames(outcomes: ArrayLike<number | null>, predictors: Record<string, PredictorRows>, options: CompareOptions = {}): Comparison {
  const names = Object.keys(predictors);
  const total = outcomes.length;
  if (names.length === 0) throw new AppError('VALIDATION_FAILED', 'no predictors to compare');
  let k: number | undefined;
  for (const name of names) {
    const rows = predictors[name]!;
    if (rows.length !== total) throw new AppError('VALIDATION_FAILED', `predictor ${name} has ${rows.length} rows, outcomes have ${total}`, { details: { predictor: name } });
    for (const row of rows) {
      if (row === null || row === undefined) continue;
      if (k === undefined) k = row.length;
      else if (row.length !== k) {
        throw new AppError('VALIDATION_FAILED', `predictor ${name} gives ${row.length} probabilities where others give ${k}`, { details: { predictor: name } });
      }
    }
  }
  if (options.seasons && options.seasons.length !== total) throw new AppError('VALIDATION_FAILED', `${options.seasons.length} season labels for ${total} rows`);

  const missing: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const common: number[] = [];
  let unknownOutcome = 0;
  for (let i = 0; i < total; i++) {
    const y = outcomes[i];
    if (y === null || y === undefined || !Number.isFinite(y)) {
      unknownOutcome++;
      continue;
    }
    let all = true;
    for (const name of names) {
      if (!present(predictors[name]![i], k!)) {
        missing[name]!++;
        all = false;
      }
    }
    if (all) common.push(i);
  }
  // No common game is an answer, not an error: callers check `n` (scores of nothing are undefined).
  if (common.length === 0) return { total, n: 0, rows: [], missing, unknownOutcome, predictors: {}, ...(options.seasons ? { seasons: {} } : {}) };

  const scoreOn = (rows: readonly number[]) => {
    const y = rows.map((i) => outcomes[i] as number);
    return Object.fromEntries(names.map((name) => [name, score(rows.map((i) => Array.from(predictors[name]![i]!)), y, options)]));
  };
  const result: Comparison = { total, n: common.length, rows: common, missing, unknownOutcome, predictors: scoreOn(common) };
  const reference = options.reference ?? (names.includes('model') ? 'model' : undefined);
  if (reference !== undefined && names.includes(reference) && names.length > 1) {
    const loss = (name: string, i: number) => -Math.log(Math.min(1, Math.max(LOG_LOSS_EPSILON, predictors[name]![i]![outcomes[i] as number]!)));
    result.differences = {};
    for (const other of names) {
      if (other === reference) continue;
      const diffs = common.map((i) => loss(reference, i) - loss(other, i));
      result.differences[other] = { of: reference, against: other, ...pairedBootstrap(diffs, { resamples: options.resamples, level: options.level })! };
    }
  }
  if (options.seasons) {
    const labels = common.map((i) => options.seasons![i]!);
    result.seasons = {};
    for (const [season, positions] of groupRows(labels)) {
      const rows = positions.map((p) => common[p]!);
      result.seasons[season] = { n: rows.length, predictors: scoreOn(rows) };
    }
  }
  return result;
}
