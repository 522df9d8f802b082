import type { Command } from 'commander';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('database migrations');

  db.command('migrate')
    .description('apply pending migrations (forward-only, under an advisory lock; idempotent)')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const { migrate } = await import('../../db/index.ts');
        const applied = await migrate(ctx.db);
        printResult({ applied: applied.map((m) => ({ version: m.version, name: m.name })) }, opts.json, (r) =>
          r.applied.length ? r.applied.map((m) => `applied ${m.version} ${m.name}`).join('\n') : 'database is up to date',
        );
      }, { migrate: false }),
    );

  db.command('status')
    .description('list applied and pending migrations')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const { migrationStatus } = await import('../../db/index.ts');
        const migrations = await migrationStatus(ctx.db);
        printResult({ database: ctx.db.kind, migrations }, opts.json, (r) => `database: ${r.database}\n` + table(r.migrations as unknown as Array<Record<string, unknown>>));
      }, { migrate: false }),
    );
}
