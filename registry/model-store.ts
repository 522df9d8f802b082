import { type Db, AppError } from '../core/index.ts';
import { assertModelName, isVersionNumber, parseVersionRef } from './names.ts';
import { SQL } from './queries.ts';
import { toModelVersion, toRegisteredModel, type ModelVersionRow, type RegisteredModelRow } from './rows.ts';
import { type CreateVersionInput, type CreateVersionResult, type ModelVersion, type ReadyInput, type RegisteredModel, type VersionRef, type VersionStatus, VERSION_STATUSES } from './types.ts';

function json(value: unknown): string {
  return JSON.stringify(value ?? {});
}

function assertClasses(classes: readonly string[]): void {
  if (classes.length === 0 || new Set(classes).size !== classes.length || classes.some((c) => typeof c !== 'string' || c.length === 0)) {
    throw new AppError('VALIDATION_FAILED', 'classes must be a non-empty list of distinct names', { details: { classes } });
  }
}

/**
 * Registers a new PENDING version of `input.model`, creating the model on first use.
 *
 * Idempotent on `(model, runId)`: when the run already registered a version it is returned
 * (`created: false`); a FAILED one is reopened (back to PENDING with its artifacts, predictions and
 * results removed) so a retried job reuses its number. Version numbers come from the model row's
 * counter, bumped while that row is locked, so concurrent registrations get 1..n with no gaps.
 * Throws VALIDATION_FAILED for a bad model name, run id or class list.
 */
export async function createVersion(db: Db, input: CreateVersionInput): Promise<CreateVersionResult> {
  assertModelName(input.model);
  if (!input.runId || input.runId.length > 200) {
    throw new AppError('VALIDATION_FAILED', 'runId must be 1..200 characters', { details: { runId: input.runId } });
  }
  assertClasses(input.classes);
  const lineage = json(input.lineage);
  return db.transaction(async (tx) => {
    // The row lock serialises registrations of this model: the run-id check below and the counter
    // bump cannot interleave with another transaction's, so neither duplicates nor gaps can occur.
    let { rows: locked } = await tx.query<{ id: number }>(SQL.lockModel, [input.model]);
    if (!locked[0]) {
      // First version: a concurrent creator makes this INSERT wait, then do nothing; the lock follows.
      await tx.query(SQL.insertModelIfMissing, [input.model, input.description ?? '']);
      ({ rows: locked } = await tx.query<{ id: number }>(SQL.lockModel, [input.model]));
    }
    const modelId = Number(locked[0]!.id);
    const { rows: existing } = await tx.query<{ id: number; status: VersionStatus }>(SQL.selectVersionByRun, [modelId, input.runId]);
    if (existing[0]) {
      const id = Number(existing[0].id);
      let reopened = false;
      if (existing[0].status === 'FAILED') {
        await tx.query(SQL.deleteVersionArtifacts, [id]);
        await tx.query(SQL.deleteVersionPredictions, [id]);
        await tx.query(SQL.reopenVersion, [id, [...input.classes], lineage]);
        reopened = true;
      }
      return { version: await versionById(tx, id), created: false, reopened };
    }
    const { rows: allocated } = await tx.query<{ last_version: number }>(SQL.allocateVersion, [modelId]);
    const number = Number(allocated[0]!.last_version);
    const { rows: inserted } = await tx.query<{ id: number }>(SQL.insertVersion, [modelId, number, input.runId, [...input.classes], lineage]);
    return { version: await versionById(tx, Number(inserted[0]!.id)), created: true, reopened: false };
  });
}

/**
 * PENDING -> READY, storing the results. Throws MODEL_VERSION_NOT_FOUND, or CONFLICT when the
 * version is not PENDING (READY versions are immutable; a FAILED one must be reopened first).
 */
export async function markReady(db: Db, versionId: number, input: ReadyInput = {}): Promise<ModelVersion> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query(SQL.markReady, [versionId, json(input.metrics), json(input.evaluation), json(input.timings)]);
    const version = await versionById(tx, versionId);
    if (rowCount === 0) throw notPending(version, 'mark READY');
    return version;
  });
}

/**
 * PENDING -> FAILED with a reason (idempotent on FAILED). `timings`, when given, replaces the
 * stored ones. Throws MODEL_VERSION_NOT_FOUND, or CONFLICT for a READY version.
 */
export async function markFailed(db: Db, versionId: number, message: string, timings?: Record<string, number>): Promise<ModelVersion> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query(SQL.markFailed, [versionId, message, timings ? json(timings) : null]);
    const version = await versionById(tx, versionId);
    if (rowCount === 0) throw notPending(version, 'mark FAILED');
    return version;
  });
}

function notPending(version: ModelVersion, action: string): AppError {
  return new AppError('CONFLICT', `cannot ${action}: ${version.model} version ${version.version} is ${version.status}`, {
    details: { model: version.model, version: version.version, status: version.status },
  });
}

