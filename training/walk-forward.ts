import { AppError, type Db } from '../core/index.ts';
import { buildTrainingSet, type TrainingSet } from '../features/index.ts';
import { predictProba, type TrainerKernelChoice, type TrainParams } from '../models/index.ts';
import { buildDatasets } from './pipeline/dataset.ts';
import { fitModel, trainParamsOf } from './pipeline/fit.ts';
import type { TrainingSpec } from './spec.ts';

/**
 * Walk-forward refitting (issue 19): what a deployment that retrains on a schedule predicts. The test
 * window is cut into consecutive windows (one a year from the test window's first day: a season);
 * each is predicted by a model trained with the spec's own settings on every game before that
 * window's first day, and the predictions are stitched back into the test window's game order, so
 * they score on exactly the games the fixed-origin version scores on.
 */
export interface WalkForwardWindow {
  /** The window's first year (a season label: 2019 for 2019/20, 2016 for the NFL's 2016 season). */
  label: string;
  /** Last training day (inclusive): the day before `testFrom`. */
  trainTo: string;
  /** First and last day of the window, inclusive. */
  testFrom: string;
  testTo: string;
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (iso: string) => {
  const t = Date.parse(iso + 'T00:00:00Z');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || Number.isNaN(t)) throw new AppError('TRAINING_SPEC_INVALID', `walk-forward: not an ISO date: ${iso}`);
  return t;
};

/**
 * The windows of [testFrom, testTo] (inclusive ISO dates): one starting on testFrom and on each
 * anniversary of it up to testTo, each ending the day before the next one starts (the last at
 * testTo). Every window trains to the day before its first day.
 */
export function walkForwardWindows(testFrom: string, testTo: string): WalkForwardWindow[] {
  const first = dayMs(testFrom);
  const last = dayMs(testTo);
  if (last < first) throw new AppError('TRAINING_SPEC_INVALID', `walk-forward: test window ends (${testTo}) before it starts (${testFrom})`);
  const [y0, m, d] = testFrom.split('-').map(Number) as [number, number, number];
  const starts: number[] = [];
  for (let y = y0; ; y++) {
    const s = Date.UTC(y, m - 1, d);
    if (s > last) break;
    starts.push(s);
  }
  return starts.map((s, i) => ({
    label: String(y0 + i),
    trainTo: isoDay(s - DAY_MS),
    testFrom: isoDay(s),
    testTo: isoDay(i + 1 < starts.length ? starts[i + 1]! - DAY_MS : last),
  }));
}

/**
 * A validation slice held at a share of ALL history before the cut while the model trains on a
 * later-starting window: soccer-base's logistic trains from 2012/13 with the last 15 % of the whole
 * history as its slice (at the fixed origin 4,271 of 12,782 rows, `validationFraction` 0.3342). The
 * fraction of the window that gives floor(share × allRows) validation rows under the trainer's
 * floor(nRows × fraction).
 */
export function validationFractionFor(allRows: number, windowRows: number, share: number): number {
  if (!(windowRows > 0) || !(allRows >= windowRows)) throw new AppError('TRAINING_SPEC_INVALID', `walk-forward: window of ${windowRows} rows inside ${allRows}`);
  const nVal = Math.floor(allRows * share);
  if (nVal >= windowRows) throw new AppError('TRAINING_SPEC_INVALID', `walk-forward: a validation slice of ${nVal} rows leaves no training rows in a window of ${windowRows}`);
  return (nVal + 0.5) / windowRows;
}

export interface WalkForwardWindowResult extends WalkForwardWindow {
  trainGames: number;
  testGames: number;
  nValidationRows: number;
  bestEpoch: number;
  bestValLoss: number | null;
  /** The fitted parameters' validation-chosen parts, when the trainer chose any. */
  calibration?: string;
  anchorL2?: number | null;
}

export interface WalkForwardPrediction {
  /** The whole test window's rows (the fixed-origin version's test set). */
  testSet: TrainingSet;
  /** Row-major probabilities in `testSet`'s row order, each row from its own window's model. */
  probabilities: Float64Array;
  windows: WalkForwardWindowResult[];
}

