/**
 * The training queue's name and job payload: the one place both the submitting side
 * (src/services) and the consuming side (the processor, the reconciler) read them from.
 */

export const TRAINING_QUEUE = 'training';
/** Transient faults (a dropped connection) are retried with exponential backoff. */
export const TRAINING_ATTEMPTS = 3;
/** First retry delay, ms; BullMQ doubles it on each further attempt. */
export const TRAINING_BACKOFF_MS = 2000;

export interface TrainingJobData {
  runId: string;
  attempts?: number;
  /** The submitting deployment's tag: a worker of another deployment refuses the job loudly. */
  deployment?: string;
}

/** A run's job as the queue takes it (alone, or as a child of a sweep's flow). */
export interface TrainingJob {
  queue: typeof TRAINING_QUEUE;
  name: 'train';
  data: TrainingJobData;
  options: { jobId: string; attempts: number; backoffMs: number; replaceFinished: boolean };
}
