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
/** Rows of waiting requests (of one explainer) sent to a thread as one task. */
const MAX_TASK_ROWS = 16;
/**
 * Waiting rows allowed per thread, in tasks of MAX_TASK_ROWS: beyond it a request gets 503
 * EXPLAIN_QUEUE_FULL at once. Four tasks (64 rows): with 256 the thread spent its time on requests
 * whose deadline passed while they waited (bench/serving, 64 connections: 3 answers/s); with 16
 * the instant refusals came back so fast that answering them took the event loop from plain
 * predictions (14 % of their rate alone).
 */
const QUEUED_TASKS_PER_THREAD = 4;

export interface ExplanationsDeps {
  db: Db;
  config: Pick<Config, 'maxExplainRows' | 'explainTimeoutMs' | 'explainThreads'>;
  metrics?: Pick<ServingMetrics, 'explanationStarted' | 'explanationEnded' | 'observeExplanation'>;
}

/**
 * Explanations for served versions, computed off the event loop: each request's rows go to a
 * worker-thread pool (piscina) as one task, under a deadline. piscina loads and threads start on
 * the first explanation, so a server (or a CLI command) that never explains runs none.
 *
 * A thread is never terminated while it runs a task: the workers run onnxruntime, and a thread
 * stopped inside an onnxruntime run aborts the whole process (`Napi::Error`; reproduced with
 * piscina's abort signal). onnxruntime-node's `session.run` does its work on the calling thread
 * (1.30 wraps the native call in `setImmediate`), so it cannot run on the event loop either. At
 * its deadline a request is answered 503 EXPLAIN_TIMEOUT by its own timer and the late result is
 * dropped; once no member of a task is waiting, a shared flag tells the worker to stop between
 * rows. Idle workers may still be ended (piscina's idle timeout, close): that is safe.
 */
export interface Explanations {
  /**
   * Explains `nRows` rows (row-major raw features) of a served version.
   * @throws EXPLAIN_ROWS_EXCEEDED (413) beyond `SHARPLINE_MAX_EXPLAIN_ROWS`; EXPLAIN_TIMEOUT (503)
   *         when the deadline passes (the late answer is dropped and the task told to stop between
   *         rows; its thread is never terminated); EXPLAIN_QUEUE_FULL (503)
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
  /**
   * Refuses waiting requests (SERVICE_UNAVAILABLE), tells running tasks to stop between rows,
   * waits for them, then ends the worker threads; later calls fail with SERVICE_UNAVAILABLE.
   */
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

  // Requests wait here, not in piscina: its queue limit does not count tasks that carry an abort
  // signal (every task here has its deadline), so under load they queued without bound and waited
  // out the client's timeout. Waiting requests of one explainer (version, engine, space, grouping)
  // leave together as one task when a thread frees: one structured clone of the model and
  // background and one round trip per batch instead of per request.
  const waiting: Waiting[] = [];
  let waitingRows = 0;
  let running = 0;
  const inFlight = new Set<Promise<void>>();
  const runningTasks = new Set<RunningTask>();
  const maxWaitingRows = config.explainThreads * MAX_TASK_ROWS * QUEUED_TASKS_PER_THREAD;

  const settle = (w: Waiting): void => {
    w.done = true;
    clearTimeout(w.timer);
    metrics?.explanationEnded(w.nRows);
    metrics?.observeExplanation(w.model, w.version, w.request.engine, (performance.now() - w.enqueued) / 1000);
  };

  const dispatch = (): void => {
    while (running < config.explainThreads && waiting.length > 0) {
      const first = waiting.shift()!;
      const batch = [first];
      let rows = first.nRows;
      for (let i = 0; i < waiting.length && rows < MAX_TASK_ROWS; ) {
        const w = waiting[i]!;
        if (w.task.key === first.task.key && rows + w.nRows <= MAX_TASK_ROWS) {
          batch.push(w);
          rows += w.nRows;
          waiting.splice(i, 1);
        } else i++;
      }
      const task: RunningTask = { members: batch, cancel: new Int32Array(new SharedArrayBuffer(4)) };
      for (const w of batch) {
        waitingRows -= w.nRows;
        w.running = task;
      }
      running++;
      runningTasks.add(task);
      // runBatch answers every member itself; a failure outside the task still answers them.
      const done = runBatch(task, rows)
        .catch((error: unknown) => {
          for (const w of batch) {
            if (w.done) continue;
            settle(w);
            w.reject(error);
          }
        })
        .finally(() => {
          running--;
          runningTasks.delete(task);
          inFlight.delete(done);
          dispatch();
        });
      inFlight.add(done);
    }
  };

