import {
  assertDenseModel,
  createOnnxPredictor,
  exportToOnnx,
  TFJS_MODEL_JSON,
  TFJS_WEIGHTS_BIN,
  exportTfjsLayout,
  loadTfjsLayout,
  loadTfjsModel,
  predictWithTfjs,
  type DenseModel,
  type TfjsArtifacts,
} from '../../models/index.ts';
import { getArtifact, type ModelVersion } from '../../registry/index.ts';
import { type Db, AppError, isAppError, type Logger } from '../../core/index.ts';
import { createCoalescer, type Coalescer } from './coalescer.ts';
import { marketStanding, type MarketStanding } from './market.ts';

export type ServingRuntime = 'onnx' | 'tfjs';

/** What a version's `feature-spec` artifact says: the feature set it was trained on and its fills. */
export interface FeatureSpec {
  featureSet: { name: string; hash: string };
  featureNames: string[];
  fills: number[];
  classes: string[];
}

/**
 * One registered version loaded for serving: immutable, shared by every request that resolves to
 * it. This is also the seam for explanations: `dense`, `featureNames`, `classes` and the batched
 * `predict` are all an explainer needs.
 */
export interface ServedVersion {
  readonly model: string;
  readonly version: number;
  /** Registry id of the version (artifacts hang off it). */
  readonly versionId: number;
  readonly classes: readonly string[];
  readonly featureNames: readonly string[];
  /** Feature name → column, for the request validator. */
  readonly featureIndex: ReadonlyMap<string, number>;
  /** Null when the version has no feature-spec artifact (then only raw `instances` are accepted). */
  readonly featureSpec: FeatureSpec | null;
  /** How the version stood against the market on its test window (from its stored evaluation); shown beside every stake. */
  readonly marketStanding: MarketStanding | null;
  readonly dense: DenseModel;
  readonly runtime: ServingRuntime;
  /** When it finished loading (ms since epoch). */
  readonly loadedAt: number;
  /**
   * Probabilities for `nRows` rows of raw features (row-major `nRows × featureNames.length`),
   * one runtime call. Returns `nRows × classes.length`.
   */
  predict(X: Float32Array | Float64Array, nRows: number): Promise<Float64Array>;
  /** One row through the coalescer: concurrent callers share a runtime call. */
  predictRow(row: ArrayLike<number>): Promise<Float64Array>;
  /** Runtime calls and rows so far (coalesced and direct). */
  readonly stats: { calls: number; rows: number };
  /** Frees native sessions / tensors once in-flight calls are done; later calls fail. */
  release(): Promise<void>;
}

export interface LoadOptions {
  /** 'onnx' (default) falls back to tfjs when the ONNX session cannot be created; 'tfjs' forces tfjs. */
  runtime?: ServingRuntime;
  maxBatchRows?: number;
  maxWaitMs?: number;
  logger?: Logger;
  onBatch?(model: string, version: number, rows: number): void;
  /** One runtime call's wall time in seconds (coalesced rows or a batch). */
  onInference?(model: string, version: number, runtime: ServingRuntime, seconds: number): void;
}

