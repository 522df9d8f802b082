import type { WorkerDefinition } from './workers.ts';
import { createTrainingProcessor } from './training.processor.ts';
import { TRAINING_QUEUE } from './training.job.ts';

/** Every queue this service consumes. */
export const workerDefinitions: WorkerDefinition[] = [
  { queue: TRAINING_QUEUE, concurrency: 1, createProcessor: (ctx) => createTrainingProcessor(ctx) as never },
];
