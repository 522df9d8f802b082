import type { AppContext } from '../context.ts';
import { TRAINING_QUEUE } from '../jobs/training.job.ts';

/**
 * The BullMQ queues the dashboard (bull-board) shows; undefined when jobs run in-process
 * (no REDIS_URL), where there is no queue to show.
 */
export function dashboardQueues(ctx: AppContext): unknown[] | undefined {
  return ctx.queues.bullmqQueues?.([TRAINING_QUEUE]);
}
