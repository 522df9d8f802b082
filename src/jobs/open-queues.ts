import type { Config } from '../config.ts';
import type { JobQueues } from './queue.ts';
import { createInProcessQueues } from './in-process-queues.ts';

/** BullMQ when REDIS_URL is set, otherwise in-process (BullMQ and ioredis are then never loaded). */
export async function openQueues(config: Config, prefix?: string): Promise<JobQueues> {
  if (!config.redisUrl) return createInProcessQueues();
  const { createBullmqQueues } = await import('./bullmq-queues.ts');
  return createBullmqQueues(config.redisUrl, { prefix });
}
