import { type Db, AppError } from '../core/index.ts';
import type { RunStatus } from './run-store.ts';
import type { SweepSpec, SweepValue } from './sweep-spec.ts';

/**
 * Sweeps and their trials (0036_sweeps.sql). The sweep row is the unit a user sees; each trial is
 * a training run (training_runs is the source of truth for its status), linked in sweep_trials.
 */
export type SweepStatus = 'running' | 'succeeded' | 'failed';

/** One trial as stored: which run it is and the values it tried, beside the run's live state. */
export interface SweepTrialRecord {
  trial: number;
  params: Record<string, SweepValue>;
  runId: string;
  status: RunStatus;
  /** The run's result (model, version, test-window metrics) once it succeeded. */
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
}

export interface SweepRecord {
  id: string;
  model: string;
  spec: SweepSpec;
  status: SweepStatus;
  submission: number;
  /** The parent job of the current submission's flow. */
  jobId: string;
  bestRunId: string | null;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  trials: SweepTrialRecord[];
}

interface SweepRow {
  id: string;
  model_name: string;
  spec: SweepSpec;
  status: SweepStatus;
  submission: number;
  job_id: string;
  best_run_id: string | null;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  created_by: string;
  created_at: Date;
  finished_at: Date | null;
}

interface SweepTrialRow {
  sweep_id: string;
  trial: number;
  params: Record<string, SweepValue>;
  run_id: string;
  status: RunStatus;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toSweep(row: SweepRow, trials: SweepTrialRow[]): SweepRecord {
  return {
    id: row.id,
    model: row.model_name,
    spec: row.spec,
    status: row.status,
    submission: row.submission,
    jobId: row.job_id,
    bestRunId: row.best_run_id,
    result: row.result,
    error: row.error,
    createdBy: row.created_by,
    createdAt: iso(row.created_at)!,
    finishedAt: iso(row.finished_at),
    trials: trials.map((t) => ({ trial: t.trial, params: t.params, runId: t.run_id, status: t.status, result: t.result, error: t.error })),
  };
}

const SQL = {
  insert: `-- Records a sweep unless one of that id exists. $1 id, $2 model, $3 spec, $4 job id, $5 created by
INSERT INTO sweeps (id, model_name, spec, status, job_id, created_by) VALUES ($1, $2, $3, 'running', $4, $5)
ON CONFLICT (id) DO NOTHING RETURNING id`,
  resubmit: `-- Runs a failed sweep again under its next submission. $1 id, $2 job id of that submission, $3 submitted by
UPDATE sweeps SET status = 'running', submission = submission + 1, job_id = $2, best_run_id = NULL, result = NULL, error = NULL,
       finished_at = NULL, updated_at = now(), created_by = $3
 WHERE id = $1 AND status = 'failed' RETURNING id`,
  insertTrial: `-- Links a trial's run to its sweep. $1 sweep id, $2 trial index, $3 run id, $4 swept values
INSERT INTO sweep_trials (sweep_id, trial, run_id, params) VALUES ($1, $2, $3, $4) ON CONFLICT (sweep_id, trial) DO NOTHING`,
  select: `-- One sweep. $1 id
SELECT * FROM sweeps WHERE id = $1`,
  trials: `-- The trials of some sweeps with their runs' live state, in trial order. $1 sweep ids
SELECT t.sweep_id, t.trial, t.params, t.run_id, r.status, r.result, r.error
  FROM sweep_trials t JOIN training_runs r ON r.id = t.run_id
 WHERE t.sweep_id = ANY($1::text[]) ORDER BY t.sweep_id, t.trial`,
  list: `-- Sweeps, newest first. $1 model or NULL, $2 status or NULL, $3 limit
SELECT * FROM sweeps WHERE ($1::text IS NULL OR model_name = $1) AND ($2::text IS NULL OR status = $2)
 ORDER BY created_at DESC, id LIMIT $3`,
  settle: `-- Settles a running sweep (only once). $1 id, $2 status, $3 best run id, $4 result, $5 error
UPDATE sweeps SET status = $2, best_run_id = $3, result = $4, error = $5, finished_at = now(), updated_at = now()
 WHERE id = $1 AND status = 'running'`,
  stale: `-- Sweeps still running after $1 seconds since their last change. $1 seconds
SELECT id FROM sweeps WHERE status = 'running' AND updated_at < now() - make_interval(secs => $1) ORDER BY created_at`,
};

async function trialsOf(db: Db, ids: string[]): Promise<Map<string, SweepTrialRow[]>> {
  const { rows } = await db.query<SweepTrialRow>(SQL.trials, [ids]);
  const by = new Map<string, SweepTrialRow[]>();
  for (const row of rows) by.set(row.sweep_id, [...(by.get(row.sweep_id) ?? []), row]);
  return by;
}

/**
 * Records a sweep and links its trials' runs (which must exist), in one transaction. Returns
 * `created: false` and changes nothing when a sweep of that id is already running or succeeded;
 * a failed one is resubmitted (its next submission, with `jobIdOf(submission)` as its parent job).
 */
export async function recordSweep(
  db: Db,
  input: { id: string; spec: SweepSpec; createdBy: string; jobIdOf: (submission: number) => string; trials: Array<{ trial: number; runId: string; params: Record<string, SweepValue> }> },
): Promise<{ sweep: SweepRecord; created: boolean }> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query(SQL.insert, [input.id, input.spec.base.model, input.spec, input.jobIdOf(1), input.createdBy]);
    let created = inserted.rows.length > 0;
    if (created) {
      for (const t of input.trials) await tx.query(SQL.insertTrial, [input.id, t.trial, t.runId, t.params]);
    } else {
      const current = await findSweep(tx, input.id);
      if (current?.status === 'failed') created = (await tx.query(SQL.resubmit, [input.id, input.jobIdOf(current.submission + 1), input.createdBy])).rows.length > 0;
    }
    return { sweep: await getSweep(tx, input.id), created };
  });
}

