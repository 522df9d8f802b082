import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dataQualityReport } from '../../history/index.ts';
import { runImport } from '../../history/index.ts';
import { Fixture } from '../features/helpers.ts';
import { createTestPgDb, data, hasSharedData, postgresReachable, type TestDb } from '../support/services.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';
const noData = !hasSharedData ? 'skipped: ../shared/data is absent' : skip;
let t: TestDb;

before(async () => {
  if (skip) return;
  t = await createTestPgDb('history_quality');
});
after(async () => {
  await t?.drop();
});

test('data check: aggregate pseudo-books are not bookmakers; a real book below 1.0 still is suspicious', { skip }, async () => {
  const fx = new Fixture(t.db);
  const g = await fx.game({ competition: 'QC', kickoff: '2021-08-14T14:00:00Z', home: 'a', away: 'b', score: [1, 0] });
  await fx.odds(g, 'pinnacle', 'closing', { home: 2.0, draw: 3.4, away: 3.9 });
  // Best-of-market maximum: below 1.0 by construction. Market average: not a bookmaker either.
  await fx.odds(g, 'market_max', 'closing', { home: 2.2, draw: 3.7, away: 4.3 });
  await fx.odds(g, 'market_avg', 'closing', { home: 1.95, draw: 3.3, away: 3.8 });
  // A real bookmaker quoting an arbitrage is what the check is for.
  await fx.odds(g, 'bet365', 'closing', { home: 2.3, draw: 3.6, away: 4.4 });
  const s = (await dataQualityReport(t.db, { competition: 'QC' })).seasons[0]!;
  assert.equal(s.books, 2);
  assert.equal(s.suspiciousBooks, 1);
  assert.equal(s.overround!.max, Math.round((1 / 2 + 1 / 3.4 + 1 / 3.9) * 10_000) / 10_000);
});

test(`data check on real football-data files from 2019/20: no suspicious books${noData ? ` [${noData}]` : ''}`, { skip: noData }, async () => {
  await runImport(t.db, { source: 'football-data', paths: [data('football_data_co_uk/big5_2003_2024/E0_2122.csv'), data('football_data_co_uk/big5_2003_2024/D1_2223.csv')] });
  const report = await dataQualityReport(t.db, { sport: 'soccer' });
  const real = report.seasons.filter((s) => s.competition !== 'QC');
  assert.deepEqual(real.map((s) => [s.competition, s.season]), [['D1', '2022/23'], ['E0', '2021/22']]);
  // Every game's closing Pinnacle, Bet365, ... books are checked (market_max alone flagged ~300 a season before).
  for (const s of real) {
    assert.ok(s.books >= 5 * s.games, `${s.competition} ${s.season}: ${s.books} books for ${s.games} games`);
    assert.equal(s.suspiciousBooks, 0, `${s.competition} ${s.season}`);
    assert.ok(s.overround!.min >= 1, `${s.competition} ${s.season}: min overround ${s.overround!.min}`);
  }
});
