import { AppError } from '../../core/index.ts';
import {
  deleteSavedQuery, getSavedQuery, insertSavedQuery, listSavedQueries, parseSavedQueryInput, parseShareId, updateSavedQuery,
  type QueryResultSet, type SavedQuery,
} from '../../history/index.ts';
import { runExplorerQuery, type QueryServiceContext } from './query-service.ts';

/** Who owns what a caller saves: its key (by id, stable across rotation), or `local` without one. */
export function savedQueryOwner(principal: { keyId: string } | undefined): string {
  return principal ? `key:${principal.keyId}` : 'local';
}

/** A saved query as the caller sees it: whether it is theirs, and its share link in the console. */
export type SavedQueryView = Omit<SavedQuery, 'owner'> & { kind: 'query' | 'chart'; mine: boolean; link: string };

function view(saved: SavedQuery, owner: string): SavedQueryView {
  const { owner: savedBy, ...rest } = saved;
  return { ...rest, kind: saved.chart ? 'chart' : 'query', mine: savedBy === owner, link: `/ui/#/explore?share=${saved.shareId}` };
}

async function ownedBy(ctx: QueryServiceContext, owner: string, shareId: unknown): Promise<SavedQuery> {
  const saved = await getSavedQuery(ctx.db, parseShareId(shareId));
  if (saved.owner !== owner) throw new AppError('SAVED_QUERY_NOT_OWNER', `the saved ${saved.chart ? 'chart' : 'query'} ${saved.shareId} belongs to another key: open it, or save a copy under your own name`, { details: { shareId: saved.shareId } });
  return saved;
}

/**
 * Saves a query document (and a chart's settings) under a name for its owner, with a new share id.
 * The document is checked as `POST /v1/queries` checks it (not run).
 * @throws AppError QUERY_INVALID, SAVED_QUERY_NAME_TAKEN
 */
export async function saveQuery(ctx: QueryServiceContext, owner: string, input: unknown): Promise<SavedQueryView> {
  return view(await insertSavedQuery(ctx.db, owner, parseSavedQueryInput(input)), owner);
}

/** The owner's saved queries and charts (newest change first). */
export async function listSaved(ctx: QueryServiceContext, owner: string, kind?: 'chart' | 'query'): Promise<SavedQueryView[]> {
  return (await listSavedQueries(ctx.db, owner, kind)).map((s) => view(s, owner));
}

/** Opens a saved query by its share id: any caller who may read opens anyone's link. @throws SAVED_QUERY_NOT_FOUND */
export async function openSaved(ctx: QueryServiceContext, owner: string, shareId: unknown): Promise<SavedQueryView> {
  return view(await getSavedQuery(ctx.db, parseShareId(shareId)), owner);
}

/** Replaces name, description, document and chart; the share id stays. @throws SAVED_QUERY_NOT_FOUND, SAVED_QUERY_NOT_OWNER, SAVED_QUERY_NAME_TAKEN, QUERY_INVALID */
export async function changeSaved(ctx: QueryServiceContext, owner: string, shareId: unknown, input: unknown): Promise<SavedQueryView> {
  const saved = await ownedBy(ctx, owner, shareId);
  return view(await updateSavedQuery(ctx.db, owner, saved.shareId, parseSavedQueryInput(input)), owner);
}

/** Deletes a saved query its owner holds; its link stops working. @throws SAVED_QUERY_NOT_FOUND, SAVED_QUERY_NOT_OWNER */
export async function removeSaved(ctx: QueryServiceContext, owner: string, shareId: unknown): Promise<SavedQueryView> {
  const saved = await ownedBy(ctx, owner, shareId);
  await deleteSavedQuery(ctx.db, owner, saved.shareId);
  return view(saved, owner);
}

/** Runs the document a share id names (as `POST /v1/queries` would). @throws SAVED_QUERY_NOT_FOUND and runExplorerQuery's codes */
export async function runSaved(ctx: QueryServiceContext, shareId: unknown): Promise<QueryResultSet & { saved: { shareId: string; name: string } }> {
  const saved = await getSavedQuery(ctx.db, parseShareId(shareId));
  return { ...(await runExplorerQuery(ctx, saved.spec)), saved: { shareId: saved.shareId, name: saved.name } };
}
