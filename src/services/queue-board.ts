import type { AppContext } from '../context.ts';
import { TRAINING_QUEUE } from '../jobs/training.job.ts';
import { SCHEDULE_QUEUE } from '../jobs/schedule.job.ts';
import { SWEEP_QUEUE } from '../jobs/sweep.job.ts';

/**
 * The BullMQ `Queue` objects the queue dashboard (/ui/queues) shows: the server's own (created on
 * first use, nothing polls Redis until the page asks), or undefined when the queues run
 * in-process (no REDIS_URL). A sweep's flow shows as its parent job on `sweeps` over its trials'
 * jobs on `training`. Typed `unknown`: the edge casts them to bullmq's Queue.
 */
export function boardQueues(ctx: AppContext): unknown[] | undefined {
  const { queues } = ctx;
  if (queues.kind !== 'bullmq' || !queues.bullmqQueue) return undefined;
  return [TRAINING_QUEUE, SWEEP_QUEUE, SCHEDULE_QUEUE].map((name) => queues.bullmqQueue!(name));
}
