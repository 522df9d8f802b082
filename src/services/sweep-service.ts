import type { AppContext } from '../context.ts';
import { AppError, isAppError } from '../../core/index.ts';
import {
  chooseBestTrial,
  findSweep,
  getSweep,
  listStaleSweeps,
  listSweeps as listSweepRecords,
  parseSweepSpec,
  recordSweep,
  scoreTrials,
  settleSweepRecord,
  sweepIdOf,
  validateTrainingSpec,
  type ScoredTrial,
  type SweepRecord,
  type SweepSpec,
  type SweepStatus,
  type TrainingRun,
} from '../../training/index.ts';
import { assertFeatureSetAvailable } from '../../features/index.ts';
import { operatorActor, recordAudit, type Actor } from '../governance/index.ts';
import { SWEEP_ATTEMPTS, SWEEP_BACKOFF_MS, SWEEP_QUEUE, type SweepJobData } from '../jobs/sweep.job.ts';
import { recordTrainingRun, trainingJobOf } from './training-service.ts';
import { moveAlias } from './alias-service.ts';

/** A sweep as every edge shows it: the unit, its trials' live state and scores, and (once settled) its best. */
export interface SweepView {
  id: string;
  model: string;
  status: SweepStatus;
  search: 'grid' | 'random';
  spec: SweepSpec;
  submission: number;
  jobId: string;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  /** Trials by their runs' status. */
  counts: { trials: number; queued: number; running: number; succeeded: number; failed: number; cancelled: number };
  trials: ScoredTrial[];
  /** The trial with the lowest validation log loss, once the sweep has settled (null before, and when none succeeded). */
  best: ScoredTrial | null;
  /** The alias the best trial's version got (spec `alias`), or why it did not. */
  alias: { name: string; version: number | null; error?: string } | null;
  error: { code: string; message: string } | null;
}

async function viewOf(ctx: AppContext, record: SweepRecord): Promise<SweepView> {
  const trials = await scoreTrials(ctx.db, record.trials);
  const counts = { trials: trials.length, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const t of trials) counts[t.status] += 1;
  const stored = record.result as { best?: ScoredTrial | null; alias?: SweepView['alias'] } | null;
  return {
    id: record.id,
    model: record.model,
    status: record.status,
    search: record.spec.grid ? 'grid' : 'random',
    spec: record.spec,
    submission: record.submission,
    jobId: record.jobId,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    finishedAt: record.finishedAt,
    counts,
    trials,
    best: record.status === 'running' ? null : (stored?.best ?? null),
    alias: stored?.alias ?? null,
    error: record.error,
  };
}

/**
 * Validates a sweep spec (on its own, then the base spec against the database as a training
 * submission is), records every trial's run and the sweep, and enqueues the sweep as one BullMQ
 * flow: a parent job on the sweeps queue over one training job per new trial run. Submitting the
 * same sweep again returns it (a failed one runs again). A trial whose run exists already (the same
 * spec trained before) is not trained twice: a succeeded run simply counts.
 * When the queue is unreachable the sweep and its runs stay recorded; the reconciler enqueues the
 * runs and settles the sweep once they have finished.
 * @throws AppError SWEEP_SPEC_INVALID, FEATURE_SET_UNKNOWN, COMPETITION_UNKNOWN, FEATURE_SPORT_MISMATCH,
 *         FEATURE_SET_UNAVAILABLE, QUEUE_UNAVAILABLE, DATABASE_UNAVAILABLE
 */
