import type { Db } from '../../core/index.ts';
import type { TrainingSet } from '../../features/index.ts';
import { TFJS_MODEL_JSON, TFJS_WEIGHTS_BIN, denseTfjsLayout, exportToOnnx, selectBackground, serializeModel, type Background, type DenseModel, type TfjsLayout, type TrainParams } from '../../models/index.ts';
import { createVersion, putArtifact, savePredictions, type ModelVersion } from '../../registry/index.ts';
import type { TrainingSpec } from '../spec.ts';
import type { Datasets } from './dataset.ts';
import type { GameLabel } from '../../history/index.ts';
import { EXPLANATION_SAMPLE_ROWS, globalImportance } from './importance.ts';
import { featureDistribution } from '../evaluate/drift.ts';

export interface VersionProvenance {
  runId: string;
  createdBy: string;
  /** The code's commit, handed in by the composition root; null when unknown. */
  codeVersion: string | null;
}

/**
 * Stage 5a: creates (or finds, for a redelivered run) the PENDING version with its lineage: feature set
 * and dataset hashes, windows, algorithm, parameters, seed, code version, who asked.
 */
export async function createPendingVersion(db: Db, spec: TrainingSpec, datasets: Datasets, params: Partial<TrainParams>, provenance: VersionProvenance): Promise<ModelVersion> {
  const { trainSet, testSet } = datasets;
  const { version } = await createVersion(db, {
    model: spec.model,
    runId: provenance.runId,
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
      params: params as Record<string, unknown>,
      seed: spec.seed ?? (params.seed as number | undefined),
      codeVersion: provenance.codeVersion ?? undefined,
      runId: provenance.runId,
      createdBy: provenance.createdBy,
      trainRows: trainSet.nRows,
      testRows: testSet.nRows,
    },
  });
  return version;
}

/** The CPU-heavy inputs of the register stage: the SHAP background and global importance. */
export interface ExplanationArtifacts {
  background: Background;
  /** Absent for a model with no dense form. */
  importance?: Record<string, unknown>;
}

/**
 * Stage 5a': the explanation artifacts' contents, from the model and the two windows only, so the
 * pipeline computes them while the evaluate stage's reads are in flight on the database.
 * `timings` receives `registerBackgroundMs` and `registerImportanceMs`.
 */
export async function explanationArtifacts(model: DenseModel | null, trainSet: TrainingSet, testSet: TrainingSet, timings: Record<string, number> = {}): Promise<ExplanationArtifacts> {
  let mark = performance.now();
  const background = selectBackground(trainSet.X, trainSet.nRows, trainSet.featureNames.length, { size: 100, method: 'kmeans', seed: 7, sampleRows: EXPLANATION_SAMPLE_ROWS });
  timings.registerBackgroundMs = Math.round(performance.now() - mark);
  mark = performance.now();
  const importance = model ? await globalImportance(model, trainSet, testSet) : undefined;
  timings.registerImportanceMs = Math.round(performance.now() - mark);
  return { background, ...(importance ? { importance } : {}) };
}

/**
 * Stage 5b: the version's artifacts (dense JSON, ONNX, tfjs, feature spec, SHAP background,
 * training feature distribution, global importance) and its test-window predictions, written
 * concurrently (each write is its own short transaction on the PENDING version).
 */
export async function registerArtifacts(
  db: Db,
  version: ModelVersion,
  model: DenseModel | null,
  trainSet: TrainingSet,
  testSet: TrainingSet,
  probabilities: Float64Array,
  labels: Map<number, GameLabel>,
  /** algo tfjs: the trained network's layout; a model with no dense form (null `model`) has only this, no dense-json, ONNX or SHAP importance. */
  tfjsLayout?: TfjsLayout,
  /** Filled with the milliseconds of each part (model artifacts, background, distribution, importance, predictions). */
  timings: Record<string, number> = {},
  /** The explanation artifacts when already computed (see explanationArtifacts); else computed here. */
  explained?: ExplanationArtifacts,
): Promise<void> {
  const k = testSet.classes.length;
  const started = performance.now();
  const since = (from: number) => Math.round(performance.now() - from);
  const writes: Promise<unknown>[] = [];
  const write = (promise: Promise<unknown>) => {
    promise.catch(() => undefined); // surfaces in Promise.all below
    writes.push(promise);
  };
  // The predictions first: the largest write, on the database while the rest is encoded.
  const predictionsStarted = performance.now();
  write(savePredictions(db, version.id, testSet.gameIds.map((gameId, i) => {
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
  })).then(() => (timings.registerPredictionsMs = since(predictionsStarted))));
  if (model) {
    write(putArtifact(db, version.id, { kind: 'dense-json', json: JSON.parse(serializeModel(model)) }));
    write(putArtifact(db, version.id, { kind: 'onnx', bytes: exportToOnnx(model, { docString: `${version.model} v${version.version}` }), contentType: 'application/x-onnx' }));
  }
  // tfjs's own layout, two parts of one kind: a loader given `…/artifacts/tfjs/model.json` finds `weights.bin` beside it.
  // Written without tfjs (the same bytes): importing it cost a worker's first job ~0.6 s.
  const tfjs = tfjsLayout ?? denseTfjsLayout(model!);
  write(putArtifact(db, version.id, { kind: 'tfjs', name: TFJS_MODEL_JSON, bytes: tfjs.modelJson, contentType: 'application/json' }));
  write(putArtifact(db, version.id, { kind: 'tfjs', name: TFJS_WEIGHTS_BIN, bytes: tfjs.weights, contentType: 'application/octet-stream' }));
  write(putArtifact(db, version.id, {
    kind: 'feature-spec',
    json: { featureSet: trainSet.featureSet, featureNames: trainSet.featureNames, fills: trainSet.fills, classes: trainSet.classes },
  }));
  timings.registerModelMs = since(started);
  const { background, importance } = explained ?? (await explanationArtifacts(model, trainSet, testSet, timings));
  write(putArtifact(db, version.id, {
    kind: 'background',
    json: { method: 'kmeans', nRows: background.nRows, featureNames: trainSet.featureNames, rows: chunk(Array.from(background.data), trainSet.featureNames.length), weights: background.weights ? Array.from(background.weights) : null },
  }));
  // The training distribution served rows are compared with (population stability, drift).
  let mark = performance.now();
  write(putArtifact(db, version.id, { kind: 'feature-distribution', json: featureDistribution(trainSet.X, trainSet.nRows, trainSet.featureNames) }));
  timings.registerDistributionMs = since(mark);
  if (importance) write(putArtifact(db, version.id, { kind: 'importance', json: importance }));
  mark = performance.now();
  await Promise.all(writes);
  timings.registerWritesMs = since(mark);
}

function chunk(values: number[], width: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < values.length; i += width) rows.push(values.slice(i, i + width));
  return rows;
}
