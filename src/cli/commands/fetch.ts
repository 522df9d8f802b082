import type { Command } from 'commander';
import { fetchFootballData } from '../../../history/index.ts';
import { withContext } from '../run.ts';
import { formatSummary, importProgress, reportImport } from './import.ts';

export function registerFetchCommands(program: Command): void {
  const fetch = program.command('fetch').description('download from a publisher and import');
  fetch
    .command('football-data')
    .description('download one league season from football-data.co.uk (base URL: SHARPLINE_FOOTBALL_DATA_URL) and import it')
    .requiredOption('--league <code>', 'division code, e.g. E0, SP1, D1, I1, F1')
    .requiredOption('--season <yyyy>', 'season as start and end year, e.g. 2324')
    .option('--json', 'print one JSON document')
    .action((opts: { league: string; season: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const summary = await fetchFootballData(ctx.db, { baseUrl: ctx.config.footballDataBaseUrl, league: opts.league, season: opts.season, onProgress: importProgress(ctx.config.progress) });
        reportImport(summary, opts.json, (s) => `${s.url}\n${formatSummary(s)}`);
      }),
    );
}
