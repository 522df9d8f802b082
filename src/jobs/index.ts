export { PermanentJobError } from './queue.ts';
export type { AddJobOptions, JobContext, JobInfo, JobQueues, JobState, Processor, WorkerHandle, WorkerOptions } from './queue.ts';
export { createBullmqQueues } from './bullmq-queues.ts';
export { createInProcessQueues } from './in-process-queues.ts';
export { openQueues } from './open-queues.ts';
export { startWorkers, type WorkerDefinition } from './workers.ts';
export { workerDefinitions } from './definitions.ts';
export { startReconciler, type Reconciler } from './reconciler.ts';
export { TRAINING_QUEUE, TRAINING_ATTEMPTS, TRAINING_BACKOFF_MS, type TrainingJobData } from './training.job.ts';
