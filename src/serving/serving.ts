import { createFeatureCache } from '../../features/index.ts';
import { initTf, type Tf } from '../../models/index.ts';
import type { Config } from '../config.ts';
import { isAppError, type Db, type Logger } from '../../core/index.ts';
import { createExplanations, type Explanations } from './explain.ts';
import type { RedisConnections } from '../redis.ts';
import { createModelCache, type ModelCache } from './model-cache.ts';
import { createServingMetrics, type ServingMetrics } from './metrics.ts';
import { createLimiter, type PredictDeps } from './predict.ts';
import { createFileSink, createPredictionLog, predictionLogDir, type PredictionLog, type PredictionSink } from './prediction-log.ts';
import type { ServingRuntime } from './predictor.ts';

export interface ServingOptions {
  /** 'onnx' (default; tfjs is the automatic fallback) or 'tfjs'. */
  runtime?: ServingRuntime;
  /** Alias-stamp poll interval, ms (default 1000). */
  pollMs?: number;
  /** Coalescing: most rows per runtime call (default 64) and longest wait behind a running call (default 2 ms). */
  maxBatchRows?: number;
  maxWaitMs?: number;
  /** Replaced versions stay usable this long for requests holding them, ms (default 5000). */
  retireAfterMs?: number;
  /** Fraction of predicted rows written to the prediction log (default 0.01). */
  logSampleRate?: number;
  /** Default: JSON lines under `<home>/prediction-log/`. */
  logSink?: PredictionSink;
  /** Reuse identical game requests' online rows and odds for this long, ms (default 1000; 0 = never). */
  onlineRowTtlMs?: number;
  /** Node.js default metrics (event-loop lag, heap); default true. */
  defaultMetrics?: boolean;
}

/** The serving runtime of one context: model cache, metrics, prediction log, online-feature cache. */
export interface Serving extends PredictDeps {
  readonly cache: ModelCache;
  /** SHAP explanations of served versions, on worker threads under a deadline. */
  readonly explanations: Explanations;
  readonly config: Config;
  readonly logger: Logger;
  /** Announces an alias move to every server (wire into whatever moves aliases). */
  notifyAliasMoved(model: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the serving runtime; nothing is loaded and no timer runs until `cache.start()` or the
 * first request. Closing releases every ONNX session / tfjs model and flushes the log.
 */
export function createServing(deps: { db: Db; config: Config; logger: Logger; redis?: RedisConnections }, options: ServingOptions = {}): Serving {
  const { db, config, logger } = deps;
  let tf: Tf | undefined;
  let cache: ModelCache | undefined;
  const metrics = createServingMetrics({
    tensorCount: () => (tf ? tf.memory().numTensors : 0),
    loadedVersions: () => cache?.size ?? 0,
    defaultMetrics: options.defaultMetrics,
  });
  cache = createModelCache({
    db,
    logger,
    redis: deps.redis,
    schema: config.databaseSchema,
    pollMs: options.pollMs,
    retireAfterMs: options.retireAfterMs,
    runtime: options.runtime,
    maxBatchRows: options.maxBatchRows,
    maxWaitMs: options.maxWaitMs,
    onBatch: (model, version, rows) => metrics.observeBatch(model, version, rows),
    onSwap: (model, alias) => metrics.countSwap(model, alias),
    onInference: (model, version, runtime, seconds) => metrics.observeInference(model, version, runtime, seconds),
    onLoad: (served) => {
      metrics.countLoad(served.model, served.version, served.runtime, true);
      if (served.runtime === 'tfjs' && !tf) void initTf().then((rt) => (tf = rt.tf));
    },
    onLoadFailed: (model, version, error) => {
      // A version that does not exist is the caller's mistake, not a load failure.
      if (!isAppError(error) || !['MODEL_NOT_FOUND', 'MODEL_VERSION_NOT_FOUND'].includes(error.code)) metrics.countLoad(model, version, 'none', false);
    },
  });
  const log: PredictionLog = createPredictionLog({
    sampleRate: options.logSampleRate ?? 0.01,
    sink: options.logSink ?? createFileSink(predictionLogDir(config.home)),
    logger,
    onDropped: (n) => metrics.countLogDropped(n),
  });
  const modelCache = cache;
  const explanations = createExplanations({ db, config, metrics });
  return {
    db,
    config,
    logger,
    cache: modelCache,
    explanations,
    metrics,
    log,
    // One engine state per distinct information cut-off: room for a round of fixtures and a few
    // dozen past games without thrashing.
    featureCache: createFeatureCache({ maxEntries: 128 }),
    limitOnline: createLimiter(4),
    onlineRowTtlMs: options.onlineRowTtlMs ?? 1000,
    onlineRows: new Map(),
    staleDays: config.featureStaleDays,
    notifyAliasMoved: (model) => modelCache.notifyAliasMoved(model),
    async close() {
      await modelCache.close();
      await explanations.close();
      await log.close();
    },
  };
}

/**
 * Tells every server that an alias of `model` moved (Redis pub/sub when configured) and swaps this
 * one's served version now. Call after `setAlias`/`deleteAlias` succeeds; failures only log (the
 * alias-stamp poll is the safety net), so it never fails the request that moved the alias.
 */
export async function notifyAliasMoved(ctx: { serving: Pick<Serving, 'notifyAliasMoved'>; logger: Logger }, model: string): Promise<void> {
  try {
    await ctx.serving.notifyAliasMoved(model);
  } catch (error) {
    ctx.logger.warn({ err: error, model }, 'alias move notification failed');
  }
}
