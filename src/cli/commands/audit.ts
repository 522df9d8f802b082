import type { Command } from 'commander';
import { AppError } from '../../../core/index.ts';
import { auditHead, listAudit, parseAuditHead, verifyAudit, verifyAuditArchives } from '../../governance/index.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';

/** `sharpline audit list|head|verify`: the hash-chained audit log. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the append-only, hash-chained audit log: list and verify');

  audit.command('list')
    .description('audit rows, newest first')
    .option('--actor <who>', 'a name, or a p_… pseudonym')
    .option('--action <action>', 'an action (alias.moved) or a family (alias, key, proposal ...)')
    .option('--from <time>', 'ISO date or time, inclusive')
    .option('--to <time>', 'ISO date or time, exclusive')
    .option('--limit <n>', 'at most n rows (default 100)')
    .option('--json', 'print one JSON document')
    .action((opts: { actor?: string; action?: string; from?: string; to?: string; limit?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        // Checked here, not in an option parser: a throw there escapes as a stack trace.
        if (opts.limit !== undefined && (!/^\d+$/.test(opts.limit) || Number(opts.limit) < 1 || Number(opts.limit) > 10_000)) throw new AppError('VALIDATION_FAILED', `--limit must be 1..10000, got ${JSON.stringify(opts.limit)}`);
        const entries = await listAudit(ctx.db, { ...opts, limit: opts.limit === undefined ? undefined : Number(opts.limit) });
        printResult({ entries }, opts.json, (r) =>
          table(r.entries.map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, role: e.actorRole, action: e.action, target: e.target ?? '', details: e.details }))),
        );
      }),
    );

  audit.command('head')
    .description('the newest row as <seq>:<hash>: keep it outside the database, and check later with `audit verify --expect-head`')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const head = await auditHead(ctx.db);
        printResult({ head }, opts.json, (r) => (r.head ? `${r.head.seq}:${r.head.hash}` : '(empty)'));
      }),
    );

  audit.command('verify')
    .description('recompute the whole hash chain; exits non-zero naming the first edited or missing row (rows cut from the end included)')
    .option('--expect-head <seq:hash>', 'a head printed earlier by `audit head` and kept elsewhere: the chain must still hold that row, unchanged')
    .option('--json', 'print one JSON document')
    .action((opts: { expectHead?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const chain = await verifyAudit(ctx.db, { expectHead: opts.expectHead === undefined ? undefined : parseAuditHead(opts.expectHead) });
        // Retention archived the chain's start: each archive is checked against its anchor too.
        const archives = chain.anchor ? await verifyAuditArchives(ctx.db, ctx.config.home) : undefined;
        const result = archives ? { ...chain, archives } : chain;
        if (opts.json) printResult(result, true, () => '');
        if (!chain.ok) {
          throw new AppError('AUDIT_CHAIN_BROKEN', `audit chain broken at row ${chain.firstBroken!.seq}: ${chain.firstBroken!.reason} (${chain.rows} rows before it verify)`, { details: chain.firstBroken });
        }
        if (archives && !archives.ok) {
          throw new AppError('AUDIT_CHAIN_BROKEN', `audit archive ${archives.problem!.archive}: ${archives.problem!.reason}`, { details: archives.problem });
        }
        if (!opts.json) {
          printResult(chain, false, (r) => `audit chain ok: ${r.rows} rows, head ${r.head ?? '(empty)'}`);
          if (archives) printResult(archives, false, (a) => `archives ok: ${a.archives} archive(s), ${a.rows} rows, anchored at seq ${chain.anchor!.seq}`);
        }
      }),
    );
}