export async function findSweep(db: Db, id: string): Promise<SweepRecord | undefined> {
  const { rows } = await db.query<SweepRow>(SQL.select, [id]);
  if (!rows[0]) return undefined;
  return toSweep(rows[0], (await trialsOf(db, [id])).get(id) ?? []);
}

/** @throws AppError SWEEP_NOT_FOUND */
export async function getSweep(db: Db, id: string): Promise<SweepRecord> {
  const sweep = await findSweep(db, id);
  if (!sweep) throw new AppError('SWEEP_NOT_FOUND', `no sweep ${id}`, { details: { id } });
  return sweep;
}

export async function listSweeps(db: Db, options: { model?: string; status?: SweepStatus; limit?: number } = {}): Promise<SweepRecord[]> {
  const { rows } = await db.query<SweepRow>(SQL.list, [options.model ?? null, options.status ?? null, options.limit ?? 50]);
  const trials = await trialsOf(db, rows.map((r) => r.id));
  return rows.map((r) => toSweep(r, trials.get(r.id) ?? []));
}

/** Settles a running sweep; false (nothing changed) when it was settled already. */
export async function settleSweepRecord(
  db: Db,
  id: string,
  outcome: { status: 'succeeded' | 'failed'; bestRunId: string | null; result: Record<string, unknown>; error?: { code: string; message: string } },
): Promise<boolean> {
  const { rowCount } = await db.query(SQL.settle, [id, outcome.status, outcome.bestRunId, outcome.result, outcome.error ?? null]);
  return rowCount > 0;
}

/** Ids of sweeps still running after `olderThanMs` without a change (the reconciler looks at them). */
export async function listStaleSweeps(db: Db, olderThanMs: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(SQL.stale, [olderThanMs / 1000]);
  return rows.map((r) => r.id);
}