/** One model with its aliases. Throws MODEL_NOT_FOUND. */
export async function getModel(db: Db, name: string): Promise<RegisteredModel> {
  const { rows } = await db.query<RegisteredModelRow>(SQL.selectModel, [name]);
  if (!rows[0]) throw modelNotFound(name);
  return toRegisteredModel(rows[0]);
}

/**
 * Registers a model with no versions yet (MLflow's registered-models/create); training adds them.
 * @throws VALIDATION_FAILED for a name outside MODEL_NAME_PATTERN, MODEL_EXISTS when it is taken
 */
export async function createModel(db: Db, name: string, description = ''): Promise<RegisteredModel> {
  assertModelName(name);
  const { rows } = await db.query<{ id: number }>(SQL.insertModel, [name, description]);
  if (!rows[0]) throw new AppError('MODEL_EXISTS', `Registered Model (name=${name}) already exists.`, { details: { model: name } });
  return getModel(db, name);
}

/** Every registered model, by name. */
export async function listModels(db: Db): Promise<RegisteredModel[]> {
  const { rows } = await db.query<RegisteredModelRow>(SQL.selectModels);
  return rows.map(toRegisteredModel);
}

export interface ListVersionsOptions {
  status?: VersionStatus;
  limit?: number;
}

/** A model's versions, newest first. Throws MODEL_NOT_FOUND, VALIDATION_FAILED for an unknown status. */
export async function listVersions(db: Db, model: string, options: ListVersionsOptions = {}): Promise<ModelVersion[]> {
  if (options.status !== undefined && !VERSION_STATUSES.includes(options.status)) {
    throw new AppError('VALIDATION_FAILED', `status must be one of ${VERSION_STATUSES.join(', ')}`, { details: { status: options.status } });
  }
  const modelId = await modelIdOf(db, model);
  const { rows } = await db.query<ModelVersionRow>(SQL.selectVersions, [modelId, options.status ?? null, options.limit ?? null]);
  return rows.map(toModelVersion);
}

/**
 * One version by number, by alias, or `'latest'` (the highest READY version). A string of digits
 * is read as a number. Throws MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND or MODEL_ALIAS_NOT_FOUND.
 */
export async function getVersion(db: Db, model: string, ref: VersionRef): Promise<ModelVersion> {
  const parsed = typeof ref === 'string' ? parseVersionRef(ref) : ref;
  if (typeof parsed === 'number') {
    // Out-of-range numbers cannot exist; asking Postgres would fail on the integer cast instead.
    const { rows } = isVersionNumber(parsed) ? await db.query<ModelVersionRow>(SQL.selectVersion, [model, parsed]) : { rows: [] };
    if (rows[0]) return toModelVersion(rows[0]);
    await modelIdOf(db, model);
    throw new AppError('MODEL_VERSION_NOT_FOUND', `model ${model} has no version ${parsed}`, { details: { model, version: parsed } });
  }
  if (parsed === 'latest') {
    const { rows } = await db.query<ModelVersionRow>(SQL.selectLatestReady, [model]);
    if (rows[0]) return toModelVersion(rows[0]);
    await modelIdOf(db, model);
    throw new AppError('MODEL_VERSION_NOT_FOUND', `model ${model} has no READY version`, { details: { model, version: 'latest' } });
  }
  const { rows: aliasRows } = await db.query<{ version: number }>(SQL.selectAlias, [model, parsed]);
  if (!aliasRows[0]) {
    await modelIdOf(db, model);
    throw new AppError('MODEL_ALIAS_NOT_FOUND', `model ${model} has no alias ${parsed}`, { details: { model, alias: parsed } });
  }
  return getVersion(db, model, Number(aliasRows[0].version));
}

/** One version by its internal id. Throws MODEL_VERSION_NOT_FOUND. */
export async function getVersionById(db: Db, versionId: number): Promise<ModelVersion> {
  return versionById(db, versionId);
}

async function versionById(db: Db, id: number): Promise<ModelVersion> {
  const { rows } = await db.query<ModelVersionRow>(SQL.selectVersionById, [id]);
  if (!rows[0]) throw new AppError('MODEL_VERSION_NOT_FOUND', `no model version with id ${id}`, { details: { versionId: id } });
  return toModelVersion(rows[0]);
}

export async function modelIdOf(db: Db, model: string): Promise<number> {
  const { rows } = await db.query<{ id: number }>(SQL.selectModelId, [model]);
  if (!rows[0]) throw modelNotFound(model);
  return Number(rows[0].id);
}

export function modelNotFound(model: string): AppError {
  return new AppError('MODEL_NOT_FOUND', `no registered model ${model}`, { details: { model } });
}
