/**
 * Saved queries and saved charts: a query document (spec.ts) under a name its owner chose, with a
 * chart's settings when it is a chart, and a random share id that is its link. Names and
 * descriptions are free text and travel as bound parameters; the share id, chart type and column
 * names are checked against patterns and closed lists before any statement exists.
 */
import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError, loadSql, type Db } from '../../core/index.ts';
import { QuerySpecSchema, parseQuerySpec, type QuerySpec } from './spec.ts';

export const CHART_TYPES = ['line', 'bar', 'scatter', 'calibration'] as const;
export type ChartType = (typeof CHART_TYPES)[number];

/** A share id: 16 characters of base64url (96 random bits). */
export const SHARE_ID_PATTERN = '^[A-Za-z0-9_-]{16}$';
export const ShareIdSchema = Type.String({ pattern: SHARE_ID_PATTERN, description: 'the share id of a saved query or chart (its link)' });

// A result column's name (group or measure names are fixed by the builder: season, winRate, mean_marketProb).
const ColumnName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,39}$' });
// Free text without control characters (Postgres text refuses NUL) and not blank.
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\x00-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f][^\\x00-\\x1f\\x7f]*$', description: "the owner's name for it (unique per key)" });

export const ChartSettingsSchema = Type.Object({
  type: Type.Union(CHART_TYPES.map((t) => Type.Literal(t)) as never as [ReturnType<typeof Type.Literal<ChartType>>], { description: 'line, bar, scatter or calibration (predicted probability against observed rate)' }),
  x: ColumnName,
  y: Type.Array(ColumnName, { minItems: 1, maxItems: 8, uniqueItems: true, description: 'the measures drawn against x' }),
  series: Type.Optional(ColumnName),
}, { additionalProperties: false, description: "a saved chart's settings: result columns by name" });

export const SavedQueryInputSchema = Type.Object({
  name: Name,
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  spec: QuerySpecSchema,
  chart: Type.Optional(Type.Union([ChartSettingsSchema, Type.Null()], { description: 'present: a saved chart; absent or null: a saved query' })),
}, { additionalProperties: false });

export type ChartSettings = Static<typeof ChartSettingsSchema>;
export type SavedQueryInput = Static<typeof SavedQueryInputSchema>;

export interface SavedQuery {
  shareId: string;
  owner: string;
  name: string;
  description: string | null;
  spec: QuerySpec;
  chart: ChartSettings | null;
  createdAt: string;
  updatedAt: string;
}

interface SavedQueryRow {
  share_id: string;
  owner: string;
  name: string;
  description: string | null;
  spec: QuerySpec | string;
  chart: ChartSettings | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const INSERT = loadSql(import.meta.url, './sql/saved-insert.sql');
const BY_SHARE_ID = loadSql(import.meta.url, './sql/saved-by-share-id.sql');
const BY_OWNER = loadSql(import.meta.url, './sql/saved-by-owner.sql');
const UPDATE = loadSql(import.meta.url, './sql/saved-update.sql');
const DELETE = loadSql(import.meta.url, './sql/saved-delete.sql');

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function toSaved(row: SavedQueryRow): SavedQuery {
  return {
    shareId: row.share_id,
    owner: row.owner,
    name: row.name,
    description: row.description,
    spec: json(row.spec),
    chart: row.chart === null ? null : json(row.chart),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Checks an untyped save request (the CLI's and the service's guard): QUERY_INVALID naming the first problem. */
export function parseSavedQueryInput(input: unknown): SavedQueryInput {
  if (input !== null && typeof input === 'object' && 'spec' in input) parseQuerySpec((input as { spec: unknown }).spec);
  if (Value.Check(SavedQueryInputSchema, input)) return input;
  const first = [...Value.Errors(SavedQueryInputSchema, input)][0];
  throw new AppError('QUERY_INVALID', `saved query ${first ? `${first.path || '/'}: ${first.message}` : 'is invalid'}`, { details: { path: first?.path ?? '', problem: first?.message ?? '' } });
}

/** Checks a share id before it reaches a statement: SAVED_QUERY_NOT_FOUND for anything not shaped like one. */
export function parseShareId(input: unknown): string {
  if (typeof input === 'string' && new RegExp(SHARE_ID_PATTERN).test(input)) return input;
  throw new AppError('SAVED_QUERY_NOT_FOUND', 'no saved query or chart has that share id', { details: { shareId: String(input).slice(0, 100) } });
}

export function newShareId(): string {
  return randomBytes(12).toString('base64url');
}

/** Saves under a fresh share id. @throws SAVED_QUERY_NAME_TAKEN when the owner already has that name. */
export async function insertSavedQuery(db: Db, owner: string, input: SavedQueryInput): Promise<SavedQuery> {
  const { rows } = await db.query<SavedQueryRow>(INSERT, [newShareId(), owner, input.name, input.description ?? null, JSON.stringify(input.spec), input.chart ? JSON.stringify(input.chart) : null]);
  if (!rows[0]) throw new AppError('SAVED_QUERY_NAME_TAKEN', `you already saved one named ${JSON.stringify(input.name)}`, { details: { name: input.name } });
  return toSaved(rows[0]);
}

/** @throws SAVED_QUERY_NOT_FOUND */
export async function getSavedQuery(db: Db, shareId: string): Promise<SavedQuery> {
  const { rows } = await db.query<SavedQueryRow>(BY_SHARE_ID, [shareId]);
  if (!rows[0]) throw new AppError('SAVED_QUERY_NOT_FOUND', `no saved query or chart has the share id ${shareId}`, { details: { shareId } });
  return toSaved(rows[0]);
}

export async function listSavedQueries(db: Db, owner: string, kind?: 'chart' | 'query'): Promise<SavedQuery[]> {
  return (await db.query<SavedQueryRow>(BY_OWNER, [owner, kind ?? null])).rows.map(toSaved);
}

/** Replaces a saved query the owner holds (the caller checked ownership). @throws SAVED_QUERY_NAME_TAKEN, SAVED_QUERY_NOT_FOUND */
export async function updateSavedQuery(db: Db, owner: string, shareId: string, input: SavedQueryInput): Promise<SavedQuery> {
  const { rows } = await db.query<SavedQueryRow>(UPDATE, [shareId, owner, input.name, input.description ?? null, JSON.stringify(input.spec), input.chart ? JSON.stringify(input.chart) : null]);
  if (rows[0]) return toSaved(rows[0]);
  await getSavedQuery(db, shareId);
  throw new AppError('SAVED_QUERY_NAME_TAKEN', `you already saved another one named ${JSON.stringify(input.name)}`, { details: { name: input.name } });
}

/** Deletes a saved query the owner holds; false when there was none of theirs. */
export async function deleteSavedQuery(db: Db, owner: string, shareId: string): Promise<boolean> {
  return (await db.query(DELETE, [shareId, owner])).rows.length > 0;
}
