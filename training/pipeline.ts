import { execFileSync } from 'node:child_process';
import { type Db, AppError, type Logger, loadSql } from '../core/index.ts';
import { buildTrainingSet, loadMarketBaseline, loadReferenceForecasts, resolveFeatureSet, type TrainingSet } from '../features/index.ts';
import {
  train,
  predictProba,
  serializeModel,
  exportToOnnx,
  exportToTfjs,
  selectBackground,
  explainableModelOf,
  createExplainer,
  permutationImportance,
  type DenseModel,
  type EpochReport,
  type TrainParams,
  type TrainerKernelChoice,
} from '../models/index.ts';
import { createVersion, markReady, markFailed, putArtifact, savePredictions, type ModelVersion } from '../registry/index.ts';
import { compareOnSameGames } from './evaluate/index.ts';
import { checkTrainableColumns, neutralise } from './columns.ts';
import { marketBacktest } from './market-backtest.ts';
import { backtestSettingsOf, type TrainingSpec } from './spec.ts';

const GAME_LABELS_SQL = loadSql(import.meta.url, './sql/game-labels.sql');

export interface TrainingProgress {
  phase: 'dataset' | 'training' | 'evaluating' | 'registering' | 'done';
  epoch?: number;
  epochs?: number;
  loss?: number;
  valLoss?: number | null;
  trainRows?: number;
  testRows?: number;
}

export interface TrainingDeps {
  db: Db;
  logger?: Logger;
  /** Trainer kernels (config `trainerKernels`); default `auto`. */
  trainerKernels?: TrainerKernelChoice;
}

export interface TrainingRunOptions {
  /** Aborting stops training at the next batch (TRAINING_CANCELLED). */
  signal?: AbortSignal;
  onProgress?: (progress: TrainingProgress) => void | Promise<void>;
  createdBy?: string;
  /**
   * True once another attempt has taken this run over. The version is then that attempt's:
   * this one stops (abort `signal` too) and must not mark it FAILED on its way out.
   */
  superseded?: () => boolean;
}

export interface TrainingOutcome {
  model: string;
  version: number;
  versionId: number;
  /** False when an earlier delivery of the same run had already registered the version. */
  trained: boolean;
  metrics: Record<string, number>;
}

