/**
 * Import run store: one import_runs row per `sharpline import`, quarantined rows in
 * import_rejects. The run row is written outside the data transaction so a failure is recorded.
 */
import { type Db, AppError } from '../../core/index.ts';
import type { Reject } from '../ingest/types.ts';

export interface ImportRunRow {
  id: number;
  source: string;
  status: 'running' | 'succeeded' | 'failed';
  files: string[];
  rows_read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  prices_quarantined: number;
  unknown_teams: string[];
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
}

/** What an import run counts (games; forecasts for fivethirtyeight). */
export interface RunCounts {
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Bad prices or lines quarantined alone while their game imported. */
  pricesQuarantined: number;
  unknownTeams: string[];
}

export interface ImportRun extends RunCounts {
  id: number;
  source: string;
  status: 'running' | 'succeeded' | 'failed';
  files: string[];
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface RejectedRow {
  id: number;
  file: string;
  lineNo: number;
  raw: string;
  reasons: string[];
  /** The column of a value quarantined alone (its row imported); null when the whole row was quarantined. */
  field: string | null;
}

function toRun(r: ImportRunRow): ImportRun {
  return {
    id: Number(r.id),
    source: r.source,
    status: r.status,
    files: r.files,
    rowsRead: r.rows_read,
    inserted: r.inserted,
    updated: r.updated,
    unchanged: r.unchanged,
    rejected: r.rejected,
    pricesQuarantined: r.prices_quarantined,
    unknownTeams: r.unknown_teams,
    error: r.error,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
  };
}

const RUN_COLUMNS = 'id, source, status, files, rows_read, inserted, updated, unchanged, rejected, prices_quarantined, unknown_teams, error, started_at, finished_at';

export async function createRun(db: Db, source: string, files: string[]): Promise<number> {
  // -- start a run; $1 source, $2 files jsonb
  const { rows } = await db.query<{ id: number }>('INSERT INTO import_runs (source, files) VALUES ($1, $2::jsonb) RETURNING id', [source, JSON.stringify(files)]);
  return Number(rows[0]!.id);
}


export async function finishRun(db: Db, id: number, counts: RunCounts): Promise<void> {
  // -- close a run as succeeded; $1 id, $2..$6 counts, $7 unknown teams jsonb, $8 prices quarantined
  await db.query(
    `UPDATE import_runs SET status = 'succeeded', rows_read = $2, inserted = $3, updated = $4, unchanged = $5, rejected = $6,
       unknown_teams = $7::jsonb, prices_quarantined = $8, finished_at = now() WHERE id = $1`,
    [id, counts.rowsRead, counts.inserted, counts.updated, counts.unchanged, counts.rejected, JSON.stringify(counts.unknownTeams), counts.pricesQuarantined],
  );
}

export async function failRun(db: Db, id: number, error: string): Promise<void> {
  // -- close a run as failed; $1 id, $2 error
  await db.query(`UPDATE import_runs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, [id, error.slice(0, 2000)]);
}

/** Writes quarantined rows and values (bulk). */
export async function insertRejects(db: Db, runId: number, rejects: readonly Reject[]): Promise<void> {
  if (!rejects.length) return;
  await db.copyRows(
    'import_rejects',
    ['run_id', 'file', 'line_no', 'raw', 'reasons', 'field'],
    rejects.map((r) => [runId, r.file, r.line, r.raw, `{${r.reasons.join(',')}}`, r.field ?? null]),
  );
}

/** Most recent runs first. */
export async function listRuns(db: Db, options: { limit?: number; offset?: number; source?: string } = {}): Promise<ImportRun[]> {
  // -- runs, newest first; $1 source or null, $2 limit, $3 offset
  const { rows } = await db.query<ImportRunRow>(
    `SELECT ${RUN_COLUMNS} FROM import_runs WHERE ($1::text IS NULL OR source = $1) ORDER BY id DESC LIMIT $2 OFFSET $3`,
    [options.source ?? null, options.limit ?? 50, options.offset ?? 0],
  );
  return rows.map(toRun);
}

/** One run; throws IMPORT_RUN_NOT_FOUND. */
export async function getRun(db: Db, id: number): Promise<ImportRun> {
  const { rows } = await db.query<ImportRunRow>(`SELECT ${RUN_COLUMNS} FROM import_runs WHERE id = $1`, [id]);
  if (!rows[0]) throw new AppError('IMPORT_RUN_NOT_FOUND', `import run ${id} not found`, { details: { runId: id } });
  return toRun(rows[0]);
}

/** Quarantined rows and values of a run in file and line order; throws IMPORT_RUN_NOT_FOUND. */
export async function listRejects(db: Db, runId: number, options: { limit?: number; offset?: number } = {}): Promise<{ total: number; rows: RejectedRow[] }> {
  await getRun(db, runId);
  // -- rejects of a run; $1 run id, $2 limit, $3 offset
  const { rows } = await db.query<{ id: number; file: string; line_no: number; raw: string; reasons: string[]; field: string | null; total: number }>(
    `SELECT id, file, line_no, raw, reasons, field, count(*) OVER () AS total FROM import_rejects WHERE run_id = $1
     ORDER BY file, line_no, id LIMIT $2 OFFSET $3`,
    [runId, options.limit ?? 1000, options.offset ?? 0],
  );
  let total = rows[0] ? Number(rows[0].total) : 0;
  if (!rows.length && (options.offset ?? 0) > 0) {
    const c = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_rejects WHERE run_id = $1', [runId]);
    total = Number(c.rows[0]!.n);
  }
  return { total, rows: rows.map((r) => ({ id: Number(r.id), file: r.file, lineNo: r.line_no, raw: r.raw, reasons: r.reasons, field: r.field })) };
}
