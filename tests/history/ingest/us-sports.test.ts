import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listRejects, parseCsv, runImport } from '../../../history/index.ts';
import { count, createTestDb, data, HAS_DATA, NO_DATA_REASON, postgresReachable, tempDir, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = !HAS_DATA ? NO_DATA_REASON : !reachable ? 'Postgres unreachable (set CI=true to fail instead)' : false;
const suffix = skip ? ` [skipped: ${skip}]` : '';
let t: TestDb;
let tmp: Awaited<ReturnType<typeof tempDir>>;

/** Writes the header and the rows of `source` whose `column` passes `keep` to a temp file. */
async function subset(source: string, name: string, column: string, keep: (v: string) => boolean): Promise<{ file: string; rows: string[][]; header: string[] }> {
  const text = await readFile(source, 'utf8');
  const csv = parseCsv(text);
  const i = csv.header.indexOf(column);
  const kept = csv.records.filter((r) => keep(r.fields[i]!));
  const file = join(tmp.dir, name);
  await writeFile(file, [csv.header.join(','), ...kept.map((r) => r.raw)].join('\n') + '\n');
  return { file, rows: kept.map((r) => r.fields), header: csv.header };
}

async function forecasts(predictor: string, sport: string): Promise<number> {
  return count(t.db, `reference_forecasts f JOIN games g ON g.id = f.game_id JOIN sports s ON s.id = g.sport_id WHERE f.predictor = $1 AND s.code = $2`, [predictor, sport]);
}

before(async () => {
  if (skip) return;
  t = await createTestDb('ingest_us');
  tmp = await tempDir();
});
after(async () => {
  await t?.drop();
  await tmp?.remove();
});

test(`nflverse: games, results, quarterbacks and moneylines converted exactly${suffix}`, { skip }, async () => {
  const nfl = await subset(data('nflverse_games/games.csv'), 'games.csv', 'season', (v) => v === '1999' || v === '2019' || v === '2025');
  const s = await runImport(t.db, { source: 'nflverse', paths: [nfl.file] });
  assert.equal(s.rowsRead, nfl.rows.length);
  assert.equal(s.inserted, nfl.rows.length);
  assert.equal(s.rejected, 0);
  const played = nfl.rows.filter((r) => r[nfl.header.indexOf('home_score')] !== '').length;
  assert.equal(await count(t.db, 'results'), played);
  assert.equal(await count(t.db, `games WHERE status = 'scheduled'`), nfl.rows.length - played);
  assert.ok(nfl.rows.length - played > 0, 'season 2025 is partial');

  // 2019_01_GB_CHI: GB 10 @ CHI 3, Thursday 20:20 US/Eastern; moneylines GB +160, CHI -178.
  const { rows } = await t.db.query<{ id: number; kickoff: Date; game_date: string; home_score: number; away_score: number; context: any; post_game: any; source_id: string }>(
    `SELECT g.id, g.kickoff, to_char(g.game_date, 'YYYY-MM-DD') AS game_date, r.home_score, r.away_score, g.context, g.post_game, g.source_id
       FROM games g JOIN results r ON r.game_id = g.id WHERE g.source_id = '2019_01_GB_CHI'`,
  );
  const g = rows[0]!;
  assert.equal(g.game_date, '2019-09-05');
  assert.equal(g.kickoff.toISOString(), '2019-09-06T00:20:00.000Z');
  assert.deepEqual([g.home_score, g.away_score], [3, 10]);
  assert.equal(g.context.roof, 'outdoors');
  assert.equal(g.context.surface, 'grass');
  // The closing spread is a post-game fact: kept in history, out of the pre-game context (it used to sit in context).
  assert.equal(g.post_game.spreadLine, -3.5);
  assert.equal(g.context.spreadLine, undefined);
  const odds = await t.db.query<{ market: string; selection: string; line: number; price: number }>(
    `SELECT market, selection, line, price FROM odds WHERE game_id = $1 ORDER BY market, selection`, [g.id],
  );
  assert.deepEqual(odds.rows, [
    { market: 'moneyline', selection: 'away', line: 0, price: 2.6 },
    { market: 'moneyline', selection: 'home', line: 0, price: 278 / 178 },
    { market: 'spread', selection: 'away', line: -3.5, price: 213 / 113 },
    { market: 'spread', selection: 'home', line: -3.5, price: 2.03 },
    { market: 'total', selection: 'over', line: 47, price: 213 / 113 },
    { market: 'total', selection: 'under', line: 47, price: 2.02 },
  ]);
  const qbs = await t.db.query<{ name: string; home: boolean }>(
    `SELECT p.name, gp.team_id = g.home_team_id AS home FROM game_players gp JOIN players p ON p.id = gp.player_id JOIN games g ON g.id = gp.game_id WHERE gp.game_id = $1 ORDER BY p.name`, [g.id],
  );
  assert.deepEqual(qbs.rows, [{ name: 'Aaron Rodgers', home: false }, { name: 'Mitch Trubisky', home: true }]);
  // Relocations: STL (1999) and LA (2025) are one franchise.
  assert.equal(await count(t.db, `teams WHERE key = 'nfl-lar'`), 1);
  assert.equal(await count(t.db, `team_names n JOIN teams t ON t.id = n.team_id WHERE t.key = 'nfl-lar'`), 2);
  assert.equal(await count(t.db, `games g JOIN teams t ON t.id IN (g.home_team_id, g.away_team_id) WHERE t.key = 'nfl-lar' AND g.game_date < '2000-03-01'`), 19);

  const again = await runImport(t.db, { source: 'nflverse', paths: [nfl.file] });
  assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, nfl.rows.length]);
});