/** The day after an inclusive ISO date, as the exclusive upper bound the feature store takes. */
function dayAfter(isoDate: string): string {
  const d = new Date(isoDate + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function float32(X: Float64Array): Float32Array {
  return Float32Array.from(X);
}

let cachedCommit: string | null | undefined;
/** The git commit of the running code when it is a checkout; null otherwise. */
function codeVersion(): string | null {
  if (cachedCommit !== undefined) return cachedCommit;
  try {
    cachedCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: new URL('..', import.meta.url), stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    cachedCommit = null;
  }
  return cachedCommit;
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

/**
 * Builds the datasets, trains, evaluates out of sample against the market and reference
 * forecasts on the same games, and registers a READY version with its artifacts and test
 * predictions. Idempotent per run id: a redelivered job whose version is READY returns it.
 * Columns the training window cannot teach are refused before anything is registered (see
 * columns.ts); constant-0 missing indicators are neutralised instead (weights zero).
 * @throws AppError TRAINING_DATA_EMPTY, FEATURE_COLUMNS_DEGENERATE, TRAINING_CANCELLED, FEATURE_SET_UNKNOWN, TRAINING_SPEC_INVALID
 */
export async function trainAndRegister(deps: TrainingDeps, runId: string, spec: TrainingSpec, options: TrainingRunOptions = {}): Promise<TrainingOutcome> {
  const { db } = deps;
  const timings: Record<string, number> = {};
  let mark = Date.now();
  const lap = (name: string) => {
    const now = Date.now();
    timings[name] = now - mark;
    mark = now;
  };
  // Each phase boundary is also a stopping point: a cancel (or a takeover) seen while reporting
  // stops the run before its next phase, not only between training batches.
  const enterPhase = async (progress: TrainingProgress) => {
    await options.onProgress?.(progress);
    if (options.signal?.aborted) throw new AppError('TRAINING_CANCELLED', 'Training was cancelled', { cause: options.signal.reason });
  };
  await enterPhase({ phase: 'dataset' });

  const trainSet = await buildTrainingSet(db, spec.featureSet, { from: spec.trainFrom, to: dayAfter(spec.trainTo), competitions: spec.competitions });
  const testSet = await buildTrainingSet(db, spec.featureSet, { from: spec.testFrom, to: dayAfter(spec.testTo), competitions: spec.competitions, ensureBuilt: false });
  if (trainSet.nRows === 0) throw new AppError('TRAINING_DATA_EMPTY', `no finished games with features in the training window up to ${spec.trainTo}`, { details: { window: 'train' } });
  if (testSet.nRows === 0) throw new AppError('TRAINING_DATA_EMPTY', `no finished games with features in the test window ${spec.testFrom}..${spec.testTo}`, { details: { window: 'test' } });
  const neutralColumns = checkTrainableColumns(trainSet, resolveFeatureSet(spec.featureSet).columns);
  lap('datasetMs');

  const overrides = { ...(spec.params ?? {}), algo: spec.algo, ...(spec.seed !== undefined ? { seed: spec.seed } : {}) } as Partial<TrainParams>;
  const { version } = await createVersion(db, {
    model: spec.model,
    runId,
    classes: trainSet.classes,
    description: spec.description,
    lineage: {
      featureSet: { name: trainSet.featureSet.name, hash: trainSet.featureSet.hash },
      trainWindow: { from: spec.trainFrom ?? new Date(trainSet.kickoffs[0]!).toISOString().slice(0, 10), to: spec.trainTo },
      testWindow: { from: spec.testFrom, to: spec.testTo },
      competitions: spec.competitions ?? null,
      datasetHash: trainSet.datasetHash,
      testDatasetHash: testSet.datasetHash,
      algorithm: spec.algo,
      params: overrides as Record<string, unknown>,
      seed: spec.seed ?? (overrides.seed as number | undefined),
      codeVersion: codeVersion() ?? undefined,
      runId,
      createdBy: options.createdBy ?? 'anonymous',
      trainRows: trainSet.nRows,
      testRows: testSet.nRows,
    },
  });
  if (version.status === 'READY') {
    return { model: version.model, version: version.version, versionId: version.id, trained: false, metrics: version.metrics };
  }

  try {
    await enterPhase({ phase: 'training', trainRows: trainSet.nRows, testRows: testSet.nRows });
    const fit = await train(
      { X: float32(trainSet.X), y: trainSet.labels, nRows: trainSet.nRows, nFeatures: trainSet.featureNames.length, classes: trainSet.classes, featureNames: trainSet.featureNames },
      overrides,
      {
        kernels: deps.trainerKernels,
        signal: options.signal,
        onEpoch: (report: EpochReport) =>
          options.onProgress?.({ phase: 'training', epoch: report.epoch, epochs: fit0Epochs(overrides), loss: report.loss, valLoss: report.valLoss, trainRows: trainSet.nRows, testRows: testSet.nRows }),
      },
    );
    // Constant-0 missing indicators carried no information in training: zero weights, never untrained ones.
    neutralise(fit.model, neutralColumns);
    lap('trainMs');

    await enterPhase({ phase: 'evaluating' });
    const probabilities = predictProba(fit.model, testSet.X, testSet.nRows);
    const evaluation = await evaluate(db, spec, fit.model, testSet, probabilities);
    lap('evaluateMs');

    await enterPhase({ phase: 'registering' });
    await registerArtifacts(db, version, fit.model, trainSet, testSet, probabilities, evaluation.labels);
    const metrics = {
      logLoss: evaluation.summary.model.logLoss,
      brier: evaluation.summary.model.brier,
      accuracy: evaluation.summary.model.accuracy,
      ece: evaluation.summary.model.ece,
      ...(evaluation.summary.model.rps !== undefined ? { rps: evaluation.summary.model.rps } : {}),
      ...(evaluation.summary.closing ? { closingLogLoss: evaluation.summary.closing.logLoss } : {}),
      ...(evaluation.summary.preclosing ? { preclosingLogLoss: evaluation.summary.preclosing.logLoss } : {}),
      testGames: testSet.nRows,
      trainGames: trainSet.nRows,
      bestEpoch: fit.bestEpoch,
    };
    lap('registerMs');
    const ready = await markReady(db, version.id, {
      metrics,
      evaluation: { ...evaluation.report, training: { neutralisedColumns: neutralColumns.map((j) => trainSet.featureNames[j]!), params: fit.params, kernels: fit.kernels, ...(fit.anchor ? { anchor: fit.anchor } : {}), ...(fit.calibration ? { calibration: fit.calibration } : {}), bestEpoch: fit.bestEpoch, bestValLoss: fit.bestValLoss, stoppedEarly: fit.stoppedEarly, history: fit.history, nTrainRows: fit.nTrainRows, nValidationRows: fit.nValidationRows } },
      timings,
    });
    await options.onProgress?.({ phase: 'done' });
    return { model: ready.model, version: ready.version, versionId: ready.id, trained: true, metrics };
  } catch (error) {
    // A cancelled or failed run leaves a FAILED version with the reason, never a half-READY one;
    // a superseded attempt leaves the version to the attempt that took the run over.
    if (!options.superseded?.()) await markFailed(db, version.id, error instanceof AppError ? `${error.code}: ${error.message}` : (error as Error).message, timings).catch(() => undefined);
    throw error;
  }
}

function fit0Epochs(overrides: Partial<TrainParams>): number | undefined {
  return typeof overrides.epochs === 'number' ? overrides.epochs : undefined;
}

interface GameLabel {
  game_id: number;
  competition: string;
  season: string;
  home: string;
  away: string;
}

interface Evaluation {
  report: Record<string, unknown>;
  summary: Record<string, { logLoss: number; brier: number; accuracy: number; ece: number; rps?: number; n: number } | undefined> & {
    model: { logLoss: number; brier: number; accuracy: number; ece: number; rps?: number; n: number };
  };
  labels: Map<number, GameLabel>;
}

/** Scores the model, the markets and reference forecasts on the same test games, plus a backtest. */
async function evaluate(db: Db, spec: TrainingSpec, model: DenseModel, testSet: TrainingSet, probabilities: Float64Array): Promise<Evaluation> {
  const classes = testSet.classes;
  const k = classes.length;
  const gameIds = testSet.gameIds;
  const [baseline, references, labelRows] = await Promise.all([
    loadMarketBaseline(db, gameIds),
    loadReferenceForecasts(db, gameIds),
    db.query<GameLabel>(GAME_LABELS_SQL, [gameIds]),
  ]);
  const labels = new Map(labelRows.rows.map((r) => [Number(r.game_id), r]));
  const rowsOf = (fn: (gameId: number, i: number) => number[] | null) => gameIds.map((id, i) => fn(id, i));
  const modelRows = rowsOf((_, i) => Array.from(probabilities.subarray(i * k, (i + 1) * k)));
  const closingRows = rowsOf((id) => inClassOrder(classes, baseline.get(id)?.closing as Record<string, number | null> | undefined));
  const preRows = rowsOf((id) => inClassOrder(classes, baseline.get(id)?.preclosing as Record<string, number | null> | undefined));
  const predictorNames = new Set<string>();
  for (const perGame of references.values()) for (const name of Object.keys(perGame)) predictorNames.add(name);
  const seasons = gameIds.map((id) => labels.get(id)?.season ?? 'unknown');
  const outcomes = Array.from(testSet.labels);

  const comparisons: Record<string, unknown> = {};
  const summary: Record<string, { logLoss: number; brier: number; accuracy: number; ece: number; rps?: number; n: number }> = {};
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

async function registerArtifacts(
  db: Db,
  version: ModelVersion,
  model: DenseModel,
  trainSet: TrainingSet,
  testSet: TrainingSet,
  probabilities: Float64Array,
  labels: Map<number, GameLabel>,
): Promise<void> {
  const k = testSet.classes.length;
  await putArtifact(db, version.id, { kind: 'dense-json', json: JSON.parse(serializeModel(model)) });
  await putArtifact(db, version.id, { kind: 'onnx', bytes: exportToOnnx(model, { docString: `${version.model} v${version.version}` }), contentType: 'application/x-onnx' });
  await putArtifact(db, version.id, { kind: 'tfjs', json: await exportToTfjs(model) });
  await putArtifact(db, version.id, {
    kind: 'feature-spec',
    json: { featureSet: trainSet.featureSet, featureNames: trainSet.featureNames, fills: trainSet.fills, classes: trainSet.classes },
  });
  const background = selectBackground(trainSet.X, trainSet.nRows, trainSet.featureNames.length, { size: 100, method: 'kmeans', seed: 7 });
  await putArtifact(db, version.id, {
    kind: 'background',
    json: { method: 'kmeans', nRows: background.nRows, featureNames: trainSet.featureNames, rows: chunk(Array.from(background.data), trainSet.featureNames.length), weights: background.weights ? Array.from(background.weights) : null },
  });
  await putArtifact(db, version.id, { kind: 'importance', json: await globalImportance(model, trainSet, testSet) });
  await savePredictions(db, version.id, testSet.gameIds.map((gameId, i) => {
    const label = labels.get(gameId);
    return {
      gameId,
      kickoff: new Date(testSet.kickoffs[i]!),
      competition: label?.competition ?? testSet.competitionCodes[i] ?? '',
      home: label?.home ?? '',
      away: label?.away ?? '',
      probabilities: Array.from(probabilities.subarray(i * k, (i + 1) * k)),
      outcome: testSet.classes[testSet.labels[i]!] ?? null,
    };
  }));
}

/** Model rows the SHAP part of global importance may cost at registration (bounds its time). */
const IMPORTANCE_ROW_BUDGET = 3_000_000;

/**
 * Global importance on the test window: mean |SHAP| per feature and class (probability space,
 * on an evenly spaced sample of test rows against a k-means background) and permutation
 * importance (increase in log loss when a feature is shuffled, all test rows).
 */
async function globalImportance(model: DenseModel, trainSet: TrainingSet, testSet: TrainingSet): Promise<Record<string, unknown>> {
  const explainable = explainableModelOf(model);
  const width = testSet.featureNames.length;
  const background = selectBackground(trainSet.X, trainSet.nRows, width, { size: 10, method: 'kmeans', seed: 11 });
  const coalitions = width <= 14 ? 2 ** width : 2048 * 2;
  const rows = Math.max(10, Math.min(testSet.nRows, 300, Math.floor(IMPORTANCE_ROW_BUDGET / (coalitions * background.nRows))));
  const explainer = createExplainer(explainable, { background, outputSpace: 'probability' });
  const nOut = model.classes.length;
  const sums = new Float64Array(explainer.players.length * nOut);
  let lastYield = Date.now();
  for (let r = 0; r < rows; r++) {
    const source = Math.floor((r * testSet.nRows) / rows);
    const { phi } = explainer.explain(testSet.X.subarray(source * width, (source + 1) * width));
    for (let i = 0; i < sums.length; i++) sums[i]! += Math.abs(phi[i]!) / rows;
    // One row at a time with yields: a BullMQ worker must keep renewing its job lock meanwhile.
    if (Date.now() - lastYield > 20) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = Date.now();
    }
  }
  const permutation = permutationImportance(explainable, testSet.X, testSet.nRows, testSet.labels, { nRepeats: 5, seed: 3 });
  const features = explainer.players.map((p, i) => ({
    name: p.name,
    byClass: Object.fromEntries(model.classes.map((c, k) => [c, sums[i * nOut + k]!])),
  }));
  return {
    classes: model.classes,
    meanAbsShap: {
      rows,
      background: { method: 'kmeans', size: background.nRows },
      outputSpace: 'probability',
      engine: explainer.engine,
      features,
      ranking: Object.fromEntries(model.classes.map((c) => [c, [...features].sort((a, b) => b.byClass[c]! - a.byClass[c]!).map((f) => ({ feature: f.name, meanAbsShap: f.byClass[c]! }))])),
    },
    permutation: { baselineLogLoss: permutation.baselineLoss, repeats: 5, features: permutation.players.map((p) => ({ name: p.player, importance: p.importance, std: p.std })) },
  };
}

function chunk(values: number[], width: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < values.length; i += width) rows.push(values.slice(i, i + width));
  return rows;
}
