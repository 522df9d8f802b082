import type { Piscina } from 'piscina';
import { resolveFeatureSet } from '../../features/index.ts';
import { getArtifact } from '../../registry/index.ts';
import type { Config } from '../config.ts';
import { type Db, AppError } from '../../core/index.ts';
import type { ExplainGrouping, ExplainRequest, ExplainTask, ExplainTaskResult, ItemExplanation, StoredBackground } from './explain-task.ts';
import type { ServingMetrics } from './metrics.ts';
import type { ServedVersion } from './predictor.ts';
import type { PredictionItem, PredictResult } from './predict.ts';


const WORKER_FILE = new URL('./explain.worker.mjs', import.meta.url).href;
const MAX_CACHED_BACKGROUNDS = 64;

export interface ExplanationsDeps {
  db: Db;
  config: Pick<Config, 'maxExplainRows' | 'explainTimeoutMs' | 'explainThreads'>;
  metrics?: Pick<ServingMetrics, 'explanationStarted' | 'explanationEnded' | 'observeExplanation'>;
}

/**
 * Explanations for served versions, computed off the event loop: each request's rows go to a
 * worker-thread pool (piscina) as one task, under a deadline. piscina loads and threads start on
 * the first explanation, so a server (or a CLI command) that never explains runs none.
 */
export interface Explanations {
  /**
   * Explains `nRows` rows (row-major raw features) of a served version.
   * @throws EXPLAIN_ROWS_EXCEEDED (413) beyond `SHARPLINE_MAX_EXPLAIN_ROWS`; EXPLAIN_TIMEOUT (503)
   *         when the deadline passes (the worker running it is terminated); EXPLAIN_QUEUE_FULL (503)
   *         when every thread is busy and the queue is full; EXPLAINER_UNSUPPORTED (400) when the
   *         engine cannot explain this model or space.
   */
  explainRows(served: ServedVersion, X: Float64Array, nRows: number, request: ExplainRequest): Promise<ItemExplanation[]>;
  /**
   * Adds to each prediction its explanation, from the feature values the model received: the one
   * place a prediction becomes an explained prediction (HTTP `?explain=`, `sharpline explain`).
   * @throws as `explainRows`.
   */
  explainPredictions(served: ServedVersion, result: PredictResult, request: ExplainRequest): Promise<PredictResult & { predictions: Array<PredictionItem & { explanation: ItemExplanation }> }>;
  /** Throws EXPLAIN_ROWS_EXCEEDED for more rows than one request may explain: check before predicting. */
  assertRows(nRows: number): void;
  /** Terminates the worker threads; later calls fail with SERVICE_UNAVAILABLE. */
  close(): Promise<void>;
}

/** The grouping a request gets when it names none: correlated groups for market feature sets. */
export function defaultGrouping(served: ServedVersion): ExplainGrouping {
  const name = served.featureSpec?.featureSet.name;
  if (!name) return 'feature';
  try {
    return resolveFeatureSet(name).usesMarket ? 'correlation' : 'feature';
  } catch {
    return 'feature';
  }
}

