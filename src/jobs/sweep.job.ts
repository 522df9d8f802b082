/**
 * The sweeps queue's name and the parent job's payload. A sweep is a BullMQ flow: this parent job
 * over one child job per trial on the training queue (each an ordinary training run); the parent
 * runs once every child has finished and settles the sweep (src/services/sweep-service.ts).
 */
export const SWEEP_QUEUE = 'sweeps';
/** A parent that finds a trial still running (one re-enqueued outside its flow) tries again later. */
export const SWEEP_ATTEMPTS = 8;
/** First retry delay, ms; doubled on each further attempt (about 10 minutes in all). */
export const SWEEP_BACKOFF_MS = 5000;

export interface SweepJobData {
  sweepId: string;
  /** The submitting deployment's tag: a worker of another deployment refuses the job loudly. */
  deployment?: string;
}
