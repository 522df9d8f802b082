import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { createPgliteDb, migrate } from '../../../src/db/index.ts';
import type { Db } from '../../../core/db.ts';
import { runImport } from '../../../history/index.ts';
import { count, data, HAS_DATA, NO_DATA_REASON } from './helpers.ts';

// The embedded mode: PGlite has no COPY FROM STDIN, so staging goes through unnest INSERTs.
const skip = HAS_DATA ? false : NO_DATA_REASON;
let db: Db;

beforeAll(async () => {
  if (skip) return;
  db = await createPgliteDb({ template: true });
  await migrate(db);
});
afterAll(async () => {
  await db?.close();
});

test(`PGlite: football-data season and FiveThirtyEight SPI forecasts import; re-import is a no-op${skip ? ` [skipped: ${skip}]` : ''}`, { skip: Boolean(skip) }, async () => {
  const s = await runImport(db, { source: 'football-data', paths: [data('football_data_co_uk/big5_2003_2024/E0_1718.csv')] });
  assert.equal(s.inserted, 380);
  assert.equal(await count(db, 'games'), 380);
  assert.equal(s.oddsWritten, await count(db, 'odds'));
  const f = await runImport(db, { source: 'fivethirtyeight', paths: [data('fivethirtyeight_spi_soccer/spi_matches_to_2020-12_from_fivethirtyeightdata.csv')] });
  // Every 2017/18 Premier League match gets SPI probabilities through the alias table (Manchester United -> Man United ...).
  assert.equal(f.inserted, 380);
  assert.deepEqual(f.unknownTeams, []);
  const mu = await db.query<{ p_home: number; p_draw: number; p_away: number }>(
    `SELECT f.p_home, f.p_draw, f.p_away FROM reference_forecasts f JOIN games g ON g.id = f.game_id
       JOIN teams h ON h.id = g.home_team_id JOIN teams a ON a.id = g.away_team_id
      WHERE h.name = 'Man United' AND a.name = 'Leicester' AND g.game_date = '2017-08-26'`,
  );
  assert.equal(mu.rows.length, 1);
  assert.ok(Math.abs(mu.rows[0]!.p_home + mu.rows[0]!.p_draw + mu.rows[0]!.p_away - 1) < 0.01);
  const again = await runImport(db, { source: 'football-data', paths: [data('football_data_co_uk/big5_2003_2024/E0_1718.csv')] });
  assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 380]);
  const f2 = await runImport(db, { source: 'fivethirtyeight', paths: [data('fivethirtyeight_spi_soccer/spi_matches_to_2020-12_from_fivethirtyeightdata.csv')] });
  assert.deepEqual([f2.inserted, f2.updated, f2.unchanged], [0, 0, 380]);
});
