import { createVersion, markReady, putArtifact, savePredictions, setAlias, type ModelVersion } from '../../registry/index.ts';
import { exportToOnnx, exportToTfjs, predictProba, serializeModel, train, type DenseModel, type TrainParams } from '../../models/index.ts';
import { resolveFeatureSet } from '../../features/index.ts';
import type { Db } from '../../core/db.ts';
import { seededRandom } from '../support/fixtures.ts';

/** Synthetic betting-like rows: a rating difference, a price, a rate, noise; labels home/draw/away. */
export function syntheticRows(nRows: number, featureNames: readonly string[], seed: number): { X: Float32Array; y: Int32Array } {
  const r = seededRandom(seed);
  const nf = featureNames.length;
  const X = new Float32Array(nRows * nf);
  const y = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    let z = 0;
    for (let f = 0; f < nf; f++) {
      const v = f === 0 ? (r() * 2 - 1) * 170 : f === 1 ? 1.5 + r() * 3 : r() * 2 - 1;
      X[i * nf + f] = v;
      z += f === 0 ? v / 100 : f === 1 ? -(v - 3) * 0.6 : v * 0.3;
    }
    z += (r() - 0.5) * 2;
    y[i] = z > 0.5 ? 0 : z < -0.5 ? 2 : 1;
  }
  return { X, y };
}

export interface RegisteredTestModel {
  version: ModelVersion;
  model: DenseModel;
  /** Rows whose predictions were stored with the version (its "test set"). */
  testX: Float32Array;
  testRows: number;
}

export interface RegisterOptions {
  model: string;
  /** Feature names; default f0..f4. Use `featureSet` to train on a real set's names. */
  featureNames?: string[];
  /** A default feature set name: its names, fills and hash go into the feature spec. */
  featureSet?: string;
  seed?: number;
  params?: Partial<TrainParams>;
  /** Alias to point at the new version (default 'champion'; null for none). */
  alias?: string | null;
  /** Leave the version PENDING (no artifacts). */
  pending?: boolean;
  /** Store the tfjs artifact too (default false: serving exports it on demand). */
  tfjs?: boolean;
  /** Test rows whose predictions are saved (default 200). */
  testRows?: number;
  /** Bytes stored as the `onnx` artifact instead of the real export (to test the tfjs fallback). */
  onnxBytes?: Uint8Array;
  /** Stored evaluation of the version (default none), e.g. its comparisons against the market. */
  evaluation?: Record<string, unknown>;
}

/**
 * Trains a small DenseModel on synthetic rows and registers it the way the training pipeline
 * does: dense-json, onnx, feature-spec artifacts (tfjs optional), test predictions, READY, alias.
 */
export async function registerTestModel(db: Db, options: RegisterOptions): Promise<RegisteredTestModel> {
  const set = options.featureSet ? resolveFeatureSet(options.featureSet) : undefined;
  const featureNames = set ? [...set.featureNames] : options.featureNames ?? ['f0', 'f1', 'f2', 'f3', 'f4'];
  const classes = ['home', 'draw', 'away'];
  const seed = options.seed ?? 7;
  const nRows = 600;
  const { X, y } = syntheticRows(nRows, featureNames, seed);
  const { model } = await train({ X, y, nRows, nFeatures: featureNames.length, classes, featureNames }, { algo: 'mlp', hidden: [8], epochs: 3, seed, validationFraction: 0, ...options.params });
  const runId = `test-${options.model}-${seed}-${Math.random().toString(36).slice(2, 8)}`;
  const { version } = await createVersion(db, {
    model: options.model,
    runId,
    classes,
    lineage: { featureSet: set ? { name: set.name, hash: set.hash } : null, algorithm: 'mlp', seed },
  });
  const testRows = options.testRows ?? 200;
  const testX = X.subarray(0, testRows * featureNames.length);
  if (options.pending) return { version, model, testX, testRows };
  await putArtifact(db, version.id, { kind: 'dense-json', json: JSON.parse(serializeModel(model)) });
  await putArtifact(db, version.id, { kind: 'onnx', bytes: options.onnxBytes ?? exportToOnnx(model), contentType: 'application/x-onnx' });
  if (options.tfjs) await putArtifact(db, version.id, { kind: 'tfjs', json: await exportToTfjs(model) });
  await putArtifact(db, version.id, {
    kind: 'feature-spec',
    json: {
      featureSet: set ? { name: set.name, hash: set.hash } : { name: 'synthetic', hash: 'synthetic' },
      featureNames,
      fills: set ? set.columns.map((c) => c.fill) : featureNames.map(() => 0),
      classes,
    },
  });
  const proba = predictProba(model, testX, testRows);
  await savePredictions(db, version.id, Array.from({ length: testRows }, (_, i) => ({
    gameId: i + 1,
    kickoff: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000),
    competition: 'SYN',
    home: 'A',
    away: 'B',
    probabilities: Array.from(proba.subarray(i * 3, i * 3 + 3)),
    outcome: classes[y[i]!]!,
  })));
  const ready = await markReady(db, version.id, { metrics: { logLoss: 1 }, ...(options.evaluation ? { evaluation: options.evaluation } : {}) });
  const alias = options.alias === undefined ? 'champion' : options.alias;
  if (alias) await setAlias(db, options.model, alias, ready.version, 'test');
  return { version: ready, model, testX, testRows };
}

/** One instance object from row `i` of a row-major matrix. */
export function instanceOf(featureNames: readonly string[], X: ArrayLike<number>, i: number): Record<string, number> {
  const o: Record<string, number> = {};
  featureNames.forEach((n, f) => (o[n] = X[i * featureNames.length + f]!));
  return o;
}

import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { createInProcessQueues } from '../../src/jobs/index.ts';
import { createLogger } from '../../core/logger.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { ServingOptions } from '../../src/serving/index.ts';
import { buildTestApp, readyWithKey } from '../support/app.ts';

/** An app on a test database with serving options (quiet logs, in-process jobs, no prediction-log files). */
export async function createServingApp(db: Db, options: { serving?: ServingOptions; env?: Record<string, string> } = {}): Promise<{ app: AppInstance; ctx: AppContext }> {
  // Tests drive one address far past any role's limit; the limits are tested on their own (tests/governance/edge.test.ts).
  const config = loadConfig({ LOG_LEVEL: 'silent', SHARPLINE_RATE_LIMIT: 'off', ...options.env });
  const ctx = await createContext(config, {
    db,
    queues: createInProcessQueues(),
    logger: createLogger((process.env.TEST_LOG_LEVEL as 'error' | undefined) ?? 'silent'),
    migrate: false,
    serving: { logSampleRate: 0, ...options.serving },
  });
  const app = await buildTestApp(ctx);
  await readyWithKey(app);
  return { app, ctx };
}