export async function submitSweep(ctx: AppContext, input: unknown, by: string | Actor = 'anonymous'): Promise<{ sweep: SweepView; created: boolean }> {
  const actor: Actor = typeof by === 'string' ? { name: by, role: 'operator' } : by;
  const { spec, trials } = parseSweepSpec(input);
  try {
    await validateTrainingSpec(ctx.db, spec.base);
  } catch (error) {
    if (!isAppError(error) || error.code !== 'TRAINING_SPEC_INVALID') throw error;
    const field = `base.${String((error.details as { field?: string } | undefined)?.field ?? 'spec')}`;
    throw new AppError('SWEEP_SPEC_INVALID', `${field}: ${error.message}`, { details: { field, problems: [{ field, message: error.message }] }, cause: error });
  }
  await assertFeatureSetAvailable(ctx.db, spec.base.featureSet, spec.base.competitions);
  if (spec.alias && ctx.config.protectedAliases.includes(spec.alias)) {
    const message = `${spec.alias} is a protected alias: a sweep may set an unprotected one (e.g. challenger); promote its best through a proposal`;
    throw new AppError('SWEEP_SPEC_INVALID', `alias: ${message}`, { details: { field: 'alias', problems: [{ field: 'alias', message }] } });
  }
  const id = sweepIdOf(spec);
  const existing = await findSweep(ctx.db, id);
  if (existing && existing.status !== 'failed') return { sweep: await viewOf(ctx, existing), created: false };

  const runs: Array<{ run: TrainingRun; created: boolean }> = [];
  for (const trial of trials) runs.push(await recordTrainingRun(ctx, trial.spec, actor));
  const { sweep, created } = await recordSweep(ctx.db, {
    id,
    spec,
    createdBy: actor.name,
    jobIdOf: (submission) => `${id}-s${submission}-${ctx.deployment.tag}`,
    trials: trials.map((t) => ({ trial: t.trial, runId: t.runId, params: t.params })),
  });
  if (!created) return { sweep: await viewOf(ctx, sweep), created: false };
  await recordAudit(ctx.db, actor, 'sweep.submitted', { target: id, details: { model: spec.base.model, search: spec.grid ? 'grid' : 'random', trials: trials.length } });

  // Only runs this submission queued become children: a run already queued has its own job, and
  // one that finished counts as it is (the parent retries while a trial it did not launch runs).
  const children = runs.filter((r) => r.created).map((r) => trainingJobOf(ctx, r.run));
  try {
    await ctx.queues.addFlow<SweepJobData>(
      { queue: SWEEP_QUEUE, name: 'sweep', data: { sweepId: id, deployment: ctx.deployment.tag }, options: { jobId: sweep.jobId, attempts: SWEEP_ATTEMPTS, backoffMs: SWEEP_BACKOFF_MS } },
      children,
    );
  } catch (error) {
    if (isAppError(error) && error.code === 'QUEUE_UNAVAILABLE') {
      throw new AppError('QUEUE_UNAVAILABLE', `sweep ${id} and its ${trials.length} runs are recorded, but ${error.message}; the runs are enqueued when the queue answers again and the sweep settles once they have finished (\`sharpline runs reconcile\`, or a running server or worker)`, {
        cause: error,
        details: { sweepId: id, ...(error.details as object) },
      });
    }
    throw error;
  }
  return { sweep: await viewOf(ctx, await getSweep(ctx.db, id)), created: true };
}

/** Sweeps, newest first, each with its trials' live state. */
export async function listSweeps(ctx: AppContext, options: { model?: string; status?: SweepStatus; limit?: number } = {}): Promise<SweepView[]> {
  return Promise.all((await listSweepRecords(ctx.db, options)).map((r) => viewOf(ctx, r)));
}

/** @throws AppError SWEEP_NOT_FOUND */
export async function showSweep(ctx: AppContext, id: string): Promise<SweepView> {
  return viewOf(ctx, await getSweep(ctx.db, id));
}

/**
 * The sweep's best trial (lowest validation log loss).
 * @throws AppError SWEEP_NOT_FOUND; SWEEP_UNSETTLED while its trials run; SWEEP_NO_TRIAL when none succeeded
 */
export async function bestOfSweep(ctx: AppContext, id: string): Promise<{ sweep: SweepView; best: ScoredTrial }> {
  const sweep = await showSweep(ctx, id);
  if (sweep.status === 'running') {
    const open = sweep.counts.queued + sweep.counts.running;
    throw new AppError('SWEEP_UNSETTLED', `sweep ${id} is still running (${open} of ${sweep.counts.trials} trials unfinished): its best is chosen once every trial has finished`, { details: { id, counts: sweep.counts } });
  }
  if (!sweep.best) throw new AppError('SWEEP_NO_TRIAL', sweep.error?.message ?? `no trial of sweep ${id} succeeded`, { details: { id, counts: sweep.counts } });
  return { sweep, best: sweep.best };
}

