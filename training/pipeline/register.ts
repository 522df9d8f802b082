import type { Db } from '../../core/index.ts';
import type { TrainingSet } from '../../features/index.ts';
import { TFJS_MODEL_JSON, TFJS_WEIGHTS_BIN, exportToOnnx, exportTfjsLayout, selectBackground, serializeModel, type DenseModel, type TfjsLayout, type TrainParams } from '../../models/index.ts';
import { createVersion, putArtifact, savePredictions, type ModelVersion } from '../../registry/index.ts';
import type { TrainingSpec } from '../spec.ts';
import type { Datasets } from './dataset.ts';
import type { GameLabel } from '../../history/index.ts';
import { globalImportance } from './importance.ts';
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

/**
 * Stage 5b: the version's artifacts (dense JSON, ONNX, tfjs, feature spec, SHAP background,
 * training feature distribution, global importance) and its test-window predictions.
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
): Promise<void> {
  const k = testSet.classes.length;
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    mark = now;
  };
  if (model) {
    await putArtifact(db, version.id, { kind: 'dense-json', json: JSON.parse(serializeModel(model)) });
    await putArtifact(db, version.id, { kind: 'onnx', bytes: exportToOnnx(model, { docString: `${version.model} v${version.version}` }), contentType: 'application/x-onnx' });
  }
  // tfjs's own layout, two parts of one kind: a loader given `…/artifacts/tfjs/model.json` finds `weights.bin` beside it.
  const tfjs = tfjsLayout ?? (await exportTfjsLayout(model!));
  await putArtifact(db, version.id, { kind: 'tfjs', name: TFJS_MODEL_JSON, bytes: tfjs.modelJson, contentType: 'application/json' });
  await putArtifact(db, version.id, { kind: 'tfjs', name: TFJS_WEIGHTS_BIN, bytes: tfjs.weights, contentType: 'application/octet-stream' });
  await putArtifact(db, version.id, {
    kind: 'feature-spec',
    json: { featureSet: trainSet.featureSet, featureNames: trainSet.featureNames, fills: trainSet.fills, classes: trainSet.classes },
  });
  lap('registerModelMs');
  const background = selectBackground(trainSet.X, trainSet.nRows, trainSet.featureNames.length, { size: 100, method: 'kmeans', seed: 7 });
  await putArtifact(db, version.id, {
    kind: 'background',
    json: { method: 'kmeans', nRows: background.nRows, featureNames: trainSet.featureNames, rows: chunk(Array.from(background.data), trainSet.featureNames.length), weights: background.weights ? Array.from(background.weights) : null },
  });
  lap('registerBackgroundMs');
  // The training distribution served rows are compared with (population stability, drift).
  await putArtifact(db, version.id, { kind: 'feature-distribution', json: featureDistribution(trainSet.X, trainSet.nRows, trainSet.featureNames) });
  lap('registerDistributionMs');
  if (model) await putArtifact(db, version.id, { kind: 'importance', json: await globalImportance(model, trainSet, testSet) });
  lap('registerImportanceMs');
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
  lap('registerPredictionsMs');
}

function chunk(values: number[], width: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < values.length; i += width) rows.push(values.slice(i, i + width));
  return rows;
}
