import type { Command } from 'commander';
import { dataQualityReport } from '../../../history/index.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('historical data reports');
  data
    .command('check')
    .description('data-quality report per competition and season: games, missing results and closing odds, overround, suspicious odds, duplicate candidates')
    .option('--sport <code>', 'only this sport (soccer, nfl, nba, mlb)')
    .option('--competition <code>', 'only this competition code (E0, NFL ...)')
    .option('--json', 'print one JSON document')
    .action((opts: { sport?: string; competition?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const report = await dataQualityReport(ctx.db, { sport: opts.sport, competition: opts.competition });
        printResult(report, opts.json, (r) =>
          table(r.seasons.map((s) => ({
            sport: s.sport, competition: s.competition, season: s.season, games: s.games, noResult: s.missingResults, noClosing: s.missingClosingOdds,
            books: s.books, overroundMedian: s.overround?.median ?? null, p05: s.overround?.p05 ?? null, p95: s.overround?.p95 ?? null,
            suspicious: s.suspiciousBooks, duplicates: s.duplicateCandidates,
          }))) + `\ntotal: ${r.totals.games} games, ${r.totals.missingResults} without result, ${r.totals.missingClosingOdds} without closing odds, ${r.totals.suspiciousBooks} suspicious books, ${r.totals.duplicateCandidates} duplicate candidates`,
        );
      }),
    );
}