/**
 * Settles a sweep once every trial's run has finished: the best trial is the succeeded one with
 * the lowest validation log loss (never the test window's), and with spec `alias` its version gets
 * that alias. No trial succeeded: the sweep fails with SWEEP_NO_TRIAL recorded. Idempotent: a
 * settled sweep is returned unchanged (what its parent job, a retry and the reconciler all rely on).
 * @throws AppError SWEEP_NOT_FOUND; SWEEP_UNSETTLED while a trial is queued or running
 */
export async function settleSweep(ctx: AppContext, id: string): Promise<SweepView> {
  const record = await getSweep(ctx.db, id);
  if (record.status !== 'running') return viewOf(ctx, record);
  const open = record.trials.filter((t) => t.status === 'queued' || t.status === 'running');
  if (open.length) {
    throw new AppError('SWEEP_UNSETTLED', `sweep ${id} has ${open.length} trial(s) unfinished: ${open.map((t) => `${t.runId} (${t.status})`).join(', ')}`, { details: { id, runs: open.map((t) => t.runId) } });
  }
  const trials = await scoreTrials(ctx.db, record.trials);
  const best = chooseBestTrial(trials);
  let alias: SweepView['alias'] = null;
  if (best && record.spec.alias) {
    try {
      await moveAlias(ctx, { model: best.model!, alias: record.spec.alias, version: best.version!, actor: { name: record.createdBy, role: 'scientist' } });
      alias = { name: record.spec.alias, version: best.version };
    } catch (error) {
      // The sweep's outcome stands without the alias (e.g. made protected since it was submitted).
      alias = { name: record.spec.alias, version: null, error: (error as Error).message };
    }
  }
  const failed = trials.filter((t) => t.status !== 'succeeded');
  const outcome = best
    ? { status: 'succeeded' as const, bestRunId: best.runId, result: { chosenBy: 'validationLogLoss', best, alias, trials } }
    : {
        status: 'failed' as const,
        bestRunId: null,
        result: { chosenBy: 'validationLogLoss', best: null, alias, trials },
        error: { code: 'SWEEP_NO_TRIAL', message: `none of sweep ${id}'s ${trials.length} trials succeeded: ${failed.map((t) => `trial ${t.trial} ${t.status}${t.error ? ` (${t.error.code})` : ''}`).join(', ')}` },
      };
  if (await settleSweepRecord(ctx.db, id, outcome)) {
    await recordAudit(ctx.db, operatorActor('sweeps'), 'sweep.settled', { target: id, details: { status: outcome.status, bestRunId: outcome.bestRunId, validationLogLoss: best?.validationLogLoss ?? null } });
    ctx.logger.info({ sweepId: id, status: outcome.status, best: best ? { trial: best.trial, runId: best.runId, version: best.version, validationLogLoss: best.validationLogLoss } : null }, `sweep ${id} ${outcome.status}`);
  }
  return viewOf(ctx, await getSweep(ctx.db, id));
}

/**
 * Settles sweeps still running after `olderThanMs` whose trials have all finished: their parent
 * job was lost (a Redis flush, an in-process queue that died with its process, a submission while
 * Redis was away). Sweeps with a trial still running are left to their parent job.
 */
export async function reconcileSweeps(ctx: AppContext, olderThanMs = 60_000): Promise<string[]> {
  const settled: string[] = [];
  for (const id of await listStaleSweeps(ctx.db, olderThanMs)) {
    const sweep = await getSweep(ctx.db, id);
    if (sweep.trials.some((t) => t.status === 'queued' || t.status === 'running')) continue;
    await settleSweep(ctx, id);
    settled.push(id);
  }
  return settled;
}
