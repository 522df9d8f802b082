import type { AppContext } from '../context.ts';
import { AppError } from '../../core/index.ts';
import { authenticateKey, operatorActor, type Actor, type KeyRole } from '../governance/index.ts';

/**
 * Who a CLI command acts as: the owner of `--key` (or SHARPLINE_API_KEY), checked against the
 * database like an HTTP request's key, else the operator (direct database access, audited so).
 * `roles` (when given) are the key roles the command needs: the operator is refused there, since
 * a decision like approving a promotion needs a person.
 * @throws UNAUTHENTICATED (bad key, or none where one is needed), FORBIDDEN (wrong role)
 */
export async function cliActor(ctx: AppContext, options: { key?: string; actor?: string; roles?: readonly KeyRole[]; what?: string } = {}): Promise<Actor> {
  const token = options.key ?? ctx.config.apiKey;
  if (!token) {
    if (options.roles) throw new AppError('UNAUTHENTICATED', `${options.what ?? 'this command'} needs the key of a ${options.roles.join(' or ')}: --key <key> or SHARPLINE_API_KEY`);
    return operatorActor(options.actor);
  }
  const result = await authenticateKey(ctx.db, token);
  if (!result.ok) throw new AppError('UNAUTHENTICATED', result.reason);
  const { principal } = result;
  if (options.roles && !(options.roles as readonly string[]).includes(principal.role)) {
    throw new AppError('FORBIDDEN', `role ${principal.role} may not ${options.what ?? 'run this command'} (allowed: ${options.roles.join(', ')})`, { details: { role: principal.role, allowed: options.roles } });
  }
  return { name: principal.name, role: principal.role, keyPrefix: principal.keyPrefix };
}

/**
 * The actor of a command open to the operator and to keys of some roles: with a key (--key or
 * SHARPLINE_API_KEY) its role must be one of `roles`; without one, the operator (`--actor` names it).
 * @throws UNAUTHENTICATED, FORBIDDEN
 */
export function cliActorOrOperator(ctx: AppContext, options: { key?: string; actor?: string; roles: readonly KeyRole[]; what: string }): Promise<Actor> {
  const keyed = Boolean(options.key ?? ctx.config.apiKey);
  return cliActor(ctx, { key: options.key, actor: options.actor, roles: keyed ? options.roles : undefined, what: options.what });
}
