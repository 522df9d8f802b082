import type { AppContext } from '../context.ts';
import { deleteAlias, setAlias, type SetAliasResult } from '../../registry/index.ts';
import { notifyAliasMoved } from '../serving/index.ts';

/** What promotion needs from the context: the registry's database, a logger, and serving to tell. */
export type AliasServiceContext = Pick<AppContext, 'db' | 'logger' | 'serving'>;

export interface MoveAliasInput {
  model: string;
  alias: string;
  version: number;
  /** Recorded in the audit row. */
  actor: string;
}

/**
 * Promotion: points `alias` of `model` at `version` (audited in the registry) and, when it moved,
 * tells every server to swap (Redis pub/sub; this process's cache at once). The one way any edge
 * moves an alias, so no move goes unannounced; a failed announcement only logs (the alias-stamp
 * poll is the safety net).
 * @throws AppError MODEL_ALIAS_INVALID, MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND, MODEL_VERSION_NOT_READY
 */
export async function moveAlias(ctx: AliasServiceContext, input: MoveAliasInput): Promise<SetAliasResult> {
  const result = await setAlias(ctx.db, input.model, input.alias, input.version, input.actor);
  if (result.changed) {
    ctx.logger.info({ model: input.model, alias: input.alias, from: result.previousVersion, to: result.alias.version, actor: input.actor }, 'alias moved');
    await notifyAliasMoved(ctx, input.model);
  }
  return result;
}

export interface RemoveAliasInput {
  model: string;
  alias: string;
  actor: string;
}

/**
 * Demotion: removes `alias` of `model` (audited) and tells every server, whose next request for
 * that alias gets the registry's 404.
 * @throws AppError MODEL_NOT_FOUND, MODEL_ALIAS_NOT_FOUND
 */
export async function removeAlias(ctx: AliasServiceContext, input: RemoveAliasInput): Promise<{ model: string; alias: string; previousVersion: number }> {
  const { previousVersion } = await deleteAlias(ctx.db, input.model, input.alias, input.actor);
  ctx.logger.info({ model: input.model, alias: input.alias, from: previousVersion, to: null, actor: input.actor }, 'alias removed');
  await notifyAliasMoved(ctx, input.model);
  return { model: input.model, alias: input.alias, previousVersion };
}
