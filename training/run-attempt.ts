import { type Db, AppError, type Logger } from '../core/index.ts';
import type { TrainerKernelChoice } from '../models/index.ts';
import { trainAndRegister, type TrainingProgress } from './pipeline.ts';
import { attemptStanding, findRun, finishRun, startRun, updateProgress, type AttemptStanding, type RunStatus } from './run-store.ts';

/** How often a running attempt looks at its run row for a cancel request (or a takeover), ms. */
const CANCEL_POLL_MS = 500;
/** Epoch reports can be frequent; the run row and the delivery are updated at most this often, ms. */
const PROGRESS_EVERY_MS = 200;

/** One delivery of a run, as whatever carries it (a BullMQ job, the in-process queue) sees it. */
export interface RunDelivery {
  /** For log lines. */
  id: string;
  /** Deliveries before this one (0 on the first). */
  attemptsMade: number;
  /** Deliveries the carrier makes at most. */
  maxAttempts: number;
  /** Aborted when the carrier stops (a worker closing): the attempt stops at its next safe point. */
  signal: AbortSignal;
  /** Mirrors progress onto the carrier (a job's progress). */
  reportProgress(progress: TrainingProgress): Promise<void>;
}

export interface RunAttemptDeps {
  db: Db;
  logger: Logger;
  /** The running code's commit, for the version's lineage. */
  codeVersion?: string | null;
  /** Trainer kernels (config `trainerKernels`). */
  trainerKernels?: TrainerKernelChoice;
  /**
   * Whether a failure with this code will fail again however often it is retried (a bad spec, no
   * data): the run then fails at once. The retry policy is the caller's (one table at the edge).
   */
  isPermanent(code: string): boolean;
}

export type RunAttemptResult =
  | { runId: string; skipped: true; status: RunStatus }
  | { runId: string; superseded: true }
  | { runId: string; cancelled: true }
  | { runId: string; model: string; version: number };

/**
 * The lifecycle of one attempt at a run, written once for every carrier. The run row is the source
 * of truth: a delivery whose run already settled does nothing; each attempt is numbered so only the
 * newest may report progress or finish the run (a stalled one that wakes up stops without touching
 * it); a cancel request stops training at its next batch or phase; the registry's run-id idempotency
 * means a retry never registers a second version. A failure is recorded as the run's end when it is
 * permanent or the last delivery, else as `retrying`, and thrown for the carrier to retry or not.
 * @throws AppError TRAINING_RUN_NOT_FOUND when the database has no such run (a carrier consuming a
 *         queue that is not its own); any error of `trainAndRegister`.
 */
export async function runTrainingAttempt(deps: RunAttemptDeps, runId: string, delivery: RunDelivery): Promise<RunAttemptResult> {
  const { db, logger } = deps;
  const run = await startRun(db, runId);
  if (!run) {
    const existing = await findRun(db, runId);
    if (!existing) throw new AppError('TRAINING_RUN_NOT_FOUND', `delivery ${delivery.id} is for run ${runId}, which this deployment's database does not have`, { details: { runId } });
    logger.info({ runId, jobId: delivery.id, status: existing.status }, 'run already settled: nothing to do for this delivery');
    return { skipped: true, runId, status: existing.status };
  }
  const attempt = run.attempts;
  const log = logger.child({ runId, jobId: delivery.id, attempt });
  const controller = new AbortController();
  let superseded = false;
  // Every answer from the run row says whether this attempt still owns it and should go on.
  const heed = (standing: AttemptStanding) => {
    if (!standing.owned && !superseded) {
      superseded = true;
      log.warn('another attempt has taken this run over: stopping without touching the run');
    }
    if (!standing.owned || standing.cancelRequested) controller.abort();
  };
  const stopWithCarrier = () => controller.abort();
  delivery.signal.addEventListener('abort', stopWithCarrier);
  const poll = setInterval(() => {
    attemptStanding(db, runId, attempt).then(heed, () => undefined);
  }, CANCEL_POLL_MS);
  let lastWrite = 0;
  const onProgress = async (progress: TrainingProgress) => {
    const now = Date.now();
    if (progress.phase === 'training' && progress.epoch !== undefined && now - lastWrite < PROGRESS_EVERY_MS) return;
    lastWrite = now;
    await delivery.reportProgress(progress);
    heed(await updateProgress(db, runId, attempt, { ...progress }));
  };
  try {
    log.info({ model: run.spec.model, featureSet: run.spec.featureSet }, 'training started');
    const outcome = await trainAndRegister({ db, logger: log, codeVersion: deps.codeVersion, trainerKernels: deps.trainerKernels }, runId, run.spec, {
      signal: controller.signal,
      onProgress,
      createdBy: run.createdBy,
      superseded: () => superseded,
    });
    if (!(await finishRun(db, runId, attempt, 'succeeded', { result: { model: outcome.model, version: outcome.version, metrics: outcome.metrics } }))) {
      log.warn({ version: outcome.version }, 'trained, but another attempt owns the run now: its outcome stands');
      return { runId, superseded: true };
    }
    log.info({ version: outcome.version, metrics: outcome.metrics }, 'training succeeded');
    return { runId, model: outcome.model, version: outcome.version };
  } catch (error) {
    if (superseded) return { runId, superseded: true };
    const code = error instanceof AppError ? error.code : 'INTERNAL';
    const message = (error as Error).message;
    if (code === 'TRAINING_CANCELLED') {
      await finishRun(db, runId, attempt, 'cancelled', { error: { code, message } });
      log.info('training cancelled');
      return { runId, cancelled: true };
    }
    const permanent = deps.isPermanent(code);
    const lastAttempt = permanent || delivery.attemptsMade + 1 >= delivery.maxAttempts;
    if (lastAttempt) await finishRun(db, runId, attempt, 'failed', { error: { code, message } });
    else await updateProgress(db, runId, attempt, { phase: 'retrying', error: message });
    log.warn({ code, message, permanent }, 'training failed');
    throw error;
  } finally {
    clearInterval(poll);
    delivery.signal.removeEventListener('abort', stopWithCarrier);
  }
}
