import type { AppContext } from '../context.ts';
import { isAppError } from '../../core/index.ts';
import { runTrainingAttempt, type RunAttemptResult } from '../../training/index.ts';
import { PermanentJobError, type JobContext, type Processor } from './queue.ts';
import type { TrainingJobData } from './training.job.ts';
import { isRetryable } from '../error-policy.ts';
import { mirrorFinishedRun } from '../services/index.ts';

/** The retry policy is the error table's: a code that will fail the same way again is not retried. */
const isPermanent = (code: string) => !isRetryable(code);

/**
 * Adapts a queue job to training's run lifecycle (`runTrainingAttempt`: ownership, cancellation,
 * progress, settling the run) and its outcome to the queue: a permanent failure becomes a
 * PermanentJobError (BullMQ's UnrecoverableError: no retry), anything else is rethrown to retry.
 *
 * A job tagged with another deployment, or for a run this database does not have, is failed loudly
 * (logged, no retry): it means a worker is consuming a queue that is not its own.
 */
export function createTrainingProcessor(ctx: AppContext): Processor<TrainingJobData, RunAttemptResult> {
  return async (job: JobContext<TrainingJobData>) => {
    const { logger, deployment } = ctx;
    const runId = job.data.runId;
    if (job.data.deployment !== undefined && job.data.deployment !== deployment.tag) {
      const message = `job ${job.id} belongs to deployment ${job.data.deployment}, but this worker serves deployment ${deployment.tag}: two deployments share queue prefix ${deployment.queuePrefix}; give each its own SHARPLINE_QUEUE_PREFIX (or leave it unset)`;
      logger.error({ runId, jobId: job.id, jobDeployment: job.data.deployment, deployment: deployment.tag }, message);
      throw new PermanentJobError(message);
    }
    try {
      const outcome = await runTrainingAttempt({ db: ctx.db, logger, codeVersion: ctx.codeVersion, trainerKernels: ctx.config.trainerKernels, isPermanent }, runId, {
        id: job.id,
        attemptsMade: job.attemptsMade,
        maxAttempts: job.data.attempts ?? 1,
        signal: job.signal,
        reportProgress: (progress) => job.updateProgress(progress as object),
      });
      // SHARPLINE_MLFLOW_MIRROR_URL: the settled run goes to the MLflow server too (never fails the job).
      await mirrorFinishedRun(ctx, runId);
      return outcome;
    } catch (error) {
      if (!isAppError(error) || !isPermanent(error.code)) throw error;
      await mirrorFinishedRun(ctx, runId);
      if (error.code === 'TRAINING_RUN_NOT_FOUND') {
        const message = `job ${job.id} is for run ${runId}, which this deployment's database does not have: is a worker of another deployment consuming this queue (prefix ${deployment.queuePrefix})?`;
        logger.error({ runId, jobId: job.id, prefix: deployment.queuePrefix }, message);
        throw new PermanentJobError(`TRAINING_RUN_NOT_FOUND: ${message}`, { cause: error });
      }
      throw new PermanentJobError(`${error.code}: ${error.message}`, { cause: error });
    }
  };
}