test(`fivethirtyeight NFL: Elo and QB Elo attach to nflverse games; reversed neutral games swap${suffix}`, { skip }, async () => {
  const s = await runImport(t.db, { source: 'fivethirtyeight', paths: [data('fivethirtyeight_nfl_elo/nfl_games.csv'), data('fivethirtyeight_nfl_elo/nfl_elo_latest_2019_snapshot.csv')] });
  const csv = parseCsv(await readFile(data('fivethirtyeight_nfl_elo/nfl_games.csv'), 'utf8'));
  const inSeasons = csv.records.filter((r) => r.fields[1] === '1999' || r.fields[1] === '2019').length;
  assert.equal(await forecasts('fivethirtyeight-elo', 'nfl'), inSeasons);
  assert.equal(await forecasts('fivethirtyeight-qbelo', 'nfl'), 256);
  assert.deepEqual(s.unknownTeams, []);
  assert.ok(s.unmatched > 10_000, 'seasons without games are counted, not inserted');
  assert.equal(await count(t.db, 'games'), 267 + 259 + (await count(t.db, `games WHERE season_id IN (SELECT id FROM seasons WHERE label = '2025')`)));

  const chi = await t.db.query<{ p_home: number; p_away: number }>(
    `SELECT p_home, p_away FROM reference_forecasts f JOIN games g ON g.id = f.game_id WHERE g.source_id = '2019_01_GB_CHI' AND f.predictor = 'fivethirtyeight-qbelo'`,
  );
  assert.deepEqual(chi.rows[0], { p_home: 0.640181642, p_away: 1 - 0.640181642 });
  // Super Bowl XXXIV (neutral): FiveThirtyEight lists LAR (St. Louis) first, nflverse has TEN at home.
  const sb = await t.db.query<{ p_home: number; details: any }>(
    `SELECT p_home, details FROM reference_forecasts f JOIN games g ON g.id = f.game_id WHERE g.game_date = '2000-01-30' AND f.predictor = 'fivethirtyeight-elo'`,
  );
  assert.equal(sb.rows[0]!.p_home, 1 - 0.44681366312621384);
  assert.equal(sb.rows[0]!.details.teamsSwapped, true);

  const again = await runImport(t.db, { source: 'fivethirtyeight', paths: [data('fivethirtyeight_nfl_elo/nfl_games.csv'), data('fivethirtyeight_nfl_elo/nfl_elo_latest_2019_snapshot.csv')] });
  assert.equal(again.inserted, 0);
  assert.equal(again.updated, 0);
});

test(`nba-kaggle and sbr-mlb with their FiveThirtyEight forecasts (codes, doubleheaders, invalid moneylines)${suffix}`, { skip }, async () => {
  const nba = await subset(data('nba_odds_kaggle_2008_2025/nba_2008-2025.csv'), 'nba_2018.csv', 'season', (v) => v === '2018');
  const n = await runImport(t.db, { source: 'nba-kaggle', paths: [nba.file] });
  assert.equal(n.inserted, nba.rows.length);
  assert.deepEqual(n.unknownTeams, []);
  const f = await runImport(t.db, { source: 'fivethirtyeight', paths: [data('fivethirtyeight_nba_elo')] });
  assert.equal(await forecasts('fivethirtyeight-elo', 'nba'), nba.rows.length);
  assert.deepEqual(f.unknownTeams, []);

  const m = await runImport(t.db, { source: 'sbr-mlb', paths: [data('sbr_odds_bettingtools/mlb_odds_2018.csv')] });
  const mlbRows = parseCsv(await readFile(data('sbr_odds_bettingtools/mlb_odds_2018.csv'), 'utf8')).records.length;
  assert.equal(m.rowsRead, mlbRows);
  // Four rows have an invalid closing moneyline: each price is quarantined alone and the game imports
  // (this used to quarantine the four whole games, which then vanished from ratings and rest days).
  assert.equal(m.rejected, 0);
  assert.equal(m.pricesQuarantined, 4, 'four invalid closing moneylines');
  assert.equal(m.inserted, mlbRows);
  const quarantined = (await listRejects(t.db, m.runId)).rows;
  assert.deepEqual(quarantined.map((r) => [r.reasons, r.field?.endsWith('_close_ml')]), Array(4).fill([['ODDS_INVALID'], true]));
  assert.ok(await count(t.db, `games WHERE game_number = 2 AND sport_id = (SELECT id FROM sports WHERE code = 'mlb')`) > 5, 'doubleheaders');
  const fm = await runImport(t.db, { source: 'fivethirtyeight', paths: [data('fivethirtyeight_mlb_elo')] });
  assert.deepEqual(fm.unknownTeams, []);
  // Every forecast matches its game (no cross-matching onto a series neighbour), the four games with a bad price included.
  assert.equal(fm.unmatched, 0);
  const mlb538 = parseCsv(await readFile(data('fivethirtyeight_mlb_elo/mlb_elo_2018_excel_export.csv'), 'utf8')).records.length;
  assert.equal(await forecasts('fivethirtyeight-mlb-rating', 'mlb'), mlb538);
  assert.equal(await forecasts('fivethirtyeight-elo', 'mlb'), mlb538);
});
