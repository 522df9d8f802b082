import type { Config } from '../config.ts';
import type { JobQueues } from './queue.ts';
import { createBullmqQueues } from './bullmq-queues.ts';
import { createInProcessQueues } from './in-process-queues.ts';

export * from './queue.ts';
export { createBullmqQueues } from './bullmq-queues.ts';
export { createInProcessQueues } from './in-process-queues.ts';

/** BullMQ when REDIS_URL is set, otherwise in-process. */
export function openQueues(config: Config, prefix?: string): JobQueues {
  return config.redisUrl ? createBullmqQueues(config.redisUrl, { prefix }) : createInProcessQueues();
}
export { startWorkers, type WorkerDefinition } from './workers.ts';
export { workerDefinitions } from './definitions.ts';
