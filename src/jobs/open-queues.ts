import type { Config } from '../config.ts';
import type { Logger } from '../shared/logger.ts';
import type { OutageLog } from '../shared/outage.ts';
import type { JobQueues } from './queue.ts';
import { createBullmqQueues } from './bullmq-queues.ts';
import { createInProcessQueues } from './in-process-queues.ts';

/** BullMQ when REDIS_URL is set (under the deployment's key prefix), otherwise in-process. */
export function openQueues(config: Config, options: { prefix: string; outage?: OutageLog; logger?: Logger }): JobQueues {
  return config.redisUrl ? createBullmqQueues(config.redisUrl, options) : createInProcessQueues();
}