export interface WalkForwardOptions {
  /** Default walkForwardWindows(spec.testFrom, spec.testTo); one window = the fixed-origin fit. */
  windows?: readonly WalkForwardWindow[];
  /** Trainer-parameter overrides for one window (e.g. its validationFraction), given its training rows. */
  paramsFor?: (window: WalkForwardWindow, trainSet: TrainingSet) => Promise<Record<string, unknown>> | Record<string, unknown>;
  kernels?: TrainerKernelChoice;
  onWindow?: (result: WalkForwardWindowResult) => void;
}

/**
 * Predicts the spec's test window walk-forward: per window the pipeline's own dataset and fit stages
 * (buildDatasets, fitModel: the same rows, neutralised columns and trainer as `trainAndRegister`)
 * on `spec` with trainTo/testFrom/testTo moved to the window. Nothing is registered. Every training
 * row of a window kicks off before the window's first day (checked), and every test game is
 * predicted by exactly one window (checked).
 * @throws AppError TRAINING_DATA_EMPTY (a window without training rows), TRAINING_SPEC_INVALID
 */
export async function walkForwardPredict(db: Db, spec: TrainingSpec, options: WalkForwardOptions = {}): Promise<WalkForwardPrediction> {
  const windows = options.windows ?? walkForwardWindows(spec.testFrom, spec.testTo);
  const testSet = await buildTrainingSet(db, spec.featureSet, { from: spec.testFrom, to: isoDay(dayMs(spec.testTo) + DAY_MS), competitions: spec.competitions });
  const k = testSet.classes.length;
  const rowOf = new Map(testSet.gameIds.map((id, i) => [id, i]));
  const probabilities = new Float64Array(testSet.nRows * k).fill(Number.NaN);
  const results: WalkForwardWindowResult[] = [];
  for (const w of windows) {
    const inside = testSet.kickoffs.some((t) => t >= dayMs(w.testFrom) && t < dayMs(w.testTo) + DAY_MS);
    if (!inside) continue; // a window without test games (an off-season) has nothing to predict
    const wspec: TrainingSpec = { ...spec, trainTo: w.trainTo, testFrom: w.testFrom, testTo: w.testTo };
    const datasets = await buildDatasets(db, wspec);
    const cut = dayMs(w.testFrom);
    if (datasets.trainSet.kickoffs.some((t) => t >= cut)) throw new AppError('TRAINING_SPEC_INVALID', `walk-forward window ${w.label}: a training row kicks off on or after ${w.testFrom}`);
    const params = { ...trainParamsOf(wspec), ...((await options.paramsFor?.(w, datasets.trainSet)) ?? {}) } as Partial<TrainParams>;
    const fit = await fitModel(datasets, params, { kernels: options.kernels });
    const p = predictProba(fit.model, datasets.testSet.X, datasets.testSet.nRows);
    datasets.testSet.gameIds.forEach((id, i) => {
      const row = rowOf.get(id);
      if (row === undefined) throw new AppError('TRAINING_SPEC_INVALID', `walk-forward window ${w.label}: game ${id} is not in the test window`);
      if (!Number.isNaN(probabilities[row * k]!)) throw new AppError('TRAINING_SPEC_INVALID', `walk-forward window ${w.label}: game ${id} predicted twice`);
      probabilities.set(p.subarray(i * k, (i + 1) * k), row * k);
    });
    const result: WalkForwardWindowResult = {
      ...w,
      trainGames: datasets.trainSet.nRows,
      testGames: datasets.testSet.nRows,
      nValidationRows: fit.nValidationRows,
      bestEpoch: fit.bestEpoch,
      bestValLoss: fit.bestValLoss,
      ...(fit.calibration ? { calibration: fit.calibration.method } : {}),
      ...(fit.anchor ? { anchorL2: fit.anchor.chosenL2 } : {}),
    };
    results.push(result);
    options.onWindow?.(result);
  }
  const missing = testSet.gameIds.filter((_, i) => Number.isNaN(probabilities[i * k]!));
  if (missing.length) throw new AppError('TRAINING_SPEC_INVALID', `walk-forward: ${missing.length} test games in no window (first ${missing[0]})`);
  return { testSet, probabilities, windows: results };
}
