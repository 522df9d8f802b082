import type { Config } from '../config.ts';
import type { Logger } from '../../core/index.ts';
import type { OutageLog } from '../outage.ts';
import type { JobQueues } from './queue.ts';
import { createInProcessQueues } from './in-process-queues.ts';

/**
 * BullMQ when REDIS_URL is set (under the deployment's key prefix), otherwise in-process (BullMQ
 * and ioredis are then never loaded).
 */
export async function openQueues(config: Config, options: { prefix: string; outage?: OutageLog; logger?: Logger }): Promise<JobQueues> {
  if (!config.redisUrl) return createInProcessQueues();
  const { createBullmqQueues } = await import('./bullmq-queues.ts');
  return createBullmqQueues(config.redisUrl, options);
}
