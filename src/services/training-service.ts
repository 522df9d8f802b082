import type { AppContext } from '../context.ts';
import { AppError, isAppError } from '../../core/index.ts';
import { validateTrainingSpec, runIdOf, upsertRun, requestCancel, listStaleQueued, getRun, type TrainingRun, type TrainingSpec } from '../../training/index.ts';
import { assertFeatureSetAvailable } from '../../features/index.ts';
import { recordAudit, type Actor } from '../governance/index.ts';
import { TRAINING_ATTEMPTS, TRAINING_BACKOFF_MS, TRAINING_QUEUE, type TrainingJob } from '../jobs/training.job.ts';

/**
 * Validates the whole spec (against the database too: competitions, sport, and that history holds
 * the feature set's inputs for those competitions), records the run
 * (the source of truth) and enqueues its job. Submitting the same spec again returns the
 * existing run, and re-enqueues it if it is queued but its job was lost or finished.
 * When the queue is unreachable the run stays recorded as queued and QUEUE_UNAVAILABLE is
 * thrown; the reconciler enqueues it when the queue is back.
 * @throws AppError TRAINING_SPEC_INVALID, FEATURE_SET_UNKNOWN, COMPETITION_UNKNOWN,
 *         FEATURE_SPORT_MISMATCH, FEATURE_SET_UNAVAILABLE, QUEUE_UNAVAILABLE, DATABASE_UNAVAILABLE
 */
export async function submitTraining(ctx: AppContext, input: unknown, by: string | Actor = 'anonymous'): Promise<{ run: TrainingRun; created: boolean }> {
  // A bare name is a CLI operator's (`train --actor`) or the demo's.
  const actor: Actor = typeof by === 'string' ? { name: by, role: 'operator' } : by;
  const spec = await validateTrainingSpec(ctx.db, input);
  await assertFeatureSetAvailable(ctx.db, spec.featureSet, spec.competitions);
  const { run, created } = await recordTrainingRun(ctx, spec, actor);
  if (created || run.status === 'queued') {
    try {
      await enqueue(ctx, run);
    } catch (error) {
      if (isAppError(error) && error.code === 'QUEUE_UNAVAILABLE') {
        throw new AppError('QUEUE_UNAVAILABLE', `run ${run.id} is recorded as queued, but ${error.message}; it is enqueued when the queue answers again (\`sharpline runs reconcile\`, or within SHARPLINE_RECONCILE_SECONDS of a running server or worker)`, {
          cause: error,
          details: { runId: run.id, status: run.status, ...(error.details as object) },
        });
      }
      throw error;
    }
  }
  return { run, created };
}

/**
 * Records a validated spec's run (the source of truth) and audits a new submission, without
 * enqueueing: `submitTraining` enqueues it alone, a sweep as a child of its flow.
 */
export async function recordTrainingRun(ctx: AppContext, spec: TrainingSpec, actor: Actor): Promise<{ run: TrainingRun; created: boolean }> {
  const { run, created } = await upsertRun(ctx.db, runIdOf(spec), spec, actor.name, ctx.deployment.tag);
  if (created) await recordAudit(ctx.db, actor, 'training.submitted', { target: run.id, details: { model: spec.model, featureSet: spec.featureSet } });
  return { run, created };
}

/**
 * The run's queue job: the one shape every way of enqueueing a run uses (alone, or in a sweep's
 * flow). A job of that id that already completed or failed (while the run is still queued) is
 * replaced, so a queued run always ends up with a live job.
 */
export function trainingJobOf(ctx: AppContext, run: TrainingRun): TrainingJob {
  return {
    queue: TRAINING_QUEUE,
    name: 'train',
    data: { runId: run.id, attempts: TRAINING_ATTEMPTS, deployment: ctx.deployment.tag },
    options: { jobId: run.jobId, attempts: TRAINING_ATTEMPTS, backoffMs: TRAINING_BACKOFF_MS, replaceFinished: true },
  };
}

/** Adds the run's job. Idempotent by job id. */
async function enqueue(ctx: AppContext, run: TrainingRun): Promise<void> {
  const job = trainingJobOf(ctx, run);
  await ctx.queues.add(job.queue, job.name, job.data, job.options);
}

/** Cancels a queued run at once (and drops its job) or stops a running one at its next batch. */
export async function cancelTraining(ctx: AppContext, runId: string, by: Actor = { name: 'anonymous', role: 'operator' }): Promise<TrainingRun> {
  const before = await getRun(ctx.db, runId);
  if (before.status !== 'queued' && before.status !== 'running') {
    throw new AppError('CONFLICT', `run ${runId} is already ${before.status}`, { details: { status: before.status } });
  }
  const run = await requestCancel(ctx.db, runId);
  await recordAudit(ctx.db, by, 'training.cancelled', { target: run.id, details: { model: run.model, was: before.status } });
  // The run row already says cancelled; a job left behind (queue away) finds that and does nothing.
  await ctx.queues.remove(TRAINING_QUEUE, run.jobId).catch(() => false);
  return run;
}

/**
 * Re-enqueues runs that Postgres shows as queued (for longer than `olderThanMs`) whose job the
 * queue does not hold alive: lost (a Redis flush or failover, a submission while Redis was
 * away, an in-process queue of a process that stopped) or finished without settling the run.
 * A run whose job is waiting, delayed or active is left alone.
 * @throws AppError QUEUE_UNAVAILABLE, DATABASE_UNAVAILABLE
 */
export async function reconcileQueuedRuns(ctx: AppContext, olderThanMs = 60_000): Promise<string[]> {
  const stale = await listStaleQueued(ctx.db, olderThanMs);
  const requeued: string[] = [];
  for (const run of stale) {
    const job = await ctx.queues.getJob(TRAINING_QUEUE, run.jobId);
    if (job && job.state !== 'completed' && job.state !== 'failed') continue;
    await enqueue(ctx, run);
    requeued.push(run.id);
  }
  return requeued;
}

/**
 * Checks a training spec exactly as `submitTraining` would (the same validation and feature-set
 * availability) without recording or enqueueing anything: the console's launch form calls it as
 * the user types. Returns the normalised spec and the run id a submission would get (an existing
 * run with that id is what a submission would return).
 * @throws TRAINING_SPEC_INVALID, COMPETITION_UNKNOWN, FEATURE_SET_UNKNOWN, FEATURE_SET_UNAVAILABLE
 */
export async function checkTraining(ctx: AppContext, input: unknown): Promise<{ spec: TrainingSpec; runId: string }> {
  const spec = await validateTrainingSpec(ctx.db, input);
  await assertFeatureSetAvailable(ctx.db, spec.featureSet, spec.competitions);
  return { spec, runId: runIdOf(spec) };
}
