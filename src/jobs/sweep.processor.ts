import type { AppContext } from '../context.ts';
import { isAppError } from '../../core/index.ts';
import { settleSweep, type SweepView } from '../services/index.ts';
import { isRetryable } from '../error-policy.ts';
import { PermanentJobError, type JobContext, type Processor } from './queue.ts';
import type { SweepJobData } from './sweep.job.ts';

/**
 * Adapts a sweep's parent job to `settleSweep`: it runs once every trial's job has finished, chooses
 * the best trial on validation and records the sweep's outcome. Idempotent: a settled sweep is
 * returned as it is. SWEEP_UNSETTLED is a refusal at the edge but here means a trial this flow did
 * not launch (queued or running under its own job) is still going: retried with backoff until it ends.
 */
export function createSweepProcessor(ctx: AppContext): Processor<SweepJobData, { sweepId: string; status: string; bestRunId: string | null }> {
  return async (job: JobContext<SweepJobData>) => {
    if (job.data.deployment !== undefined && job.data.deployment !== ctx.deployment.tag) {
      const message = `sweep job ${job.id} belongs to deployment ${job.data.deployment}, but this worker serves deployment ${ctx.deployment.tag}: give each deployment its own SHARPLINE_QUEUE_PREFIX`;
      ctx.logger.error({ jobId: job.id, jobDeployment: job.data.deployment }, message);
      throw new PermanentJobError(message);
    }
    try {
      const sweep: SweepView = await settleSweep(ctx, job.data.sweepId);
      return { sweepId: sweep.id, status: sweep.status, bestRunId: sweep.best?.runId ?? null };
    } catch (error) {
      if (isAppError(error) && error.code === 'SWEEP_UNSETTLED') throw new Error(`${error.code}: ${error.message}`, { cause: error });
      if (isAppError(error) && !isRetryable(error.code)) throw new PermanentJobError(`${error.code}: ${error.message}`, { cause: error });
      throw error;
    }
  };
}
