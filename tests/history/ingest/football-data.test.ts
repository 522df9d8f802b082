import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runImport } from '../../../history/index.ts';
import { count, createTestDb, data, HAS_DATA, NO_DATA_REASON, postgresReachable, tempDir, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = !HAS_DATA ? NO_DATA_REASON : !reachable ? 'Postgres unreachable (set CI=true to fail instead)' : false;
let t: TestDb;
const files = [data('football_data_co_uk/big5_2003_2024/E0_1213.csv'), data('football_data_co_uk/big5_2003_2024/E0_2324.csv'), data('football_data_co_uk/raw_sample')];

before(async () => {
  if (!skip) t = await createTestDb('ingest_fd');
});
after(async () => {
  await t?.drop();
});

async function game(home: string, away: string, date: string) {
  const { rows } = await t.db.query<{ id: number; kickoff: Date; kickoff_known: boolean; home_score: number; away_score: number; home_score_ht: number; away_score_ht: number; stats: any; season: string; context: any }>(
    `SELECT g.id, g.kickoff, g.kickoff_known, r.home_score, r.away_score, r.home_score_ht, r.away_score_ht, r.stats, se.label AS season, g.context
       FROM games g JOIN results r ON r.game_id = g.id JOIN seasons se ON se.id = g.season_id
       JOIN team_aliases h ON h.team_id = g.home_team_id AND h.source = 'football-data' JOIN team_aliases a ON a.team_id = g.away_team_id AND a.source = 'football-data'
      WHERE h.alias = $1 AND a.alias = $2 AND g.game_date = $3::date`,
    [home, away, date],
  );
  assert.equal(rows.length, 1, `${home} v ${away} ${date}`);
  return rows[0]!;
}

async function price(gameId: number, bookmaker: string, market: string, selection: string, kind: string): Promise<{ price: number; line: number }[]> {
  const { rows } = await t.db.query<{ price: number; line: number }>(
    `SELECT o.price, o.line FROM odds o JOIN bookmakers b ON b.id = o.bookmaker_id WHERE o.game_id = $1 AND b.code = $2 AND o.market = $3 AND o.selection = $4 AND o.kind = $5`,
    [gameId, bookmaker, market, selection, kind],
  );
  return rows;
}

test(`football-data: three seasons (re-saved and original format) import with scores, stats and odds${skip ? ` [skipped: ${skip}]` : ''}`, { skip }, async () => {
  const s = await runImport(t.db, { source: 'football-data', paths: files });
  assert.deepEqual(s.files, ['E0_1213.csv', 'E0_2324.csv', 'E0_2425_raw.csv']);
  assert.equal(s.rowsRead, 1140);
  assert.equal(s.inserted, 1140);
  assert.equal(s.rejected, 0);
  assert.deepEqual(s.unknownTeams, []);
  assert.equal(await count(t.db, 'games'), 1140);
  assert.equal(await count(t.db, 'results'), 1140);
  assert.equal(await count(t.db, `competitions WHERE code = 'E0'`), 1);
  assert.equal(await count(t.db, 'seasons'), 3);
  assert.equal(s.oddsWritten, await count(t.db, 'odds'));

  // 2012/13: dd/mm/yy, no Time column -> 15:00 UK time, not known; Pinnacle closing from PSC*.
  const ars = await game('Arsenal', 'Sunderland', '2012-08-18');
  assert.equal(ars.season, '2012/13');
  assert.deepEqual([ars.home_score, ars.away_score, ars.home_score_ht, ars.away_score_ht], [0, 0, 0, 0]);
  assert.equal(ars.kickoff.toISOString(), '2012-08-18T14:00:00.000Z');
  assert.equal(ars.kickoff_known, false);
  assert.deepEqual(ars.stats.home, { shots: 14, shotsOnTarget: 4, fouls: 12, corners: 7, yellow: 0, red: 0 });
  assert.equal((await price(ars.id, 'pinnacle', '1x2', 'home', 'closing'))[0]!.price, 1.44);
  assert.equal((await price(ars.id, 'pinnacle', '1x2', 'draw', 'closing'))[0]!.price, 4.72);
  assert.equal((await price(ars.id, 'pinnacle', '1x2', 'away', 'closing'))[0]!.price, 8.71);
  assert.equal((await price(ars.id, 'market_avg', '1x2', 'home', 'preclosing'))[0]!.price, 1.4);

  // 2023/24: dd/mm/yyyy with Time (BST) -> UTC; `_2_5` columns; Asian handicap line.
  const bur = await game('Burnley', 'Man City', '2023-08-11');
  assert.equal(bur.kickoff.toISOString(), '2023-08-11T19:00:00.000Z');
  assert.equal(bur.kickoff_known, true);
  assert.deepEqual([bur.home_score, bur.away_score, bur.home_score_ht, bur.away_score_ht], [0, 3, 0, 2]);
  assert.equal(bur.context.referee, 'C Pawson');
  assert.equal((await price(bur.id, 'pinnacle', '1x2', 'home', 'closing'))[0]!.price, 9.62);
  assert.equal((await price(bur.id, 'pinnacle', '1x2', 'away', 'closing'))[0]!.price, 1.33);
  assert.equal((await price(bur.id, 'pinnacle', '1x2', 'home', 'preclosing'))[0]!.price, 8.58);
  assert.deepEqual(await price(bur.id, 'pinnacle', 'total', 'over', 'closing'), [{ price: 1.65, line: 2.5 }]);
  assert.deepEqual(await price(bur.id, 'pinnacle', 'total', 'under', 'closing'), [{ price: 2.35, line: 2.5 }]);
  assert.deepEqual(await price(bur.id, 'pinnacle', 'spread', 'home', 'preclosing'), [{ price: 1.86, line: 1.5 }]);
  assert.deepEqual(await price(bur.id, 'pinnacle', 'spread', 'home', 'closing'), [{ price: 1.95, line: 1.5 }]);

  // Publisher's original format: BOM, CRLF, `P>2.5`, different closing handicap.
  const mu = await game('Man United', 'Fulham', '2024-08-16');
  assert.deepEqual([mu.home_score, mu.away_score], [1, 0]);
  assert.equal((await price(mu.id, 'pinnacle', '1x2', 'home', 'closing'))[0]!.price, 1.65);
  assert.deepEqual(await price(mu.id, 'pinnacle', 'total', 'over', 'preclosing'), [{ price: 1.56, line: 2.5 }]);
  assert.deepEqual(await price(mu.id, 'pinnacle', 'spread', 'home', 'closing'), [{ price: 1.83, line: -0.75 }]);
  assert.deepEqual(await price(mu.id, 'market_max', '1x2', 'home', 'closing'), [{ price: 1.7, line: 0 }]);
});

test(`football-data: re-import is a no-op; a corrected file updates only its changed rows${skip ? ` [skipped: ${skip}]` : ''}`, { skip }, async () => {
  const oddsBefore = await count(t.db, 'odds');
  const again = await runImport(t.db, { source: 'football-data', paths: files });
  assert.equal(again.inserted, 0);
  assert.equal(again.updated, 0);
  assert.equal(again.unchanged, 1140);
  assert.equal(again.oddsWritten, 0);
  assert.equal(await count(t.db, 'odds'), oddsBefore);

  const tmp = await tempDir();
  try {
    const text = await readFile(data('football_data_co_uk/big5_2003_2024/E0_2324.csv'), 'utf8');
    const lines = text.split('\n');
    // Correct the second match: Arsenal 2-1 Nott'm Forest becomes 3-1 and Pinnacle's closing home price 1.20.
    const cells = lines[2]!.split(',');
    const header = lines[0]!.split(',');
    cells[header.indexOf('FTHG')] = '3';
    cells[header.indexOf('PSCH')] = '1.2';
    lines[2] = cells.join(',');
    const corrected = join(tmp.dir, 'E0_2324.csv');
    await writeFile(corrected, lines.join('\n'));
    const s = await runImport(t.db, { source: 'football-data', paths: [corrected] });
    assert.equal(s.inserted, 0);
    assert.equal(s.updated, 1);
    assert.equal(s.unchanged, 379);
    const ars = await game('Arsenal', "Nott'm Forest", '2023-08-12');
    assert.equal(ars.home_score, 3);
    assert.equal((await price(ars.id, 'pinnacle', '1x2', 'home', 'closing'))[0]!.price, 1.2);
    assert.equal(await count(t.db, 'odds'), oddsBefore);
  } finally {
    await tmp.remove();
  }
});
