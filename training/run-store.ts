import { type Db, AppError } from '../core/index.ts';
import type { TrainingSpec } from './spec.ts';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/**
 * Every status change a run may make. Each UPDATE below is conditioned on it (and the ones an
 * attempt makes on that attempt's number), so a stale or duplicate delivery can never move a run
 * out of a state it has already left: `succeeded` is final, and only the newest attempt finishes.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = Object.freeze({
  queued: ['running', 'cancelled'],
  // running -> running: a redelivery (BullMQ found the attempt stalled, or a retry) takes the run over.
  running: ['running', 'succeeded', 'failed', 'cancelled'],
  succeeded: [],
  // A failed or cancelled run submitted again is queued under a new submission.
  failed: ['queued'],
  cancelled: ['queued'],
});

/** The statuses a run may reach `to` from. */
export function statusesBefore(to: RunStatus): RunStatus[] {
  return (Object.keys(RUN_TRANSITIONS) as RunStatus[]).filter((from) => RUN_TRANSITIONS[from].includes(to));
}

export interface TrainingRunRow {
  id: string;
  model_name: string;
  status: RunStatus;
  spec: TrainingSpec;
  progress: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  submission: number;
  job_id: string;
  attempts: number;
  cancel_requested: boolean;
  created_by: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export interface TrainingRun {
  id: string;
  /** The queue job id of the current submission. */
  jobId: string;
  model: string;
  status: RunStatus;
  spec: TrainingSpec;
  progress: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  submission: number;
  /** Attempts started; the newest one owns a running run. */
  attempts: number;
  cancelRequested: boolean;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Seconds from start to finish (or to now while running). */
  seconds: number | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * The queue job id of a run's submission, unique per deployment: the same spec (so the same run
 * id) in two deployments is two jobs even if they were given one queue prefix.
 */
export function jobIdOf(runId: string, submission: number, deploymentTag: string): string {
  return `${runId}-s${submission}-${deploymentTag}`;
}

export function toTrainingRun(row: TrainingRunRow): TrainingRun {
  const end = row.finished_at ? new Date(row.finished_at).getTime() : Date.now();
  return {
    id: row.id,
    jobId: row.job_id,
    model: row.model_name,
    status: row.status,
    spec: row.spec,
    progress: row.progress,
    result: row.result,
    error: row.error,
    submission: row.submission,
    attempts: row.attempts,
    cancelRequested: row.cancel_requested,
    createdBy: row.created_by,
    createdAt: iso(row.created_at)!,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    seconds: row.started_at ? Math.round((end - new Date(row.started_at).getTime()) / 10) / 100 : null,
  };
}

/**
 * Inserts the run, or returns the existing one. A failed or cancelled run submitted again is
 * re-queued under a new submission number (so its queue job id is new too).
 * `created` says whether the caller must enqueue a job.
 */
export async function upsertRun(db: Db, id: string, spec: TrainingSpec, createdBy: string, deploymentTag: string): Promise<{ run: TrainingRun; created: boolean }> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query<TrainingRunRow>(
      `INSERT INTO training_runs (id, model_name, status, spec, created_by, job_id) VALUES ($1, $2, 'queued', $3, $4, $5)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      [id, spec.model, spec, createdBy, jobIdOf(id, 1, deploymentTag)],
    );
    if (inserted.rows[0]) return { run: toTrainingRun(inserted.rows[0]), created: true };
    const { rows: current } = await tx.query<{ submission: number }>(
      `SELECT submission FROM training_runs WHERE id = $1 AND status = ANY($2::text[]) FOR UPDATE`,
      [id, statusesBefore('queued')],
    );
    if (current[0]) {
      const submission = current[0].submission + 1;
      const { rows } = await tx.query<TrainingRunRow>(
        `UPDATE training_runs SET status = 'queued', submission = $2, job_id = $3, progress = '{}', error = NULL, result = NULL,
                cancel_requested = false, started_at = NULL, finished_at = NULL, updated_at = now(), created_by = $4
          WHERE id = $1 RETURNING *`,
        [id, submission, jobIdOf(id, submission, deploymentTag), createdBy],
      );
      return { run: toTrainingRun(rows[0]!), created: true };
    }
    return { run: await getRun(tx, id), created: false };
  });
}

/** The run, or undefined when this database has no run of that id. */
export async function findRun(db: Db, id: string): Promise<TrainingRun | undefined> {
  const { rows } = await db.query<TrainingRunRow>('SELECT * FROM training_runs WHERE id = $1', [id]);
  return rows[0] ? toTrainingRun(rows[0]) : undefined;
}

export async function getRun(db: Db, id: string): Promise<TrainingRun> {
  const run = await findRun(db, id);
  if (!run) throw new AppError('TRAINING_RUN_NOT_FOUND', `no training run ${id}`, { details: { id } });
  return run;
}

export async function listRuns(db: Db, options: { model?: string; status?: RunStatus; limit?: number } = {}): Promise<TrainingRun[]> {
  const { rows } = await db.query<TrainingRunRow>(
    `SELECT * FROM training_runs WHERE ($1::text IS NULL OR model_name = $1) AND ($2::text IS NULL OR status = $2)
      ORDER BY created_at DESC, id LIMIT $3`,
    [options.model ?? null, options.status ?? null, options.limit ?? 50],
  );
  return rows.map(toTrainingRun);
}

/**
 * Claims the run for a new attempt, numbered `attempts` in the returned run: from `queued`, or
 * from `running` when a redelivery takes over an attempt BullMQ declared stalled (that attempt
 * can then neither report progress nor finish the run). Returns undefined when the run is not
 * runnable: finished by an earlier delivery, cancelled, or not in this database.
 */
export async function startRun(db: Db, id: string): Promise<TrainingRun | undefined> {
  const { rows } = await db.query<TrainingRunRow>(
    `UPDATE training_runs SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, now()), updated_at = now()
      WHERE id = $1 AND status = ANY($2::text[]) AND NOT cancel_requested RETURNING *`,
    [id, statusesBefore('running')],
  );
  return rows[0] ? toTrainingRun(rows[0]) : undefined;
}

/** What an attempt learns each time it reports: whether it still owns the run, and whether to stop. */
export interface AttemptStanding {
  /** False once another attempt has taken the run over or the run has ended. */
  owned: boolean;
  cancelRequested: boolean;
}

/** Writes the attempt's progress; a superseded attempt writes nothing and learns it is superseded. */
export async function updateProgress(db: Db, id: string, attempt: number, progress: Record<string, unknown>): Promise<AttemptStanding> {
  const { rows } = await db.query<{ cancel_requested: boolean }>(
    `UPDATE training_runs SET progress = $3, updated_at = now() WHERE id = $1 AND attempts = $2 AND status = 'running' RETURNING cancel_requested`,
    [id, attempt, progress],
  );
  if (rows[0]) return { owned: true, cancelRequested: rows[0].cancel_requested };
  return { owned: false, cancelRequested: false };
}

/** Reads whether the attempt still owns the run and whether it was asked to stop. */
export async function attemptStanding(db: Db, id: string, attempt: number): Promise<AttemptStanding> {
  const { rows } = await db.query<{ cancel_requested: boolean; owned: boolean }>(
    `SELECT cancel_requested, (attempts = $2 AND status = 'running') AS owned FROM training_runs WHERE id = $1`,
    [id, attempt],
  );
  return { owned: rows[0]?.owned ?? false, cancelRequested: rows[0]?.cancel_requested ?? false };
}

/**
 * Ends the run as the attempt that owns it. Returns false, changing nothing, when the run is not
 * running or another attempt owns it: a stale attempt can never overwrite another's outcome.
 */
export async function finishRun(
  db: Db,
  id: string,
  attempt: number,
  status: 'succeeded' | 'failed' | 'cancelled',
  fields: { result?: Record<string, unknown>; error?: { code: string; message: string } },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE training_runs SET status = $3, result = $4, error = $5, finished_at = now(), updated_at = now()
      WHERE id = $1 AND attempts = $2 AND status = ANY($6::text[])`,
    [id, attempt, status, fields.result ?? null, fields.error ?? null, statusesBefore(status)],
  );
  return rowCount > 0;
}

/** Asks a run to stop: a queued run is cancelled at once, a running one at its next batch. */
export async function requestCancel(db: Db, id: string): Promise<TrainingRun> {
  const { rows } = await db.query<TrainingRunRow>(
    `UPDATE training_runs SET cancel_requested = true,
            status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
            finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END, updated_at = now()
      WHERE id = $1 AND status = ANY($2::text[]) RETURNING *`,
    [id, statusesBefore('cancelled')],
  );
  if (rows[0]) return toTrainingRun(rows[0]);
  return getRun(db, id);
}

/** Runs Postgres still shows as queued for longer than `olderThanMs` (a reconciler re-enqueues them). */
export async function listStaleQueued(db: Db, olderThanMs: number): Promise<TrainingRun[]> {
  const { rows } = await db.query<TrainingRunRow>(
    `SELECT * FROM training_runs WHERE status = 'queued' AND updated_at < now() - make_interval(secs => $1) ORDER BY created_at`,
    [olderThanMs / 1000],
  );
  return rows.map(toTrainingRun);
}
