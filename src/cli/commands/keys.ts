import type { Command } from 'commander';
import { createKey, listKeys, revokeKey, rotateKey, KEY_ROLES } from '../../governance/index.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';
import { cliActorOrOperator } from '../identity.ts';

/** `sharpline keys create|list|rotate|revoke`: API keys, run as the operator (or --key's admin). */
export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('API keys: create (shown once), list, rotate, revoke; only a hash is stored');

  keys.command('create')
    .description('create a key; its token is printed once and never again')
    .requiredOption('--name <owner>', 'who holds it (a person or an app)')
    .requiredOption('--role <role>', `one of ${KEY_ROLES.join(', ')}`)
    .option('--email <address>', 'the owner\'s e-mail (personal data: exported and erased with `privacy`)')
    .option('--expires <when>', 'a duration (30d, 12h, 90m, 2w) or a date')
    .option('--key <key>', 'act as this admin key instead of the operator')
    .option('--json', 'print one JSON document (with the token)')
    .action((opts: { name: string; role: string; email?: string; expires?: string; key?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActorOrOperator(ctx, { key: opts.key, roles: ['admin'], what: 'create keys' });
        const { key, token } = await createKey(ctx.db, actor, { name: opts.name, role: opts.role, email: opts.email, expires: opts.expires });
        printResult({ key, token }, opts.json, (r) =>
          [`created ${r.key.role} key ${r.key.prefix} for ${r.key.name}${r.key.expiresAt ? ` (expires ${r.key.expiresAt})` : ''}`, `token: ${r.token}`, 'shown once: store it now (Authorization: Bearer <token>)'].join('\n'),
        );
      }),
    );

  keys.command('list')
    .description('every key (never a secret): prefix, owner, role, state, last use')
    .option('--active', 'only keys that can still be used')
    .option('--json', 'print one JSON document')
    .action((opts: { active?: boolean; json?: boolean }) =>
      withContext(async (ctx) => {
        const list = await listKeys(ctx.db, { active: opts.active });
        printResult({ keys: list }, opts.json, (r) =>
          table(r.keys.map((k) => ({ prefix: k.prefix, name: k.name, role: k.role, state: k.state, created: k.createdAt, expires: k.expiresAt ?? '-', 'last used': k.lastUsedAt ?? '-' }))),
        );
      }),
    );

  keys.command('rotate <key>')
    .description('new secret (and prefix) for a key, same owner and role; the old token stops working')
    .option('--key <key>', 'act as this admin key instead of the operator')
    .option('--json', 'print one JSON document (with the new token)')
    .action((prefix: string, opts: { key?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActorOrOperator(ctx, { key: opts.key, roles: ['admin'], what: 'rotate keys' });
        const result = await rotateKey(ctx.db, actor, prefix);
        printResult(result, opts.json, (r) => [`rotated ${r.previousPrefix} -> ${r.key.prefix} (${r.key.name}, ${r.key.role})`, `token: ${r.token}`, 'shown once: store it now'].join('\n'));
      }),
    );

  keys.command('revoke <key>')
    .description('revoke a key for good (by prefix shl_… or id)')
    .option('--key <key>', 'act as this admin key instead of the operator')
    .option('--json', 'print one JSON document')
    .action((prefix: string, opts: { key?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActorOrOperator(ctx, { key: opts.key, roles: ['admin'], what: 'revoke keys' });
        const key = await revokeKey(ctx.db, actor, prefix);
        printResult(key, opts.json, (k) => `revoked ${k.prefix} (${k.name}, ${k.role})`);
      }),
    );
}
