import type { AppContext } from '../context.ts';
import { AppError } from '../shared/errors.ts';
import { trainAndRegister, startRun, updateProgress, finishRun, isCancelRequested, type TrainingProgress } from '../../training/index.ts';
import { PermanentJobError, type JobContext, type Processor } from './queue.ts';
import type { TrainingJobData } from '../services/training-service.ts';

/** How often a running job looks at its run row for a cancel request. */
const CANCEL_POLL_MS = 500;

/** Codes that mean the spec or data will never train: fail at once, no retry. */
const PERMANENT_CODES = new Set([
  'TRAINING_SPEC_INVALID', 'TRAINING_DATA_EMPTY', 'FEATURE_SET_UNKNOWN', 'FEATURE_SET_INVALID', 'FEATURE_SET_UNAVAILABLE', 'FEATURE_COLUMNS_DEGENERATE', 'MODEL_INPUT_INVALID', 'COMPETITION_UNKNOWN',
]);

/**
 * Adapts a queue job to `trainAndRegister`. The run row is the source of truth: a redelivered
 * job whose run already finished does nothing, and the registry's run-id idempotency means a
 * retry never registers a second version.
 */
export function createTrainingProcessor(ctx: AppContext): Processor<TrainingJobData, unknown> {
  return async (job: JobContext<TrainingJobData>) => {
    const { db, logger } = ctx;
    const runId = job.data.runId;
    const run = await startRun(db, runId);
    if (!run) return { skipped: true, runId };
    const log = logger.child({ runId, jobId: job.id, attempt: job.attemptsMade + 1 });
    const controller = new AbortController();
    const stopWithJob = () => controller.abort();
    job.signal.addEventListener('abort', stopWithJob);
    const poll = setInterval(() => {
      isCancelRequested(db, runId).then((cancel) => cancel && controller.abort(), () => undefined);
    }, CANCEL_POLL_MS);
    let lastWrite = 0;
    const onProgress = async (progress: TrainingProgress) => {
      const now = Date.now();
      // Epoch reports can be frequent; the row and the job are updated at most every 200 ms.
      if (progress.phase === 'training' && progress.epoch !== undefined && now - lastWrite < 200) return;
      lastWrite = now;
      await job.updateProgress(progress as object);
      const { cancelRequested } = await updateProgress(db, runId, { ...progress });
      if (cancelRequested) controller.abort();
    };
    try {
      log.info({ model: run.spec.model, featureSet: run.spec.featureSet }, 'training started');
      const outcome = await trainAndRegister({ db, logger: log }, runId, run.spec, { signal: controller.signal, onProgress, createdBy: run.createdBy });
      await finishRun(db, runId, 'succeeded', { result: { model: outcome.model, version: outcome.version, metrics: outcome.metrics } });
      log.info({ version: outcome.version, metrics: outcome.metrics }, 'training succeeded');
      return { runId, model: outcome.model, version: outcome.version };
    } catch (error) {
      const code = error instanceof AppError ? error.code : 'INTERNAL';
      const message = (error as Error).message;
      if (code === 'TRAINING_CANCELLED') {
        await finishRun(db, runId, 'cancelled', { error: { code, message } });
        log.info('training cancelled');
        return { runId, cancelled: true };
      }
      const permanent = PERMANENT_CODES.has(code);
      const lastAttempt = permanent || job.attemptsMade + 1 >= (job.data.attempts ?? 1);
      if (lastAttempt) await finishRun(db, runId, 'failed', { error: { code, message } });
      else await updateProgress(db, runId, { phase: 'retrying', error: message });
      log.warn({ code, message, permanent }, 'training failed');
      if (permanent) throw new PermanentJobError(`${code}: ${message}`, { cause: error });
      throw error;
    } finally {
      clearInterval(poll);
      job.signal.removeEventListener('abort', stopWithJob);
    }
  };
}
