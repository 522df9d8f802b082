import type { Config } from '../config.ts';
import type { JobQueues } from './queue.ts';
import { createBullmqQueues } from './bullmq-queues.ts';
import { createInProcessQueues } from './in-process-queues.ts';

/** BullMQ when REDIS_URL is set, otherwise in-process. */
export function openQueues(config: Config, prefix?: string): JobQueues {
  return config.redisUrl ? createBullmqQueues(config.redisUrl, { prefix }) : createInProcessQueues();
}
