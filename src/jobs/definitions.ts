import type { WorkerDefinition } from './workers.ts';
import { createTrainingProcessor } from './training.processor.ts';
import { TRAINING_QUEUE } from './training.job.ts';
import { createScheduleProcessor } from './schedule.processor.ts';
import { SCHEDULE_QUEUE } from './schedule.job.ts';
import { createSweepProcessor } from './sweep.processor.ts';
import { SWEEP_QUEUE } from './sweep.job.ts';

/** Every queue this service consumes. */
export const workerDefinitions: WorkerDefinition[] = [
  { queue: TRAINING_QUEUE, concurrency: 1, createProcessor: (ctx) => createTrainingProcessor(ctx) as never },
  // One step at a time: steps read what the previous one wrote (fixtures before predictions).
  // A sweep's parent job only reads its trials' outcomes and writes the sweep's: no training here.
  { queue: SWEEP_QUEUE, concurrency: 1, createProcessor: (ctx) => createSweepProcessor(ctx) as never },
  { queue: SCHEDULE_QUEUE, concurrency: 1, createProcessor: (ctx) => createScheduleProcessor(ctx) as never },
];
