import { randomUUID } from 'node:crypto';
import { type Db, AppError } from '../core/index.ts';

/**
 * Experiment tracking in MLflow's shape (0030_mlflow_tracking.sql): experiments, and the runs MLflow
 * clients create with their params, tags and metric history. Sharpline's own training runs stay in
 * training_runs (run-store.ts); only the tags a client sets on one are kept here, by run id.
 * Times are milliseconds since the epoch, as MLflow clients send and read them.
 */

export type TrackedRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const TRACKED_RUN_STATUSES: readonly TrackedRunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export interface Experiment {
  /** A decimal string, as MLflow names experiments ("0" is the default experiment). */
  id: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  tags: Record<string, string>;
  creationTime: number;
  lastUpdateTime: number;
}

export interface MetricPoint {
  key: string;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
}

/** A run an MLflow client created (runs/create), with its latest value of each metric. */
export interface TrackedRun {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: TrackedRunStatus;
  startTime: number;
  endTime: number | null;
  lifecycleStage: 'active' | 'deleted';
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: MetricPoint[];
}

interface ExperimentRow {
  experiment_id: string | number;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  tags: Record<string, string>;
  created_at: Date | string;
  updated_at: Date | string;
}

interface TrackedRunRow {
  run_id: string;
  experiment_id: string | number;
  run_name: string;
  user_id: string;
  status: TrackedRunStatus;
  start_time: string | number;
  end_time: string | number | null;
  lifecycle_stage: 'active' | 'deleted';
}

interface KeyValueRow {
  run_id: string;
  key: string;
  value: string;
}

interface MetricRow {
  run_id: string;
  key: string;
  value: number;
  timestamp: string | number;
  step: string | number;
}

const ms = (d: Date | string) => new Date(d).getTime();

function toExperiment(row: ExperimentRow): Experiment {
  return {
    id: String(row.experiment_id),
    name: row.name,
    artifactLocation: row.artifact_location,
    lifecycleStage: row.lifecycle_stage,
    tags: row.tags ?? {},
    creationTime: ms(row.created_at),
    lastUpdateTime: ms(row.updated_at),
  };
}

const toPoint = (row: MetricRow): MetricPoint => ({ key: row.key, value: Number(row.value), timestamp: Number(row.timestamp), step: Number(row.step) });

/** Experiment ids are decimal strings; anything else names no experiment (and must not reach a bigint cast). */
function experimentKey(id: string): string | null {
  return /^\d{1,18}$/.test(id) ? id : null;
}

function experimentNotFound(id: string): AppError {
  return new AppError('TRACKING_EXPERIMENT_NOT_FOUND', `No Experiment with id=${id} exists`, { details: { experimentId: id } });
}

/**
 * Gives every model name training or the registry knows its experiment (named as the model,
 * tagged `sharpline.model`), so a model's runs have an experiment id before any client asks.
 * Only missing names are inserted: the identity counter is not spent on names that exist.
 */
export async function ensureModelExperiments(db: Db): Promise<void> {
  await db.query(
    `INSERT INTO mlflow_experiments (name, tags)
     SELECT n.name, jsonb_build_object('sharpline.model', n.name)
       FROM (SELECT model_name AS name FROM training_runs UNION SELECT name FROM registered_models) n
      WHERE NOT EXISTS (SELECT 1 FROM mlflow_experiments e WHERE e.name = n.name)
     ON CONFLICT (name) DO NOTHING`,
  );
}

/**
 * Creates an experiment. @throws TRACKING_EXPERIMENT_EXISTS when the name is taken (a Sharpline
 * model's name included: its experiment exists already), VALIDATION_FAILED for an empty name.
 */
export async function createExperiment(db: Db, input: { name: string; artifactLocation?: string; tags?: Record<string, string> }): Promise<Experiment> {
  const name = input.name.trim();
  if (!name || name.length > 500) throw new AppError('VALIDATION_FAILED', 'experiment name must be 1..500 characters', { details: { name: input.name } });
  await ensureModelExperiments(db);
  const { rows } = await db.query<ExperimentRow>(
    `INSERT INTO mlflow_experiments (name, artifact_location, tags) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING *`,
    [name, input.artifactLocation ?? '', input.tags ?? {}],
  );
  if (!rows[0]) throw new AppError('TRACKING_EXPERIMENT_EXISTS', `Experiment '${name}' already exists.`, { details: { name } });
  return toExperiment(rows[0]);
}

/** @throws TRACKING_EXPERIMENT_NOT_FOUND */
export async function getExperiment(db: Db, id: string): Promise<Experiment> {
  const key = experimentKey(id);
  await ensureModelExperiments(db);
  const { rows } = key === null ? { rows: [] } : await db.query<ExperimentRow>('SELECT * FROM mlflow_experiments WHERE experiment_id = $1', [key]);
  if (!rows[0]) throw experimentNotFound(id);
  return toExperiment(rows[0]);
}

