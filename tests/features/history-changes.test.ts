// The incremental build trusts its stored engine snapshot only while the history change log
// (migration 0037, kept by triggers) names no change at or before the watermark that the last
// build's transaction snapshot could not see. Each test here fails if that log is ignored: the
// build would resume and keep rows computed from the uncorrected history.
import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { buildFeatures, defineFeatureSet, getFeatureRows, type FeatureSet } from '../../features/index.ts';
import { Fixture, createTestDb, postgresReachable, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';

// Closing Pinnacle prices of finished games move the market rating every later game reads.
const MKT = defineFeatureSet({
  name: 'fx-changes-market',
  sport: 'soccer',
  target: '1x2',
  usesMarket: false,
  features: [{ family: 'market_rating', params: { sources: ['pinnacle:closing'] } }, { family: 'elo', params: { k: 20, hfa: 65, mov: 'goal_diff' } }],
});

let t: TestDb;
let fx: Fixture;
const ids: Record<string, number> = {};

async function rowsOf(set: FeatureSet): Promise<Map<number, (number | null)[]>> {
  const rows = await getFeatureRows(t.db, set.hash, Object.values(ids));
  return new Map([...rows].map(([id, r]) => [id, r.values]));
}

/** The rows a build from nothing gives now: what any build must leave behind. */
async function freshRows(): Promise<Map<number, (number | null)[]>> {
  await buildFeatures(t.db, MKT, { full: true });
  return rowsOf(MKT);
}

beforeAll(async () => {
  if (!reachable) return;
  t = await createTestDb('features_changes');
  fx = new Fixture(t.db);
  ids.g1 = await fx.game({ kickoff: '2021-08-01T15:00:00Z', home: 'a', away: 'b', score: [2, 0] });
  ids.g2 = await fx.game({ kickoff: '2021-08-08T15:00:00Z', home: 'c', away: 'a', score: [1, 1] });
  ids.g3 = await fx.game({ kickoff: '2021-08-15T15:00:00Z', home: 'b', away: 'c', score: [0, 1] });
  ids.g4 = await fx.game({ kickoff: '2021-08-22T15:00:00Z', home: 'a', away: 'c' }); // scheduled: the watermark is g3
  await fx.odds(ids.g1, 'pinnacle', 'closing', { home: 1.8, draw: 3.6, away: 4.8 });
  await fx.odds(ids.g2, 'pinnacle', 'closing', { home: 2.6, draw: 3.3, away: 2.8 });
});

afterAll(async () => {
  if (reachable) await t.drop();
});

test('a corrected closing price of an earlier game forces a full build equal to a fresh one', { skip: Boolean(skip) }, async () => {
  const first = await buildFeatures(t.db, MKT, { full: true });
  assert.equal(first.watermark, '2021-08-15T15:00:00.000Z');
  assert.equal((await buildFeatures(t.db, MKT)).mode, 'incremental');
  const before = await rowsOf(MKT);
  await t.db.query("UPDATE odds SET price = 1.25 WHERE game_id = $1 AND selection = 'home'", [ids.g1]);
  try {
    const report = await buildFeatures(t.db, MKT);
    assert.equal(report.mode, 'full');
    assert.equal(report.reason, 'history changed');
    const after = await rowsOf(MKT);
    assert.notDeepEqual(after.get(ids.g3!), before.get(ids.g3!), 'g3 reads the market rating g1 moved');
    assert.deepEqual(after, await freshRows());
    assert.equal((await buildFeatures(t.db, MKT)).mode, 'incremental', 'the change is seen once');
  } finally {
    await t.db.query("UPDATE odds SET price = 1.8 WHERE game_id = $1 AND selection = 'home'", [ids.g1]);
  }
});

test('a corrected result and a deleted odds row of earlier games each force a full build', { skip: Boolean(skip) }, async () => {
  await buildFeatures(t.db, MKT, { full: true });
  const before = await rowsOf(MKT);
  await t.db.query("UPDATE results SET home_score = 0, away_score = 4, outcome = 'away' WHERE game_id = $1", [ids.g1]);
  try {
    const report = await buildFeatures(t.db, MKT);
    assert.deepEqual([report.mode, report.reason], ['full', 'history changed']);
    assert.notDeepEqual((await rowsOf(MKT)).get(ids.g2!), before.get(ids.g2!));
  } finally {
    await t.db.query("UPDATE results SET home_score = 2, away_score = 0, outcome = 'home' WHERE game_id = $1", [ids.g1]);
  }
  await buildFeatures(t.db, MKT);
  await t.db.query('DELETE FROM odds WHERE game_id = $1', [ids.g2]);
  try {
    const report = await buildFeatures(t.db, MKT);
    assert.deepEqual([report.mode, report.reason], ['full', 'history changed']);
    assert.deepEqual(await rowsOf(MKT), await freshRows());
  } finally {
    await fx.odds(ids.g2, 'pinnacle', 'closing', { home: 2.6, draw: 3.3, away: 2.8 });
  }
});

test('changes after the watermark, of another market or another sport keep the build incremental', { skip: Boolean(skip) }, async () => {
  await buildFeatures(t.db, MKT, { full: true });
  await fx.odds(ids.g4, 'pinnacle', 'preclosing', { home: 2.0, draw: 3.4, away: 3.9 }, '2021-08-21T12:00:00Z');
  await fx.odds(ids.g1, 'pinnacle', 'closing', { home: 1.9, away: 1.9 }, undefined, 'total');
  const nfl = await fx.game({ sport: 'nfl', competition: 'NFL', kickoff: '2021-08-01T17:00:00Z', home: 'kc', away: 'buf', score: [24, 20] });
  const report = await buildFeatures(t.db, MKT);
  assert.deepEqual([report.mode, report.reason], ['incremental', 'history unchanged']);
  assert.deepEqual(await rowsOf(MKT), await freshRows());
  await t.db.query('DELETE FROM games WHERE id = $1', [nfl]);
  await t.db.query("DELETE FROM odds WHERE game_id = $1 AND market = 'total'", [ids.g1]);
});

test('a correction committed while a build ran is seen by the next build, whatever the commit order', { skip: Boolean(skip) }, async () => {
  await buildFeatures(t.db, MKT, { full: true });
  let during: Awaited<ReturnType<typeof buildFeatures>> | undefined;
  await t.db.transaction(async (tx) => {
    await tx.query('UPDATE results SET home_score = 5 WHERE game_id = $1', [ids.g2]);
    // This build's snapshot cannot see the open transaction's change.
    during = await buildFeatures(t.db, MKT);
  });
  try {
    assert.equal(during!.mode, 'incremental');
    const next = await buildFeatures(t.db, MKT);
    assert.deepEqual([next.mode, next.reason], ['full', 'history changed']);
  } finally {
    await t.db.query('UPDATE results SET home_score = 1 WHERE game_id = $1', [ids.g2]);
  }
});
