import { type Db, AppError } from '../core/index.ts';
import { modelNotFound, modelIdOf } from './model-store.ts';
import { assertAliasName, isVersionNumber } from './names.ts';
import { SQL } from './queries.ts';
import { toAliasEvent, toModelAlias, type ModelAliasEventRow, type ModelAliasRow, type ModelVersionRow } from './rows.ts';
import type { AliasEvent, ModelAlias, SetAliasResult } from './types.ts';

function assertActor(actor: string): void {
  if (!actor || actor.length > 200) throw new AppError('VALIDATION_FAILED', 'actor must be 1..200 characters', { details: { actor } });
}

async function lockModelId(tx: Db, model: string): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(SQL.lockModel, [model]);
  if (!rows[0]) throw modelNotFound(model);
  return Number(rows[0].id);
}

/**
 * Points `alias` of `model` at `version` and writes the audit row in the same transaction.
 * Moves of one model's aliases are serialised on the model row, so the audited `from` is exact.
 * Setting an alias to where it already points changes nothing and writes no audit row.
 * Throws MODEL_ALIAS_INVALID (bad or reserved name), MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND,
 * MODEL_VERSION_NOT_READY (only READY versions can carry an alias).
 */
export async function setAlias(db: Db, model: string, alias: string, version: number, actor: string): Promise<SetAliasResult> {
  assertAliasName(alias);
  assertActor(actor);
  if (!isVersionNumber(version)) {
    throw new AppError('VALIDATION_FAILED', 'version must be a positive whole number', { details: { version } });
  }
  return db.transaction(async (tx) => {
    const modelId = await lockModelId(tx, model);
    const { rows: versions } = await tx.query<Pick<ModelVersionRow, 'status'>>(SQL.selectStatusByNumber, [modelId, version]);
    if (!versions[0]) throw new AppError('MODEL_VERSION_NOT_FOUND', `model ${model} has no version ${version}`, { details: { model, version } });
    if (versions[0].status !== 'READY') {
      throw new AppError('MODEL_VERSION_NOT_READY', `model ${model} version ${version} is ${versions[0].status}; only READY versions can carry an alias`, {
        details: { model, version, status: versions[0].status },
      });
    }
    const { rows: current } = await tx.query<ModelAliasRow>(SQL.selectAlias, [model, alias]);
    const previousVersion = current[0] ? Number(current[0].version) : null;
    if (previousVersion === version) return { alias: toModelAlias(current[0]!), previousVersion, changed: false };
    await tx.query(SQL.upsertAlias, [modelId, alias, version, actor]);
    await tx.query(SQL.insertAliasEvent, [modelId, alias, previousVersion, version, actor]);
    await tx.query(SQL.touchModel, [modelId]);
    const { rows } = await tx.query<ModelAliasRow>(SQL.selectAlias, [model, alias]);
    return { alias: toModelAlias(rows[0]!), previousVersion, changed: true };
  });
}

/**
 * Removes an alias and audits it (`toVersion` null). Returns the version it pointed at.
 * Throws MODEL_NOT_FOUND or MODEL_ALIAS_NOT_FOUND.
 */
export async function deleteAlias(db: Db, model: string, alias: string, actor: string): Promise<{ previousVersion: number }> {
  assertActor(actor);
  return db.transaction(async (tx) => {
    const modelId = await lockModelId(tx, model);
    const { rows } = await tx.query<{ version: number }>(SQL.deleteAlias, [modelId, alias]);
    if (!rows[0]) throw new AppError('MODEL_ALIAS_NOT_FOUND', `model ${model} has no alias ${alias}`, { details: { model, alias } });
    const previousVersion = Number(rows[0].version);
    await tx.query(SQL.insertAliasEvent, [modelId, alias, previousVersion, null, actor]);
    await tx.query(SQL.touchModel, [modelId]);
    return { previousVersion };
  });
}

/** The version an alias points at. Throws MODEL_NOT_FOUND or MODEL_ALIAS_NOT_FOUND. */
export async function resolveAlias(db: Db, model: string, alias: string): Promise<number> {
  const { rows } = await db.query<ModelAliasRow>(SQL.selectAlias, [model, alias]);
  if (rows[0]) return Number(rows[0].version);
  await modelIdOf(db, model);
  throw new AppError('MODEL_ALIAS_NOT_FOUND', `model ${model} has no alias ${alias}`, { details: { model, alias } });
}

/** A model's aliases by name. Throws MODEL_NOT_FOUND. */
export async function listAliases(db: Db, model: string): Promise<ModelAlias[]> {
  const { rows } = await db.query<ModelAliasRow>(SQL.selectAliases, [model]);
  if (rows.length === 0) await modelIdOf(db, model);
  return rows.map(toModelAlias);
}

export interface ListAliasEventsOptions {
  alias?: string;
  limit?: number;
}

/** A model's alias moves, newest first (optionally one alias). Throws MODEL_NOT_FOUND. */
export async function listAliasEvents(db: Db, model: string, options: ListAliasEventsOptions = {}): Promise<AliasEvent[]> {
  const modelId = await modelIdOf(db, model);
  const { rows } = await db.query<ModelAliasEventRow>(SQL.selectAliasEvents, [modelId, options.alias ?? null, options.limit ?? null]);
  return rows.map(toAliasEvent);
}

/**
 * An opaque stamp that changes whenever any alias of any model moves. Model servers poll it
 * (one index-only aggregate over the small audit table) and reload aliases only when it differs.
 * Both the row count and the max id are in it: an id allocated earlier but committed later still
 * changes the count, so no move is missed.
 */
export async function aliasVersionStamp(db: Db): Promise<string> {
  const { rows } = await db.query<{ n: number; last_id: number }>(SQL.aliasStamp);
  return `${Number(rows[0]!.n)}:${Number(rows[0]!.last_id)}`;
}
