import type { AppContext } from '../context.ts';
import { AppError } from '../shared/errors.ts';
import { parseTrainingSpec, runIdOf, upsertRun, requestCancel, listStaleQueued, getRun, jobIdOf, type TrainingRun } from '../../training/index.ts';
import { assertFeatureSetAvailable } from '../../features/index.ts';

export const TRAINING_QUEUE = 'training';
/** Transient faults (a dropped connection) are retried with exponential backoff. */
export const TRAINING_ATTEMPTS = 3;

export interface TrainingJobData {
  runId: string;
  attempts?: number;
}

/**
 * Validates a spec — including that history holds the feature set's inputs for the requested
 * competitions — records the run (the source of truth) and enqueues its job. Submitting the
 * same spec again returns the existing run instead of a second job.
 * @throws AppError TRAINING_SPEC_INVALID, FEATURE_SET_UNKNOWN, FEATURE_SET_UNAVAILABLE, COMPETITION_UNKNOWN
 */
export async function submitTraining(ctx: AppContext, input: unknown, actor = 'anonymous'): Promise<{ run: TrainingRun; created: boolean }> {
  const spec = parseTrainingSpec(input);
  await assertFeatureSetAvailable(ctx.db, spec.featureSet, spec.competitions);
  const { run, created } = await upsertRun(ctx.db, runIdOf(spec), spec, actor);
  if (created) await enqueue(ctx, run);
  return { run, created };
}

async function enqueue(ctx: AppContext, run: TrainingRun): Promise<void> {
  await ctx.queues.add<TrainingJobData>(TRAINING_QUEUE, 'train', { runId: run.id, attempts: TRAINING_ATTEMPTS }, {
    jobId: jobIdOf(run.id, run.submission),
    attempts: TRAINING_ATTEMPTS,
    backoffMs: 2000,
  });
}

/** Cancels a queued run at once (and drops its job) or stops a running one at its next batch. */
export async function cancelTraining(ctx: AppContext, runId: string): Promise<TrainingRun> {
  const before = await getRun(ctx.db, runId);
  if (before.status !== 'queued' && before.status !== 'running') {
    throw new AppError('CONFLICT', `run ${runId} is already ${before.status}`, { details: { status: before.status } });
  }
  const run = await requestCancel(ctx.db, runId);
  await ctx.queues.remove(TRAINING_QUEUE, run.jobId).catch(() => false);
  return run;
}

/**
 * Re-enqueues runs that Postgres shows as queued but the queue has lost (a Redis flush or
 * failover). Adding is idempotent by job id, so a run whose job still exists is untouched.
 */
export async function reconcileQueuedRuns(ctx: AppContext, olderThanMs = 60_000): Promise<string[]> {
  const stale = await listStaleQueued(ctx.db, olderThanMs);
  const requeued: string[] = [];
  for (const run of stale) {
    // A job that still exists in any state is the processor's to settle; only lost ones are re-added.
    if (await ctx.queues.getJob(TRAINING_QUEUE, run.jobId)) continue;
    await enqueue(ctx, run);
    requeued.push(run.id);
  }
  return requeued;
}
