import type { AppContext } from '../context.ts';
import { isAppError } from '../../core/index.ts';
import { runScheduledStep, SCHEDULE_STEP_RUNNERS, type StepOutcome } from '../services/index.ts';
import { isRetryable } from '../error-policy.ts';
import { PermanentJobError, type JobContext, type Processor } from './queue.ts';
import type { ScheduleJobData } from './schedule.job.ts';

/**
 * Adapts a schedule job to its step's use case. A failed step is not retried by the queue: its
 * scheduler fires it again at the next tick, and every step is idempotent, so the next tick is the retry.
 */
export function createScheduleProcessor(ctx: AppContext): Processor<ScheduleJobData, StepOutcome> {
  return async (job: JobContext<ScheduleJobData>) => {
    if (job.data.deployment !== undefined && job.data.deployment !== ctx.deployment.tag) {
      const message = `schedule job ${job.id} belongs to deployment ${job.data.deployment}, but this worker serves deployment ${ctx.deployment.tag}: give each deployment its own SHARPLINE_QUEUE_PREFIX`;
      ctx.logger.error({ jobId: job.id, jobDeployment: job.data.deployment }, message);
      throw new PermanentJobError(message);
    }
    try {
      const outcome = await runScheduledStep(ctx, job.data.step, SCHEDULE_STEP_RUNNERS);
      if (!outcome.skipped) ctx.logger.info({ step: outcome.step, at: outcome.at, result: outcome.result }, `schedule ${outcome.step} ran`);
      return outcome;
    } catch (error) {
      ctx.logger.warn({ step: job.data.step, error: (error as Error).message }, `schedule ${job.data.step} failed`);
      if (isAppError(error) && !isRetryable(error.code)) throw new PermanentJobError(`${error.code}: ${error.message}`, { cause: error });
      throw error;
    }
  };
}
