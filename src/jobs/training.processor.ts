import type { AppContext } from '../context.ts';
import { AppError } from '../../core/index.ts';
import { trainAndRegister, startRun, findRun, updateProgress, attemptStanding, finishRun, type AttemptStanding, type TrainingProgress } from '../../training/index.ts';
import { PermanentJobError, type JobContext, type Processor } from './queue.ts';
import type { TrainingJobData } from './training.job.ts';

/** How often a running job looks at its run row for a cancel request (or a takeover). */
const CANCEL_POLL_MS = 500;

/** Codes that mean the spec or data will never train: fail at once, no retry. */
const PERMANENT_CODES = new Set([
  'TRAINING_SPEC_INVALID', 'TRAINING_DATA_EMPTY', 'FEATURE_SET_UNKNOWN', 'FEATURE_SET_INVALID', 'FEATURE_SET_UNAVAILABLE', 'FEATURE_COLUMNS_DEGENERATE', 'MODEL_INPUT_INVALID', 'COMPETITION_UNKNOWN', 'FEATURE_SPORT_MISMATCH',
]);

/**
 * Adapts a queue job to `trainAndRegister`. The run row is the source of truth: a redelivered
 * job whose run already finished does nothing, the registry's run-id idempotency means a retry
 * never registers a second version, and each attempt is numbered so that only the newest one
 * may report progress or finish the run.
 *
 * A job for a run this database does not have, or tagged with another deployment, is failed
 * loudly (logged, no retry): it means a worker is consuming a queue that is not its own.
 */
export function createTrainingProcessor(ctx: AppContext): Processor<TrainingJobData, unknown> {
  return async (job: JobContext<TrainingJobData>) => {
    const { db, logger, deployment } = ctx;
    const runId = job.data.runId;
    if (job.data.deployment !== undefined && job.data.deployment !== deployment.tag) {
      const message = `job ${job.id} belongs to deployment ${job.data.deployment}, but this worker serves deployment ${deployment.tag}: two deployments share queue prefix ${deployment.queuePrefix}; give each its own SHARPLINE_QUEUE_PREFIX (or leave it unset)`;
      logger.error({ runId, jobId: job.id, jobDeployment: job.data.deployment, deployment: deployment.tag }, message);
      throw new PermanentJobError(message);
    }
    const run = await startRun(db, runId);
    if (!run) {
      const existing = await findRun(db, runId);
      if (!existing) {
        const message = `job ${job.id} is for run ${runId}, which this deployment's database does not have: is a worker of another deployment consuming this queue (prefix ${deployment.queuePrefix})?`;
        logger.error({ runId, jobId: job.id, prefix: deployment.queuePrefix }, message);
        throw new PermanentJobError(`TRAINING_RUN_NOT_FOUND: ${message}`);
      }
      logger.info({ runId, jobId: job.id, status: existing.status }, 'run already settled: nothing to do for this delivery');
      return { skipped: true, runId, status: existing.status };
    }
    const attempt = run.attempts;
    const log = logger.child({ runId, jobId: job.id, attempt });
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
    const stopWithJob = () => controller.abort();
    job.signal.addEventListener('abort', stopWithJob);
    const poll = setInterval(() => {
      attemptStanding(db, runId, attempt).then(heed, () => undefined);
    }, CANCEL_POLL_MS);
    let lastWrite = 0;
    const onProgress = async (progress: TrainingProgress) => {
      const now = Date.now();
      // Epoch reports can be frequent; the row and the job are updated at most every 200 ms.
      if (progress.phase === 'training' && progress.epoch !== undefined && now - lastWrite < 200) return;
      lastWrite = now;
      await job.updateProgress(progress as object);
      heed(await updateProgress(db, runId, attempt, { ...progress }));
    };
    try {
      log.info({ model: run.spec.model, featureSet: run.spec.featureSet }, 'training started');
      const outcome = await trainAndRegister({ db, logger: log, trainerKernels: ctx.config.trainerKernels }, runId, run.spec, { signal: controller.signal, onProgress, createdBy: run.createdBy, superseded: () => superseded });
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
      const permanent = PERMANENT_CODES.has(code);
      const lastAttempt = permanent || job.attemptsMade + 1 >= (job.data.attempts ?? 1);
      if (lastAttempt) await finishRun(db, runId, attempt, 'failed', { error: { code, message } });
      else await updateProgress(db, runId, attempt, { phase: 'retrying', error: message });
      log.warn({ code, message, permanent }, 'training failed');
      if (permanent) throw new PermanentJobError(`${code}: ${message}`, { cause: error });
      throw error;
    } finally {
      clearInterval(poll);
      job.signal.removeEventListener('abort', stopWithJob);
    }
  };
}
