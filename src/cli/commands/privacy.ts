import type { Command } from 'commander';
import { join } from 'node:path';
import { applyRetention, eraseSubject, exportSubject } from '../../governance/index.ts';
import { printResult } from '../output.ts';
import { withContext } from '../run.ts';
import { cliActor } from '../identity.ts';

/** `sharpline privacy export|erase|retention`: personal data of key owners and audit actors. */
export function registerPrivacyCommands(program: Command): void {
  const privacy = program.command('privacy').description('personal data (key owners, audit actors): export, erase, retention');

  privacy.command('export')
    .description('everything held about one person, as JSON (keys without secrets, audit rows, proposals, runs)')
    .requiredOption('--subject <who>', 'a name, or a p_… pseudonym')
    .option('--actor <who>', 'the operator\'s name in the audit trail')
    .action((opts: { subject: string; actor?: string }) =>
      withContext(async (ctx) => {
        const actor = await cliActor(ctx, { actor: opts.actor });
        printResult(await exportSubject(ctx.db, actor, opts.subject), true, () => '');
      }),
    );

  privacy.command('erase')
    .description('erase a person: name and e-mail deleted, keys revoked, their name elsewhere replaced by a pseudonym; the audit chain still verifies')
    .requiredOption('--subject <who>', 'a name, or a p_… pseudonym')
    .option('--actor <who>', 'the operator\'s name in the audit trail')
    .option('--json', 'print one JSON document')
    .action((opts: { subject: string; actor?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActor(ctx, { actor: opts.actor });
        const result = await eraseSubject(ctx.db, actor, opts.subject);
        printResult(result, opts.json, (r) => (r.alreadyErased ? `${r.ref} was already erased` : `erased: now ${r.ref}; ${r.revokedKeys} key(s) revoked, ${r.rewritten} row(s) pseudonymised; the audit chain is unchanged`));
      }),
    );

  privacy.command('retention')
    .description('the retention job: delete prediction-log days past SHARPLINE_PREDICTION_LOG_DAYS, erase people idle past SHARPLINE_AUDIT_SUBJECT_DAYS')
    .option('--dry-run', 'say what would go, change nothing')
    .option('--json', 'print one JSON document')
    .action((opts: { dryRun?: boolean; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActor(ctx, { actor: 'retention' });
        const report = await applyRetention(ctx.db, actor, {
          predictionLogDays: ctx.config.predictionLogDays,
          auditSubjectDays: ctx.config.auditSubjectDays,
          predictionLogDir: join(ctx.config.home, 'prediction-log'),
        }, { dryRun: opts.dryRun });
        printResult(report, opts.json, (r) =>
          `${r.dryRun ? 'would delete' : 'deleted'} ${r.predictionLogFiles.length} prediction-log file(s)${r.predictionLogFiles.length ? ` (${r.predictionLogFiles[0]} .. ${r.predictionLogFiles.at(-1)})` : ''}; ${r.dryRun ? 'would erase' : 'erased'} ${r.erasedSubjects.length} idle person(s)${r.erasedSubjects.length ? `: ${r.erasedSubjects.join(', ')}` : ''}`,
        );
      }),
    );
}
