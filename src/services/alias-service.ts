import type { AppContext } from '../context.ts';
import { AppError, type Db } from '../../core/index.ts';
import { deleteAlias, setAlias, type SetAliasResult } from '../../registry/index.ts';
import { notifyAliasMoved } from '../serving/index.ts';
import { recordAudit, type Actor } from '../governance/index.ts';

/** What promotion needs from the context: the registry's database, a logger, serving to tell, and which aliases are protected. */
export type AliasServiceContext = Pick<AppContext, 'db' | 'logger' | 'serving'> & { config: Pick<AppContext['config'], 'protectedAliases'> };

export interface MoveAliasInput {
  model: string;
  alias: string;
  version: number;
  /** Who moves it: recorded in the registry's alias history and the audit log. */
  actor: Actor;
  /** The approved proposal this move carries out (lets a protected alias move; audited). */
  proposal?: number;
}

function assertMayMove(ctx: AliasServiceContext, input: { model: string; alias: string; actor: Actor; proposal?: number }): void {
  // The operator (direct database access) could write the table anyway; it is audited as such.
  if (!ctx.config.protectedAliases.includes(input.alias) || input.actor.role === 'operator' || input.proposal !== undefined) return;
  throw new AppError('ALIAS_PROTECTED', `${input.alias} is a protected alias: propose the move (POST /v1/models/${input.model}/proposals, \`sharpline models propose\`) and have a reviewer approve it`, {
    details: { model: input.model, alias: input.alias },
  });
}

/**
 * The alias move and its audit row, in the caller's transaction `tx`, without the announcement:
 * for a caller that commits more in the same transaction (an approval) and announces after.
 */
export async function moveAliasIn(tx: Db, ctx: AliasServiceContext, input: MoveAliasInput): Promise<SetAliasResult> {
  assertMayMove(ctx, input);
  return tx.transaction(async (inner) => {
    const result = await setAlias(inner, input.model, input.alias, input.version, input.actor.name);
    if (result.changed) {
      await recordAudit(inner, input.actor, 'alias.moved', {
        target: `${input.model}/${input.alias}`,
        details: { model: input.model, alias: input.alias, from: result.previousVersion, to: input.version, ...(input.proposal === undefined ? {} : { proposal: input.proposal }) },
      });
    }
    return result;
  });
}

/** Tells every server that `model`'s aliases moved (Redis pub/sub; this process at once); never throws. */
export async function announceAliasMove(ctx: AliasServiceContext, model: string): Promise<void> {
  await notifyAliasMoved(ctx, model);
}

/**
 * Promotion: points `alias` of `model` at `version` (in the registry's history and the audit log)
 * and, when it moved, tells every server to swap. The one way any edge moves an alias, so no move
 * goes unannounced; a failed announcement only logs (the alias-stamp poll is the safety net).
 * A protected alias (SHARPLINE_PROTECTED_ALIASES) moves only for the operator or an approved proposal.
 * @throws AppError ALIAS_PROTECTED, MODEL_ALIAS_INVALID, MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND, MODEL_VERSION_NOT_READY
 */
export async function moveAlias(ctx: AliasServiceContext, input: MoveAliasInput): Promise<SetAliasResult> {
  const result = await moveAliasIn(ctx.db, ctx, input);
  if (result.changed) {
    ctx.logger.info({ model: input.model, alias: input.alias, from: result.previousVersion, to: result.alias.version, actor: input.actor.name }, 'alias moved');
    await announceAliasMove(ctx, input.model);
  }
  return result;
}

export interface RemoveAliasInput {
  model: string;
  alias: string;
  actor: Actor;
}

/**
 * Demotion: removes `alias` of `model` (audited) and tells every server, whose next request for
 * that alias gets the registry's 404. Protected aliases as in moveAlias.
 * @throws AppError ALIAS_PROTECTED, MODEL_NOT_FOUND, MODEL_ALIAS_NOT_FOUND
 */
export async function removeAlias(ctx: AliasServiceContext, input: RemoveAliasInput): Promise<{ model: string; alias: string; previousVersion: number }> {
  assertMayMove(ctx, input);
  const { previousVersion } = await ctx.db.transaction(async (tx) => {
    const removed = await deleteAlias(tx, input.model, input.alias, input.actor.name);
    await recordAudit(tx, input.actor, 'alias.removed', { target: `${input.model}/${input.alias}`, details: { model: input.model, alias: input.alias, from: removed.previousVersion } });
    return removed;
  });
  ctx.logger.info({ model: input.model, alias: input.alias, from: previousVersion, to: null, actor: input.actor.name }, 'alias removed');
  await announceAliasMove(ctx, input.model);
  return { model: input.model, alias: input.alias, previousVersion };
}
