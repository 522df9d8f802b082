/**
 * The feature store on the embedded PGlite database (the default without DATABASE_URL):
 * build, incremental build, training set and online parity on a few fixture games.
 */
import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { createPgliteDb, migrate } from '../../src/db/index.ts';
import type { Db } from '../../core/db.ts';
import { buildFeatures, buildTrainingSet, computeOnline, createFeatureCache, getFeatureRows, loadMarketBaseline, resolveFeatureSet } from '../../features/index.ts';
import { Fixture } from './helpers.ts';

let db: Db;
const ids: number[] = [];
const SET = resolveFeatureSet('soccer-1x2-market');

beforeAll(async () => {
  db = await createPgliteDb({ template: true });
  await migrate(db);
  const fx = new Fixture(db);
  const teams = ['a', 'b', 'c', 'd'];
  let day = 1;
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < 2; i++) {
      const home = teams[(round + i) % 4]!;
      const away = teams[(round + i + 2) % 4]!;
      const kickoff = `2021-08-${String(day).padStart(2, '0')}T14:00:00Z`;
      const played = round < 5;
      const id = await fx.game({ competition: 'E0', kickoff, home, away, score: played ? [(round + i) % 3, (round * i) % 2] : undefined, stats: { home: { shotsOnTarget: 4 }, away: { shotsOnTarget: 3 } } });
      await fx.odds(id, 'pinnacle', 'preclosing', { home: 2.2, draw: 3.3, away: 3.4 });
      if (played) await fx.odds(id, 'pinnacle', 'closing', { home: 2.0 + i, draw: 3.4, away: 3.6 });
      ids.push(id);
    }
    day += 4;
  }
});

afterAll(async () => {
  await db?.close();
});

test('builds, resumes incrementally and serves the same rows online on PGlite', async () => {
  const full = await buildFeatures(db, SET, { full: true });
  assert.equal(full.rowsWritten, 12);
  assert.equal(full.watermark, '2021-08-17T14:00:00.000Z');
  const inc = await buildFeatures(db, SET);
  assert.equal(inc.mode, 'incremental');
  assert.equal(inc.gamesProcessed, 2);
  const rows = await getFeatureRows(db, SET.hash, ids);
  assert.equal(rows.size, 12);
  const cache = createFeatureCache();
  for (const id of ids) {
    const row = rows.get(id)!;
    const online = await computeOnline(db, SET, { gameId: id }, { asOf: new Date(row.kickoff), cache });
    assert.deepEqual(online.values, row.values);
  }
  const ts = await buildTrainingSet(db, SET);
  assert.equal(ts.nRows, 10);
  const market = await loadMarketBaseline(db, ids);
  assert.equal(market.get(ids[0]!)!.closing!.bookmaker, 'pinnacle');
});
