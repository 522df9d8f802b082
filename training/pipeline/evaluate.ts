import type { Db } from '../../core/index.ts';
import { gameLabels, type GameLabel } from '../../history/index.ts';
import { loadMarketBaseline, loadReferenceForecasts, type MarketBaseline, type TrainingSet } from '../../features/index.ts';
import type { DenseModel } from '../../models/index.ts';
import { compareOnSameGames } from '../evaluate/index.ts';
import { marketBacktest } from '../market-backtest.ts';
import { backtestSettingsOf, type TrainingSpec } from '../spec.ts';



type ScoreSummary = { logLoss: number; brier: number; accuracy: number; ece: number; rps?: number; n: number };

export interface Evaluation {
  report: Record<string, unknown>;
  summary: Record<string, ScoreSummary | undefined> & { model: ScoreSummary };
  /** Each test game's competition, season and teams, for the stored predictions. */
  labels: Map<number, GameLabel>;
}

/** Reads the market baseline runs as, at once on their own connections (see loadTestBaseline). */
const BASELINE_READS = 2;

/**
 * The test games' market baseline (every 1x2/moneyline price of each game: 424k prices for the
 * soccer test window), read as BASELINE_READS reads of consecutive games at once. The test set is
 * in kickoff order, so each read spans its own kickoffs and partitions; on a loaded 2-core machine
 * two halves took 2.1-3.6 s where one read took 3.6-6.0 s. Games are disjoint between the reads, so
 * the map is the one read's.
 */
export async function loadTestBaseline(db: Db, gameIds: readonly number[]): Promise<Map<number, MarketBaseline>> {
  const parts = gameIds.length < 2 * BASELINE_READS ? 1 : BASELINE_READS;
  const reads = Array.from({ length: parts }, (_, p) => loadMarketBaseline(db, gameIds.slice(Math.floor((p * gameIds.length) / parts), Math.floor(((p + 1) * gameIds.length) / parts))));
  const maps = await Promise.all(reads);
  if (maps.length === 1) return maps[0]!;
  const out = new Map<number, MarketBaseline>();
  for (const m of maps) for (const [id, b] of m) out.set(id, b);
  return out;
}