/** @throws TRACKING_EXPERIMENT_NOT_FOUND */
export async function getExperimentByName(db: Db, name: string): Promise<Experiment> {
  await ensureModelExperiments(db);
  const { rows } = await db.query<ExperimentRow>('SELECT * FROM mlflow_experiments WHERE name = $1', [name]);
  if (!rows[0]) throw new AppError('TRACKING_EXPERIMENT_NOT_FOUND', `Could not find experiment with name '${name}'`, { details: { name } });
  return toExperiment(rows[0]);
}

/** Every experiment (the model ones included), by id. */
export async function listExperiments(db: Db): Promise<Experiment[]> {
  await ensureModelExperiments(db);
  const { rows } = await db.query<ExperimentRow>('SELECT * FROM mlflow_experiments ORDER BY experiment_id');
  return rows.map(toExperiment);
}

async function runsOf(db: Db, rows: TrackedRunRow[]): Promise<TrackedRun[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.run_id);
  const [params, tags, metrics] = await Promise.all([
    db.query<KeyValueRow>('SELECT run_id, key, value FROM mlflow_run_params WHERE run_id = ANY($1::text[]) ORDER BY key', [ids]),
    db.query<KeyValueRow>('SELECT run_id, key, value FROM mlflow_run_tags WHERE run_id = ANY($1::text[]) ORDER BY key', [ids]),
    // MLflow's latest value of a metric: the highest step, then timestamp, then value.
    db.query<MetricRow>(
      `SELECT DISTINCT ON (run_id, key) run_id, key, value, timestamp, step FROM mlflow_run_metrics
        WHERE run_id = ANY($1::text[]) ORDER BY run_id, key, step DESC, timestamp DESC, value DESC`,
      [ids],
    ),
  ]);
  return rows.map((row) => ({
    runId: row.run_id,
    experimentId: String(row.experiment_id),
    runName: row.run_name,
    userId: row.user_id,
    status: row.status,
    startTime: Number(row.start_time),
    endTime: row.end_time === null ? null : Number(row.end_time),
    lifecycleStage: row.lifecycle_stage,
    params: Object.fromEntries(params.rows.filter((p) => p.run_id === row.run_id).map((p) => [p.key, p.value])),
    tags: Object.fromEntries(tags.rows.filter((t) => t.run_id === row.run_id).map((t) => [t.key, t.value])),
    metrics: metrics.rows.filter((m) => m.run_id === row.run_id).map(toPoint),
  }));
}

export interface CreateTrackedRunInput {
  experimentId: string;
  runName?: string;
  userId?: string;
  startTime?: number;
  tags?: Record<string, string>;
}

/** Starts a client run (RUNNING) in an experiment. @throws TRACKING_EXPERIMENT_NOT_FOUND */
export async function createTrackedRun(db: Db, input: CreateTrackedRunInput): Promise<TrackedRun> {
  const experiment = await getExperiment(db, input.experimentId);
  const runId = randomUUID().replaceAll('-', '');
  const runName = input.runName || input.tags?.['mlflow.runName'] || `run-${runId.slice(0, 8)}`;
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO mlflow_runs (run_id, experiment_id, run_name, user_id, start_time) VALUES ($1, $2, $3, $4, $5)`,
      [runId, experiment.id, runName, input.userId ?? '', input.startTime ?? Date.now()],
    );
    await upsertTags(tx, runId, { ...input.tags, 'mlflow.runName': runName });
  });
  return getTrackedRun(db, runId);
}

/** The client run, or undefined when no client created one of that id. */
export async function findTrackedRun(db: Db, runId: string): Promise<TrackedRun | undefined> {
  const { rows } = await db.query<TrackedRunRow>('SELECT * FROM mlflow_runs WHERE run_id = $1', [runId]);
  return (await runsOf(db, rows))[0];
}

/** @throws TRACKING_RUN_NOT_FOUND */
export async function getTrackedRun(db: Db, runId: string): Promise<TrackedRun> {
  const run = await findTrackedRun(db, runId);
  if (!run) throw new AppError('TRACKING_RUN_NOT_FOUND', `Run '${runId}' not found`, { details: { runId } });
  return run;
}

/** The client runs of these experiments (all of them, for search to filter and page). */
export async function listTrackedRuns(db: Db, experimentIds: readonly string[]): Promise<TrackedRun[]> {
  const keys = experimentIds.map(experimentKey).filter((k): k is string => k !== null);
  if (keys.length === 0) return [];
  const { rows } = await db.query<TrackedRunRow>('SELECT * FROM mlflow_runs WHERE experiment_id = ANY($1::bigint[]) ORDER BY start_time DESC, run_id', [keys]);
  return runsOf(db, rows);
}

/** Sets the status, end time and name of a client run. @throws TRACKING_RUN_NOT_FOUND */
export async function updateTrackedRun(db: Db, runId: string, input: { status?: TrackedRunStatus; endTime?: number; runName?: string }): Promise<TrackedRun> {
  const { rowCount } = await db.transaction(async (tx) => {
    const updated = await tx.query(
      `UPDATE mlflow_runs SET status = COALESCE($2, status), end_time = COALESCE($3, end_time), run_name = COALESCE($4, run_name) WHERE run_id = $1`,
      [runId, input.status ?? null, input.endTime ?? null, input.runName || null],
    );
    if (updated.rowCount > 0 && input.runName) await upsertTags(tx, runId, { 'mlflow.runName': input.runName });
    return updated;
  });
  if (rowCount === 0) await getTrackedRun(db, runId);
  return getTrackedRun(db, runId);
}

/** Marks a client run deleted or active again (MLflow's runs/delete, runs/restore). @throws TRACKING_RUN_NOT_FOUND */
export async function setTrackedRunLifecycle(db: Db, runId: string, stage: 'active' | 'deleted'): Promise<TrackedRun> {
  const { rowCount } = await db.query('UPDATE mlflow_runs SET lifecycle_stage = $2 WHERE run_id = $1', [runId, stage]);
  if (rowCount === 0) throw new AppError('TRACKING_RUN_NOT_FOUND', `Run '${runId}' not found`, { details: { runId } });
  return getTrackedRun(db, runId);
}

async function upsertTags(db: Db, runId: string, tags: Record<string, string>): Promise<void> {
  const entries = Object.entries(tags);
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO mlflow_run_tags (run_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
     ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value`,
    [runId, entries.map(([k]) => k), entries.map(([, v]) => v)],
  );
}

