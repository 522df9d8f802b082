import type { Command } from 'commander';
import { withContext } from '../run.ts';
import { printResult } from '../output.ts';
import { fetchAndImport, fetchProviderData } from '../../services/index.ts';
import { cliActorOrOperator } from '../identity.ts';
import { formatSummary, importProgress, reportImport } from './import.ts';

const KEY_OPTION = ['--key <key>', 'act as this scientist or admin key (default SHARPLINE_API_KEY) instead of the operator, in the audit trail'] as const;
const ACTOR_OPTION = ['--actor <who>', 'the operator\'s name in the audit trail (default cli:<OS user>)'] as const;

export function registerFetchCommands(program: Command): void {
  const fetch = program.command('fetch').description('download from a publisher and import');
  fetch
    .command('football-data')
    .description('download one league season from football-data.co.uk (base URL: SHARPLINE_FOOTBALL_DATA_URL) and import it')
    .requiredOption('--league <code>', 'division code, e.g. E0, SP1, D1, I1, F1')
    .requiredOption('--season <yyyy>', 'season as start and end year, e.g. 2324')
    .option(...KEY_OPTION)
    .option(...ACTOR_OPTION)
    .option('--json', 'print one JSON document')
    .action((opts: { league: string; season: string; key?: string; actor?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActorOrOperator(ctx, { key: opts.key, actor: opts.actor, roles: ['scientist', 'admin'], what: 'import data' });
        const summary = await fetchAndImport(ctx, actor, { baseUrl: ctx.config.footballDataBaseUrl, league: opts.league, season: opts.season, onProgress: importProgress(ctx.config.progress) });
        reportImport(summary, opts.json, (s) => `${s.url}\n${formatSummary(s)}`);
      }),
    );
  fetch
    .command('provider')
    .description('fetch upcoming fixtures with odds snapshots (capture times kept), and results, from a data provider (football-data, odds-api), land them and match them to games (upcoming games created, results recorded)')
    .argument('<name>', 'football-data or odds-api (its key: the secret odds-api.key)')
    .requiredOption('--competition <code>', 'competition code (E0 ...) or the provider\'s league key (soccer_epl)')
    .option('--season <yyyy>', 'football-data: the season file, e.g. 2425')
    .option(...KEY_OPTION)
    .option(...ACTOR_OPTION)
    .option('--json', 'print one JSON document')
    .action((name: string, opts: { competition: string; season?: string; key?: string; actor?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActorOrOperator(ctx, { key: opts.key, actor: opts.actor, roles: ['scientist', 'admin'], what: 'import data' });
        const landed = await fetchProviderData(ctx, name, { competition: opts.competition, season: opts.season }, { actor });
        printResult(landed, opts.json, (l) => {
          const g = l.games;
          const games = g ? `\ngames: ${g.matched} matched, ${g.created} created, ${g.results} result(s) recorded, ${g.odds} odds row(s) copied${g.unmatched.length ? `; ${g.unmatched.length} unmatched: ${g.unmatched.slice(0, 5).map((u) => `${u.home} v ${u.away} (${u.problem})`).join('; ')}` : ''}` : '';
          return `${l.provider} ${l.competition}: ${l.events} event(s) (${l.newEvents} new), ${l.results} result(s), ${l.odds} price(s) (${l.newOdds} new)${l.quota.remaining === null ? '' : `; ${l.quota.remaining} request(s) left`}${games}`;
        });
      }),
    );
}
