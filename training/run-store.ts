import type { Db } from '../src/shared/db.ts';
import { AppError } from '../src/shared/errors.ts';
import type { TrainingSpec } from './spec.ts';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface TrainingRunRow {
  id: string;
  model_name: string;
  status: RunStatus;
  spec: TrainingSpec;
  progress: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  submission: number;
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

export function jobIdOf(runId: string, submission: number): string {
  return submission === 1 ? runId : `${runId}-s${submission}`;
}

export function toTrainingRun(row: TrainingRunRow): TrainingRun {
  const end = row.finished_at ? new Date(row.finished_at).getTime() : Date.now();
  return {
    id: row.id,
    jobId: jobIdOf(row.id, row.submission),
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
export async function upsertRun(db: Db, id: string, spec: TrainingSpec, createdBy: string): Promise<{ run: TrainingRun; created: boolean }> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query<TrainingRunRow>(
      `INSERT INTO training_runs (id, model_name, status, spec, created_by) VALUES ($1, $2, 'queued', $3, $4)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      [id, spec.model, spec, createdBy],
    );
    if (inserted.rows[0]) return { run: toTrainingRun(inserted.rows[0]), created: true };
    const again = await tx.query<TrainingRunRow>(
      `UPDATE training_runs SET status = 'queued', submission = submission + 1, progress = '{}', error = NULL, result = NULL,
              cancel_requested = false, started_at = NULL, finished_at = NULL, updated_at = now(), created_by = $2
        WHERE id = $1 AND status IN ('failed', 'cancelled') RETURNING *`,
      [id, createdBy],
    );
    if (again.rows[0]) return { run: toTrainingRun(again.rows[0]), created: true };
    return { run: await getRun(tx, id), created: false };
  });
}

export async function getRun(db: Db, id: string): Promise<TrainingRun> {
  const { rows } = await db.query<TrainingRunRow>('SELECT * FROM training_runs WHERE id = $1', [id]);
  if (!rows[0]) throw new AppError('TRAINING_RUN_NOT_FOUND', `no training run ${id}`, { details: { id } });
  return toTrainingRun(rows[0]);
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
 * Claims a queued run for this attempt. Returns undefined when the run is not runnable
 * (cancelled, or already finished by an earlier delivery of the same job).
 */
export async function startRun(db: Db, id: string): Promise<TrainingRun | undefined> {
  const { rows } = await db.query<TrainingRunRow>(
    `UPDATE training_runs SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, now()), updated_at = now()
      WHERE id = $1 AND status IN ('queued', 'running') AND NOT cancel_requested RETURNING *`,
    [id],
  );
  return rows[0] ? toTrainingRun(rows[0]) : undefined;
}

export async function updateProgress(db: Db, id: string, progress: Record<string, unknown>): Promise<{ cancelRequested: boolean }> {
  const { rows } = await db.query<{ cancel_requested: boolean }>(
    'UPDATE training_runs SET progress = $2, updated_at = now() WHERE id = $1 RETURNING cancel_requested',
    [id, progress],
  );
  return { cancelRequested: rows[0]?.cancel_requested ?? false };
}

export async function isCancelRequested(db: Db, id: string): Promise<boolean> {
  const { rows } = await db.query<{ cancel_requested: boolean }>('SELECT cancel_requested FROM training_runs WHERE id = $1', [id]);
  return rows[0]?.cancel_requested ?? false;
}

export async function finishRun(
  db: Db,
  id: string,
  status: 'succeeded' | 'failed' | 'cancelled',
  fields: { result?: Record<string, unknown>; error?: { code: string; message: string } },
): Promise<void> {
  await db.query(
    `UPDATE training_runs SET status = $2, result = $3, error = $4, finished_at = now(), updated_at = now() WHERE id = $1`,
    [id, status, fields.result ?? null, fields.error ?? null],
  );
}

/** Asks a run to stop: a queued run is cancelled at once, a running one at its next batch. */
export async function requestCancel(db: Db, id: string): Promise<TrainingRun> {
  const { rows } = await db.query<TrainingRunRow>(
    `UPDATE training_runs SET cancel_requested = true,
            status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
            finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END, updated_at = now()
      WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
    [id],
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