export function createExplanations(deps: ExplanationsDeps): Explanations {
  const { db, config, metrics } = deps;
  const backgrounds = new Map<number, Promise<StoredBackground>>();
  let pool: Promise<Piscina> | undefined;
  let closed = false;

  const poolOf = (): Promise<Piscina> => {
    pool ??= import('piscina').then(
      ({ Piscina }) =>
        new Piscina({
          filename: WORKER_FILE,
          minThreads: 0,
          maxThreads: config.explainThreads,
          // A bounded wait: beyond a few tasks per thread, a new request is refused rather than queued for minutes.
          maxQueue: config.explainThreads * 4,
          idleTimeout: 60_000,
        }),
    );
    return pool;
  };

  /** The version's stored background (k-means summary of its training rows, with weights). */
  const backgroundOf = (served: ServedVersion): Promise<StoredBackground> => {
    let entry = backgrounds.get(served.versionId);
    if (!entry) {
      entry = getArtifact(db, served.versionId, 'background').then(
        (artifact) => artifact.json as StoredBackground,
        (error: unknown) => {
          throw new AppError('EXPLAINER_UNSUPPORTED', `${served.model} v${served.version} has no background sample to explain against`, { details: { model: served.model, version: served.version }, cause: error });
        },
      );
      entry.catch(() => backgrounds.delete(served.versionId));
      if (backgrounds.size >= MAX_CACHED_BACKGROUNDS) backgrounds.delete(backgrounds.keys().next().value!);
      backgrounds.set(served.versionId, entry);
    }
    return entry;
  };

  const assertRows = (nRows: number): void => {
    if (nRows > config.maxExplainRows) {
      throw new AppError('EXPLAIN_ROWS_EXCEEDED', `${nRows} rows exceed the limit of ${config.maxExplainRows} explained rows per request (SHARPLINE_MAX_EXPLAIN_ROWS); predict them without ?explain= or split the request`, {
        details: { rows: nRows, max: config.maxExplainRows },
      });
    }
  };

  const explainRows: Explanations['explainRows'] = async (served, X, nRows, request) => {
    assertRows(nRows);
    if (!served.dense) {
      throw new AppError('EXPLAINER_UNSUPPORTED', `model ${served.model} version ${served.version} is a tfjs network with no dense form: SHAP explanations are not available for it`, { details: { model: served.model, version: served.version, runtime: served.runtime } });
    }
    const dense = served.dense;
    if (closed) throw new AppError('SERVICE_UNAVAILABLE', 'explanations are shut down');
    const background = await backgroundOf(served);
    const full: Required<ExplainRequest> = { engine: request.engine, space: request.space, groupBy: request.groupBy ?? defaultGrouping(served) };
    const task: ExplainTask = { key: `${served.versionId}|${full.engine}|${full.space}|${full.groupBy}`, model: dense, background, request: full, X, nRows };
    const deadline = AbortSignal.timeout(config.explainTimeoutMs);
    metrics?.explanationStarted(nRows);
    const started = performance.now();
    let result: ExplainTaskResult;
    try {
      result = (await (await poolOf()).run(task, { signal: deadline })) as ExplainTaskResult;
    } catch (error) {
      throw translate(error, deadline, config.explainTimeoutMs, nRows);
    } finally {
      metrics?.explanationEnded(nRows);
      metrics?.observeExplanation(served.model, served.version, full.engine, (performance.now() - started) / 1000);
    }
    if (!result.ok) throw new AppError(result.error.code, result.error.message, { details: result.error.details });
    return result.items;
  };

  return {
    assertRows,
    explainRows,
    async explainPredictions(served, result, request) {
      const width = served.featureNames.length;
      const X = new Float64Array(result.predictions.length * width);
      result.predictions.forEach((p, r) => served.featureNames.forEach((name, j) => (X[r * width + j] = p.features[name]!)));
      const items = await explainRows(served, X, result.predictions.length, request);
      return { ...result, predictions: result.predictions.map((p, r) => ({ ...p, explanation: items[r]! })) };
    },
    async close() {
      closed = true;
      await (await pool)?.destroy();
    },
  };
}

/** Names the deadline and a full queue; anything else is unexpected (a 500). */
function translate(error: unknown, deadline: AbortSignal, timeoutMs: number, nRows: number): unknown {
  if (deadline.aborted) {
    return new AppError('EXPLAIN_TIMEOUT', `explaining ${nRows} rows took longer than ${timeoutMs} ms (SHARPLINE_EXPLAIN_TIMEOUT_MS); the explanation was stopped. Explain fewer rows, or use groupBy or a cheaper engine`, {
      details: { rows: nRows, timeoutMs },
      cause: error,
    });
  }
  if (error instanceof Error && /queue is at limit/i.test(error.message)) {
    return new AppError('EXPLAIN_QUEUE_FULL', 'every explanation thread is busy and the queue is full; retry shortly', { cause: error });
  }
  return error;
}
