import type { Command } from 'commander';
import { runRetention } from '../../services/index.ts';
import { printResult } from '../output.ts';
import { withContext } from '../run.ts';
import { cliActor } from '../identity.ts';

/** `sharpline retention run`: archive, then prune, the prediction log, old audit rows and old provider odds. */
export function registerRetentionCommands(program: Command): void {
  const retention = program.command('retention').description('archive under SHARPLINE_HOME/archive, then prune: prediction log, audit chain (behind an anchor), landed provider odds');

  retention.command('run')
    .description('the retention job, with the periods in configuration (SHARPLINE_PREDICTION_LOG_DAYS, SHARPLINE_AUDIT_ARCHIVE_DAYS, SHARPLINE_PROVIDER_ODDS_DAYS, SHARPLINE_AUDIT_SUBJECT_DAYS)')
    .option('--dry-run', 'say what would be archived and pruned, change nothing')
    .option('--actor <who>', 'the operator\'s name in the audit trail (default retention)')
    .option('--json', 'print one JSON document')
    .action((opts: { dryRun?: boolean; actor?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActor(ctx, { actor: opts.actor ?? 'retention' });
        const r = await runRetention(ctx, actor, { dryRun: opts.dryRun });
        const verb = r.dryRun ? 'would archive and prune' : 'archived and pruned';
        printResult(r, opts.json, () => [
          `${verb} ${r.predictionLog.files.length} prediction-log file(s)${r.predictionLog.files.length ? ` (${r.predictionLog.files[0]} .. ${r.predictionLog.files.at(-1)})` : ''}`,
          `${verb} ${r.audit.rows} audit row(s)${r.audit.rows ? ` (seq ${r.audit.firstSeq}..${r.audit.lastSeq} -> ${r.audit.archive}; the chain now starts after the anchor)` : ''}`,
          `${verb} ${r.providerOdds.odds} provider odds snapshot(s) of ${r.providerOdds.events} event(s)${r.providerOdds.kickoffs ? ` kicking off ${r.providerOdds.kickoffs.from} .. ${r.providerOdds.kickoffs.to}` : ''}`,
          `${r.dryRun ? 'would erase' : 'erased'} ${r.erasedSubjects.length} idle person(s)`,
        ].join('\n'));
      }),
    );
}