  const runBatch = async ({ members: batch, cancel }: RunningTask, rows: number): Promise<void> => {
    const width = batch[0]!.task.X.length / batch[0]!.nRows;
    const X = batch.length === 1 ? batch[0]!.task.X : new Float64Array(rows * width);
    if (batch.length > 1) {
      let at = 0;
      for (const w of batch) {
        X.set(w.task.X, at);
        at += w.task.X.length;
      }
    }
    // Each member is answered by its own deadline (its timer); no abort signal (see above).
    let result: ExplainTaskResult;
    try {
      result = (await (await poolOf()).run({ ...batch[0]!.task, X, nRows: rows, cancel } satisfies ExplainTask)) as ExplainTaskResult;
    } catch (error) {
      for (const w of batch) {
        if (w.done) continue;
        settle(w);
        w.reject(error);
      }
      return;
    }
    let at = 0;
    for (const w of batch) {
      if (w.done) {
        at += w.nRows;
        continue;
      }
      settle(w);
      if (result.ok) w.resolve(result.items.slice(at, at + w.nRows));
      else w.reject(new AppError(result.error.code, result.error.message, { details: result.error.details }));
      at += w.nRows;
    }
  };

  const explainRows: Explanations['explainRows'] = async (served, X, nRows, request) => {
    assertRows(nRows);
    if (!served.dense) {
      throw new AppError('EXPLAINER_UNSUPPORTED', `model ${served.model} version ${served.version} is a tfjs network with no dense form: SHAP explanations are not available for it`, { details: { model: served.model, version: served.version, runtime: served.runtime } });
    }
    const dense = served.dense;
    if (closed) throw new AppError('SERVICE_UNAVAILABLE', 'explanations are shut down');
    const enqueued = performance.now();
    const background = await backgroundOf(served);
    const full: Required<ExplainRequest> = { engine: request.engine, space: request.space, groupBy: request.groupBy ?? defaultGrouping(served) };
    const task: ExplainTask = { key: `${served.versionId}|${full.engine}|${full.space}|${full.groupBy}`, model: dense, background, request: full, X, nRows };
    // A bounded wait: beyond a few batches per thread, a new request is refused rather than queued for minutes.
    if (waitingRows > 0 && waitingRows + nRows > maxWaitingRows) {
      throw new AppError('EXPLAIN_QUEUE_FULL', 'every explanation thread is busy and the queue is full; retry shortly', { details: { waitingRows, maxWaitingRows } });
    }
    metrics?.explanationStarted(nRows);
    return new Promise<ItemExplanation[]>((resolve, reject) => {
      const entry: Waiting = {
        task,
        nRows,
        model: served.model,
        version: served.version,
        request: full,
        enqueued,
        expires: enqueued + config.explainTimeoutMs,
        resolve,
        reject,
        done: false,
        // At its deadline, waiting or running in a batch, the request gets the answer a stopped explanation gets.
        timer: setTimeout(() => {
          const i = waiting.indexOf(entry);
          if (i >= 0) {
            waiting.splice(i, 1);
            waitingRows -= nRows;
          }
          settle(entry);
          reject(timeoutError(nRows, config.explainTimeoutMs));
          // The last member of a running task to leave tells its worker to stop between rows.
          if (entry.running && entry.running.members.every((w) => w.done)) Atomics.store(entry.running.cancel, 0, 1);
        }, config.explainTimeoutMs),
      };
      waiting.push(entry);
      waitingRows += nRows;
      dispatch();
    });
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
      for (const w of waiting.splice(0)) {
        waitingRows -= w.nRows;
        settle(w);
        w.reject(new AppError('SERVICE_UNAVAILABLE', 'explanations are shut down'));
      }
      // Threads end only once idle: running tasks stop at their next row and are waited for.
      for (const task of runningTasks) Atomics.store(task.cancel, 0, 1);
      await Promise.all([...inFlight]);
      await (await pool)?.destroy();
    },
  };
}

/** A task handed to a thread: its members and the flag that tells the worker to stop. */
interface RunningTask {
  members: Waiting[];
  cancel: Int32Array;
}

interface Waiting {
  /** The task it runs in, once handed to a thread. */
  running?: RunningTask;
  task: ExplainTask;
  nRows: number;
  model: string;
  version: number;
  request: Required<ExplainRequest>;
  enqueued: number;
  /** `performance.now()` at which the request's deadline passes. */
  expires: number;
  resolve: (items: ItemExplanation[]) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Answered (explained, failed or past its deadline). */
  done: boolean;
}

function timeoutError(nRows: number, timeoutMs: number): AppError {
  return new AppError('EXPLAIN_TIMEOUT', `explaining ${nRows} rows took longer than ${timeoutMs} ms (SHARPLINE_EXPLAIN_TIMEOUT_MS); the explanation was stopped. Explain fewer rows, or use groupBy or a cheaper engine`, {
    details: { rows: nRows, timeoutMs },
  });
}