/** Probabilities of an outcome object in the model's class order; null when one is missing. */
function inClassOrder(classes: readonly string[], p: Record<string, number | null> | null | undefined): number[] | null {
  if (!p) return null;
  const out = classes.map((c) => p[c]);
  if (out.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return null;
  const values = out as number[];
  const sum = values.reduce((a, b) => a + b, 0);
  // Two-way sports drop draws; renormalise so the classes we score sum to one.
  return values.map((v) => v / sum);
}

/** The evaluate stage's reads: the test games' market baseline, reference forecasts and labels. */
export function loadEvaluationReads(db: Db, gameIds: readonly number[], baselineLoad?: Promise<Map<number, MarketBaseline>>) {
  return Promise.all([baselineLoad ?? loadTestBaseline(db, gameIds), loadReferenceForecasts(db, gameIds), gameLabels(db, gameIds)]);
}

/**
 * Stage 3: scores the model, the markets (closing, pre-closing) and reference forecasts on the same
 * test games, and backtests the model's bets at real prices. `probabilities` are the model's on the
 * test set, row-major in class order.
 */
export async function evaluateOutOfSample(
  db: Db,
  spec: TrainingSpec,
  model: Pick<DenseModel, 'featureNames'>,
  testSet: TrainingSet,
  probabilities: Float64Array,
  /** The test games' market baseline when already loading (the pipeline starts it before the fit). */
  baselineLoad?: Promise<Map<number, MarketBaseline>>,
  /** The stage's reads when already done or under way (see loadEvaluationReads). */
  reads?: ReturnType<typeof loadEvaluationReads>,
): Promise<Evaluation> {
  const classes = testSet.classes;
  const k = classes.length;
  const gameIds = testSet.gameIds;
  const [baseline, references, labelRows] = await (reads ?? loadEvaluationReads(db, gameIds, baselineLoad));
  const labels = new Map(labelRows.map((r) => [Number(r.game_id), r]));
  const rowsOf = (fn: (gameId: number, i: number) => number[] | null) => gameIds.map((id, i) => fn(id, i));
  const modelRows = rowsOf((_, i) => Array.from(probabilities.subarray(i * k, (i + 1) * k)));
  const closingRows = rowsOf((id) => inClassOrder(classes, baseline.get(id)?.closing as Record<string, number | null> | undefined));
  const preRows = rowsOf((id) => inClassOrder(classes, baseline.get(id)?.preclosing as Record<string, number | null> | undefined));
  const predictorNames = new Set<string>();
  for (const perGame of references.values()) for (const name of Object.keys(perGame)) predictorNames.add(name);
  const seasons = gameIds.map((id) => labels.get(id)?.season ?? 'unknown');
  const outcomes = Array.from(testSet.labels);

  const comparisons: Record<string, unknown> = {};
  const summary: Record<string, ScoreSummary> = {};
  const pick = (name: string, s: { logLoss: number; brier: number; accuracy: number; rps: number; calibration: { ece: number }; n: number }) => {
    summary[name] = { logLoss: s.logLoss, brier: s.brier, accuracy: s.accuracy, ece: s.calibration.ece, n: s.n, ...(k === 3 ? { rps: s.rps } : {}) };
  };
  // The model alone on every test game, then each comparison on the games both sides cover.
  const alone = compareOnSameGames(outcomes, { model: modelRows }, { seasons });
  comparisons.all = alone;
  pick('model', alone.predictors.model!);
  if (closingRows.some(Boolean)) {
    const c = compareOnSameGames(outcomes, { model: modelRows, closing: closingRows }, { seasons });
    comparisons.closing = c;
    pick('closing', c.predictors.closing!);
  }
  if (preRows.some(Boolean)) {
    const c = compareOnSameGames(outcomes, { model: modelRows, preclosing: preRows }, { seasons });
    comparisons.preclosing = c;
    pick('preclosing', c.predictors.preclosing!);
  }
  for (const name of [...predictorNames].sort()) {
    const refRows = rowsOf((id) => inClassOrder(classes, references.get(id)?.[name] as Record<string, number | null> | undefined));
    const c = compareOnSameGames(outcomes, { model: modelRows, [name]: refRows, ...(closingRows.some(Boolean) ? { closing: closingRows } : {}) }, { seasons });
    if (c.n > 0) comparisons[name] = c;
  }

  const scored = gameIds.map((gameId, i) => ({ gameId, kickoff: testSet.kickoffs[i]!, probabilities: modelRows[i]!, outcome: outcomes[i]! }));
  const bt = await marketBacktest(db, classes, scored, backtestSettingsOf(spec), baseline);
  return {
    report: { classes, testGames: testSet.nRows, summary, comparisons: stripRows(comparisons), backtest: bt, featureNames: model.featureNames },
    summary: summary as Evaluation['summary'],
    labels,
  };
}

/** Drops the per-row index lists from comparisons: they are large and the predictions table has them. */
function stripRows(comparisons: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(comparisons).map(([name, c]) => {
    const { rows: _rows, ...rest } = c as { rows: number[] };
    return [name, rest];
  }));
}

/** The version's headline metrics: the model's scores, the markets' log loss on the same games, sizes. */
export function headlineMetrics(evaluation: Evaluation, trainRows: number, testRows: number, bestEpoch: number): Record<string, number> {
  const { summary } = evaluation;
  return {
    logLoss: summary.model.logLoss,
    brier: summary.model.brier,
    accuracy: summary.model.accuracy,
    ece: summary.model.ece,
    ...(summary.model.rps !== undefined ? { rps: summary.model.rps } : {}),
    ...(summary.closing ? { closingLogLoss: summary.closing.logLoss } : {}),
    ...(summary.preclosing ? { preclosingLogLoss: summary.preclosing.logLoss } : {}),
    testGames: testRows,
    trainGames: trainRows,
    bestEpoch,
  };
}