async function optionalArtifact(db: Db, versionId: number, kind: string, part = 'main') {
  try {
    return await getArtifact(db, versionId, kind, part);
  } catch (error) {
    if (isAppError(error) && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

/**
 * The version's tfjs model: the standard layout (`tfjs/model.json` + `tfjs/weights.bin`), else a legacy
 * `tfjs/main` (`tfjs-layers/1`, versions registered before the layout), else built from the dense model.
 */
async function loadStoredTfjs(db: Db, versionId: number, dense: DenseModel) {
  const [modelJson, weights] = await Promise.all([optionalArtifact(db, versionId, 'tfjs', TFJS_MODEL_JSON), optionalArtifact(db, versionId, 'tfjs', TFJS_WEIGHTS_BIN)]);
  if (modelJson?.bytes && weights?.bytes) return loadTfjsLayout({ modelJson: modelJson.bytes, weights: weights.bytes });
  const legacy = await optionalArtifact(db, versionId, 'tfjs');
  if (legacy?.json) return loadTfjsModel(legacy.json as TfjsArtifacts);
  return loadTfjsLayout(await exportTfjsLayout(dense));
}

function readFeatureSpec(json: unknown): FeatureSpec | null {
  const spec = json as Partial<FeatureSpec> | null;
  if (!spec?.featureSet?.name || !spec.featureSet.hash || !Array.isArray(spec.featureNames)) return null;
  return {
    featureSet: { name: spec.featureSet.name, hash: spec.featureSet.hash },
    featureNames: spec.featureNames,
    fills: Array.isArray(spec.fills) ? spec.fills : [],
    classes: Array.isArray(spec.classes) ? spec.classes : [],
  };
}

/**
 * Loads a READY version's artifacts and builds its runtime. Whole load happens before anything
 * is returned, so a swap never exposes a half-loaded version.
 * @throws MODEL_VERSION_NOT_READY (409) for PENDING/FAILED versions; MODEL_FORMAT_INVALID when the
 *         stored model is unusable.
 */
export async function loadServedVersion(db: Db, version: ModelVersion, options: LoadOptions = {}): Promise<ServedVersion> {
  if (version.status !== 'READY') {
    throw new AppError('MODEL_VERSION_NOT_READY', `model ${version.model} version ${version.version} is ${version.status}`, {
      details: { model: version.model, version: version.version, status: version.status },
    });
  }
  const [denseArtifact, onnxArtifact, specArtifact] = await Promise.all([
    getArtifact(db, version.id, 'dense-json'),
    options.runtime === 'tfjs' ? Promise.resolve(null) : optionalArtifact(db, version.id, 'onnx'),
    optionalArtifact(db, version.id, 'feature-spec'),
  ]);
  const dense = denseArtifact.json;
  assertDenseModel(dense);
  const nFeatures = dense.featureNames.length;
  const nClasses = dense.classes.length;
  let runtime: ServingRuntime = options.runtime ?? 'onnx';
  let run: (X: Float32Array | Float64Array, nRows: number) => Promise<Float64Array>;
  let free: () => Promise<void>;

  const useTfjs = async () => {
    const lm = await loadStoredTfjs(db, version.id, dense);
    runtime = 'tfjs';
    // predictWithTfjs runs inside tf.tidy: no tensor outlives a call.
    run = async (X, nRows) => predictWithTfjs(lm, X, nRows);
    free = async () => {
      lm.dispose();
    };
  };

  if (runtime === 'onnx') {
    try {
      const bytes = onnxArtifact?.bytes ?? exportToOnnx(dense);
      const session = await createOnnxPredictor(bytes, nFeatures);
      run = (X, nRows) => session.predict(X, nRows);
      free = () => session.release();
    } catch (error) {
      options.logger?.warn({ err: error, model: version.model, version: version.version }, 'ONNX session failed; serving with tfjs');
      await useTfjs();
    }
  } else {
    await useTfjs();
  }

  const model = version.model;
  const number = version.version;
  let inFlight = 0;
  let released = false;
  let releasing: Promise<void> | undefined;
  let drained: (() => void) | undefined;
  const stats = { calls: 0, rows: 0 };

  const guarded = async (X: Float32Array | Float64Array, nRows: number): Promise<Float64Array> => {
    if (released) throw new AppError('SERVICE_UNAVAILABLE', `model ${model} version ${number} was unloaded; retry`);
    inFlight++;
    const started = performance.now();
    try {
      return await run(X, nRows);
    } finally {
      options.onInference?.(model, number, runtime, (performance.now() - started) / 1000);
      inFlight--;
      if (inFlight === 0) drained?.();
    }
  };

  const coalescer: Coalescer = createCoalescer({
    nFeatures,
    nClasses,
    maxBatchRows: options.maxBatchRows,
    maxWaitMs: options.maxWaitMs,
    run: guarded,
    onBatch: (rows) => {
      stats.calls++;
      stats.rows += rows;
      options.onBatch?.(model, number, rows);
    },
  });

  const featureIndex = new Map(dense.featureNames.map((name, i) => [name, i]));
  return {
    model,
    version: number,
    versionId: version.id,
    classes: dense.classes,
    featureNames: dense.featureNames,
    featureIndex,
    featureSpec: readFeatureSpec(specArtifact?.json),
    marketStanding: marketStanding(version.evaluation, version.lineage.testWindow),
    dense,
    runtime,
    loadedAt: Date.now(),
    stats,
    predict(X, nRows) {
      stats.calls++;
      stats.rows += nRows;
      options.onBatch?.(model, number, nRows);
      return guarded(X, nRows);
    },
    predictRow: (row) => coalescer.submit(row),
    release() {
      releasing ??= (async () => {
        // Re-checked after every wake-up: a call may have started between drain and resume.
        while (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        released = true;
        await free();
      })();
      return releasing;
    },
  };
}
