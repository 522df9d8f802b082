import { type Db, AppError, type Logger } from '../core/index.ts';
import { predictProba, type TrainerKernelChoice } from '../models/index.ts';
import { markReady, markFailed } from '../registry/index.ts';
import type { TrainingSpec } from './spec.ts';
import { buildDatasets } from './pipeline/dataset.ts';
import { fitModel, fitTfjsModel, trainParamsOf } from './pipeline/fit.ts';
import { evaluateOutOfSample, headlineMetrics, loadEvaluationReads, loadTestBaseline } from './pipeline/evaluate.ts';
import { createPendingVersion, explanationArtifacts, registerArtifacts } from './pipeline/register.ts';

/**
 * The pipeline of one run, stage by stage (each in training/pipeline/): dataset -> fit -> evaluate
 * (market, backtest) beside the explanation artifacts (background, importance) -> register. This file only orders them, reports progress and
 * keeps a failed run from leaving a half-READY version.
 */

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
  /** The running code's commit, recorded in each version's lineage; the composition root finds it. */
  codeVersion?: string | null;
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

  const datasets = await buildDatasets(db, spec);
  const { trainSet, testSet, neutralColumns } = datasets;
  lap('datasetMs');

  // The evaluate stage's largest read (every 1x2/moneyline price of the test games) runs on the
  // database while the model fits; evaluate awaits it.
  const baselineLoad = loadTestBaseline(db, testSet.gameIds);
  baselineLoad.catch(() => undefined); // a failed load surfaces where evaluate awaits it
  const params = trainParamsOf(spec);
  const version = await createPendingVersion(db, spec, datasets, params, { runId, createdBy: options.createdBy ?? 'anonymous', codeVersion: deps.codeVersion ?? null });
  if (version.status === 'READY') {
    return { model: version.model, version: version.version, versionId: version.id, trained: false, metrics: version.metrics };
  }

  try {
    await enterPhase({ phase: 'training', trainRows: trainSet.nRows, testRows: testSet.nRows });
    const onEpoch = (report: { epoch: number; loss: number; valLoss: number | null }, epochs: number | undefined) =>
      options.onProgress?.({ phase: 'training', epoch: report.epoch, epochs, loss: report.loss, valLoss: report.valLoss, trainRows: trainSet.nRows, testRows: testSet.nRows });
    let ready;
    let metrics: Record<string, number>;
    // The register stage's parts, stored beside the stage totals.
    const parts: Record<string, number> = {};
    if (spec.algo === 'tfjs') {
      const fit = await fitTfjsModel(datasets, spec, { signal: options.signal, onEpoch });
      lap('trainMs');
      await enterPhase({ phase: 'evaluating' });
      const evaluation = await evaluateOutOfSample(db, spec, trainSet, testSet, fit.probabilities, baselineLoad);
      lap('evaluateMs');
      await enterPhase({ phase: 'registering' });
      await registerArtifacts(db, version, fit.dense, trainSet, testSet, fit.probabilities, evaluation.labels, fit.layout, parts);
      const { result } = fit;
      metrics = headlineMetrics(evaluation, trainSet.nRows, testSet.nRows, result.history.length);
      lap('registerMs');
      ready = await markReady(db, version.id, {
        metrics,
        evaluation: { ...evaluation.report, training: { algo: 'tfjs', runtime: fit.dense ? 'onnx' : 'tfjs', backend: result.backend, backendFallback: result.fallbackReason, neutralisedColumns: neutralColumns.map((j) => trainSet.featureNames[j]!), params: result.params, history: result.history, bestEpoch: result.history.length, nTrainRows: result.nTrainRows, nValidationRows: result.nValidationRows } },
        timings: { ...timings, ...parts },
      });
    } else {
      const fit = await fitModel(datasets, params, { kernels: deps.trainerKernels, signal: options.signal, onEpoch });
      lap('trainMs');

      await enterPhase({ phase: 'evaluating' });
      const probabilities = predictProba(fit.model, testSet.X, testSet.nRows);
      // The explanation artifacts (k-means background, global importance) need only the model and
      // the windows: the evaluate stage's scoring runs in their yields. Its reads (market baseline,
      // reference forecasts, labels) are awaited first: the k-means background is synchronous
      // (35 s or more at 600,000 games under load), and a pooled connection still being opened
      // across it fails with pg's connect timeout (10 s) once the event loop is free.
      const reads = loadEvaluationReads(db, testSet.gameIds, baselineLoad);
      await reads;
      const evaluating = evaluateOutOfSample(db, spec, fit.model, testSet, probabilities, baselineLoad, reads);
      evaluating.catch(() => undefined); // surfaces where it is awaited
      const explained = await explanationArtifacts(fit.model, trainSet, testSet, parts);
      const evaluation = await evaluating;
      lap('evaluateMs');

      await enterPhase({ phase: 'registering' });
      await registerArtifacts(db, version, fit.model, trainSet, testSet, probabilities, evaluation.labels, undefined, parts, explained);
      metrics = headlineMetrics(evaluation, trainSet.nRows, testSet.nRows, fit.bestEpoch);
      lap('registerMs');
      ready = await markReady(db, version.id, {
        metrics,
        evaluation: { ...evaluation.report, training: { neutralisedColumns: neutralColumns.map((j) => trainSet.featureNames[j]!), params: fit.params, kernels: fit.kernels, ...(fit.anchor ? { anchor: fit.anchor } : {}), ...(fit.calibration ? { calibration: fit.calibration } : {}), ...(fit.l2Selection ? { l2Selection: fit.l2Selection } : {}), bestEpoch: fit.bestEpoch, bestValLoss: fit.bestValLoss, stoppedEarly: fit.stoppedEarly, history: fit.history, nTrainRows: fit.nTrainRows, nValidationRows: fit.nValidationRows } },
        timings: { ...timings, ...parts },
      });
    }
    await options.onProgress?.({ phase: 'done' });
    return { model: ready.model, version: ready.version, versionId: ready.id, trained: true, metrics };
  } catch (error) {
    // A cancelled or failed run leaves a FAILED version with the reason, never a half-READY one;
    // a superseded attempt leaves the version to the attempt that took the run over.
    if (!options.superseded?.()) await markFailed(db, version.id, error instanceof AppError ? `${error.code}: ${error.message}` : (error as Error).message, timings).catch(() => undefined);
    throw error;
  }
}
