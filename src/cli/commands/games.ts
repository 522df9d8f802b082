import type { Command } from 'commander';
import { getGame, listCompetitions, listGames, listSports, listTeams, teamGames, type GameSummary } from '../../../history/index.ts';
import { AppError } from '../../../core/index.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';

function gameRows(items: GameSummary[]) {
  return items.map((g) => ({
    id: g.id, date: g.gameDate, competition: g.competition.code, season: g.season, home: g.home.name, away: g.away.name,
    score: g.homeScore === null ? '' : `${g.homeScore}-${g.awayScore}`, status: g.status,
  }));
}

interface ListOptions {
  json?: boolean; sport?: string; competition?: string; season?: string; team?: string; from?: string; to?: string; status?: string; limit: string; offset: string;
}

export function registerGamesCommands(program: Command): void {
  const games = program.command('games').description('query the historical games (CLI twin of GET /v1/games ...)');

  games
    .command('list', { isDefault: true })
    .description('games, filtered and paginated, in kickoff order')
    .option('--sport <code>', 'soccer, nfl, nba, mlb')
    .option('--competition <code>', 'competition code or id (E0, NFL ...)')
    .option('--season <label>', "season label ('2023/24', '2023')")
    .option('--team <team>', 'team id, key, name or any alias, in any case ("Man City")')
    .option('--from <date>', 'first local date, YYYY-MM-DD')
    .option('--to <date>', 'last local date, YYYY-MM-DD')
    .option('--status <status>', 'scheduled, final, postponed, cancelled')
    .option('--limit <n>', 'page size (max 1000)', '50')
    .option('--offset <n>', 'skip this many', '0')
    .option('--json', 'print one JSON document')
    .action((opts: ListOptions) =>
      withContext(async (ctx) => {
        const page = await listGames(ctx.db, { ...opts, limit: Number(opts.limit), offset: Number(opts.offset) });
        printResult(page, opts.json, (p) => `${p.total} game(s); showing ${p.offset + 1}-${p.offset + p.items.length}\n` + table(gameRows(p.items)));
      }),
    );

  games
    .command('show')
    .description('one game: result, odds by bookmaker/market/kind, reference forecasts')
    .argument('<id>', 'game id')
    .option('--json', 'print one JSON document')
    .action((id: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        if (!/^\d+$/.test(id)) throw new AppError('VALIDATION_FAILED', 'game id must be a whole number');
        const game = await getGame(ctx.db, Number(id));
        printResult(game, opts.json, (g) => [
          `${g.gameDate} ${g.competition.code} ${g.season}: ${g.home.name} v ${g.away.name}  ${g.result ? `${g.result.homeScore}-${g.result.awayScore}` : g.status}`,
          `kickoff ${g.kickoff}${g.kickoffKnown ? '' : ' (time not known)'}; source ${g.source}`,
          table(g.odds.map((o) => ({ bookmaker: o.bookmaker, market: o.market, kind: o.kind, prices: o.prices.map((p) => `${p.selection}${p.line ? `(${p.line})` : ''} ${p.price}`).join('  ') }))),
          g.forecasts.length ? table(g.forecasts.map((f) => ({ predictor: f.predictor, pHome: f.pHome, pDraw: f.pDraw, pAway: f.pAway }))) : '',
        ].join('\n'));
      }),
    );

  games
    .command('team')
    .description("a team's timeline")
    .argument('<team>', 'team id, key, name or any alias, in any case')
    .option('--from <date>', 'first local date')
    .option('--to <date>', 'last local date')
    .option('--limit <n>', 'page size', '50')
    .option('--offset <n>', 'skip this many', '0')
    .option('--json', 'print one JSON document')
    .action((team: string, opts: ListOptions) =>
      withContext(async (ctx) => {
        const page = await teamGames(ctx.db, team, { from: opts.from, to: opts.to, limit: Number(opts.limit), offset: Number(opts.offset) });
        printResult(page, opts.json, (p) => `${p.total} game(s)\n` + table(gameRows(p.items)));
      }),
    );

  games
    .command('sports')
    .description('sports and their game counts')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const sports = await listSports(ctx.db);
        printResult({ sports }, opts.json, (r) => table(r.sports as unknown as Array<Record<string, unknown>>));
      }),
    );

  games
    .command('competitions')
    .description('competitions with their seasons')
    .option('--sport <code>', 'only this sport')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean; sport?: string }) =>
      withContext(async (ctx) => {
        const competitions = await listCompetitions(ctx.db, { sport: opts.sport });
        printResult({ competitions }, opts.json, (r) => table(r.competitions.map((c) => ({ id: c.id, sport: c.sport, code: c.code, name: c.name, timeZone: c.timeZone, games: c.games, seasons: `${c.seasons[0] ?? ''}..${c.seasons.at(-1) ?? ''} (${c.seasons.length})` }))));
      }),
    );

  games
    .command('teams')
    .description('teams with their aliases')
    .option('--sport <code>', 'only this sport')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean; sport?: string }) =>
      withContext(async (ctx) => {
        const teams = await listTeams(ctx.db, { sport: opts.sport });
        printResult({ teams }, opts.json, (r) => table(r.teams.map((t) => ({ id: t.id, sport: t.sport, key: t.key, name: t.name, aliases: t.aliases.map((a) => `${a.source}:${a.alias}`).join(' ') }))));
      }),
    );
}