export interface RunBatch {
  metrics?: readonly MetricPoint[];
  params?: Readonly<Record<string, string>>;
  tags?: Readonly<Record<string, string>>;
}

/**
 * Logs metrics, params and tags to a client run in one transaction (MLflow's log-batch; the single
 * log-metric, log-parameter and set-tag calls are batches of one). A param logged again with
 * the same value is accepted; with another value nothing is written.
 * @throws TRACKING_RUN_NOT_FOUND, TRACKING_PARAM_IMMUTABLE
 */
export async function logRunBatch(db: Db, runId: string, batch: RunBatch): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ run_id: string }>('SELECT run_id FROM mlflow_runs WHERE run_id = $1 FOR UPDATE', [runId]);
    if (!rows[0]) throw new AppError('TRACKING_RUN_NOT_FOUND', `Run '${runId}' not found`, { details: { runId } });
    const params = Object.entries(batch.params ?? {});
    if (params.length) {
      const { rows: logged } = await tx.query<KeyValueRow>('SELECT run_id, key, value FROM mlflow_run_params WHERE run_id = $1 AND key = ANY($2::text[])', [runId, params.map(([k]) => k)]);
      const changed = logged.filter((p) => batch.params![p.key] !== p.value);
      if (changed.length) {
        const c = changed[0]!;
        throw new AppError('TRACKING_PARAM_IMMUTABLE', `Changing param values is not allowed. Param with key='${c.key}' was already logged with value='${c.value}' for run ID='${runId}'. Attempted logging new value '${batch.params![c.key]}'.`, {
          details: { runId, key: c.key, logged: c.value, attempted: batch.params![c.key] },
        });
      }
      await tx.query(
        `INSERT INTO mlflow_run_params (run_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v) ON CONFLICT DO NOTHING`,
        [runId, params.map(([k]) => k), params.map(([, v]) => v)],
      );
    }
    const metrics = batch.metrics ?? [];
    if (metrics.length) {
      await tx.query(
        `INSERT INTO mlflow_run_metrics (run_id, key, value, timestamp, step)
         SELECT $1, k, v, ts, s FROM unnest($2::text[], $3::float8[], $4::bigint[], $5::bigint[]) WITH ORDINALITY AS t(k, v, ts, s, n) ORDER BY n`,
        [runId, metrics.map((m) => m.key), metrics.map((m) => m.value), metrics.map((m) => m.timestamp), metrics.map((m) => m.step)],
      );
    }
    await upsertTags(tx, runId, { ...batch.tags });
  });
}

/** Sets tags on any run id (a Sharpline training run's included: the caller checks it exists). */
export async function setRunTags(db: Db, runId: string, tags: Record<string, string>): Promise<void> {
  await upsertTags(db, runId, tags);
}

/** Removes a tag; false when the run had no such tag. */
export async function deleteRunTag(db: Db, runId: string, key: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM mlflow_run_tags WHERE run_id = $1 AND key = $2', [runId, key]);
  return rowCount > 0;
}

/** Tags clients set on these run ids (Sharpline training runs' ids), by run id. */
export async function tagsOfRuns(db: Db, runIds: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  if (runIds.length === 0) return out;
  const { rows } = await db.query<KeyValueRow>('SELECT run_id, key, value FROM mlflow_run_tags WHERE run_id = ANY($1::text[]) ORDER BY key', [[...runIds]]);
  for (const row of rows) out.set(row.run_id, { ...out.get(row.run_id), [row.key]: row.value });
  return out;
}

/** Every value logged for one metric of a client run, in the order logged. */
export async function metricHistory(db: Db, runId: string, key: string): Promise<MetricPoint[]> {
  const { rows } = await db.query<MetricRow>('SELECT run_id, key, value, timestamp, step FROM mlflow_run_metrics WHERE run_id = $1 AND key = $2 ORDER BY id', [runId, key]);
  return rows.map(toPoint);
}
