/**
 * Lead-time market features and line movement: a price enters a row only when it has a known
 * capture time at or before kickoff − leadHours. Snapshots captured after that cut-off (between it
 * and kickoff, at or after kickoff), closing prices and undated prices never reach the row — the
 * leak test changes all of them and the row must not move, and a control moves one snapshot
 * before the cut-off to show the same check does see a change. Online rows use the same engine.
 */
import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import {
  DEFAULT_FEATURE_SETS,
  buildFeatures,
  computeOnline,
  defineFeatureSet,
  fairProbabilities,
  featureSetAvailability,
  getFeatureRows,
} from '../../features/index.ts';
import { AppError } from '../../core/errors.ts';
import { Fixture, createTestDb, postgresReachable, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';

const H = 3_600_000;
const LEAD = defineFeatureSet({
  name: 'fx-lead',
  sport: 'soccer',
  target: '1x2',
  usesMarket: true,
  features: [
    { family: 'elo', params: { k: 20 } },
    { family: 'market_at', params: { prefix: 'l24', bookmakers: ['pinnacle', 'bet365'], leadHours: 24, transform: 'prob', age: true } },
    { family: 'market_at', params: { prefix: 'l1', bookmakers: ['pinnacle', 'bet365'], leadHours: 1 } },
    { family: 'line_movement', params: { prefix: 'mv', bookmakers: ['pinnacle', 'bet365'], leadHours: [24, 1] } },
  ],
});
const col = (name: string) => {
  const i = LEAD.featureNames.indexOf(name);
  assert.ok(i >= 0, `column ${name}`);
  return i;
};

let t: TestDb;
let fx: Fixture;
const ids: Record<string, number> = {};
const K = Date.parse('2021-03-10T19:00:00Z');
const at = (hoursBefore: number, base = K) => new Date(base - hoursBefore * H).toISOString();

const P = {
  open: { home: 2.4, draw: 3.3, away: 3.0 },
  h30: { home: 2.3, draw: 3.3, away: 3.2 },
  h24: { home: 2.2, draw: 3.4, away: 3.4 },
  h20: { home: 2.1, draw: 3.4, away: 3.6 },
  h1: { home: 2.0, draw: 3.5, away: 3.9 },
};

beforeAll(async () => {
  if (!reachable) return;
  t = await createTestDb('features_lead_time');
  fx = new Fixture(t.db);
  ids.g0 = await fx.game({ kickoff: '2021-03-03T19:00:00Z', home: 'a', away: 'b', score: [1, 0] });
  ids.g = await fx.game({ kickoff: new Date(K).toISOString(), home: 'b', away: 'a', score: [2, 2] });
  // What the row may see: an opening price, snapshots 30 h, exactly 24 h, 20 h and 61 min before.
  await fx.odds(ids.g, 'pinnacle', 'opening', P.open, at(72));
  await fx.odds(ids.g, 'pinnacle', 'snapshot', P.h30, at(30));
  await fx.odds(ids.g, 'pinnacle', 'snapshot', P.h24, at(24));
  await fx.odds(ids.g, 'pinnacle', 'snapshot', P.h20, at(20));
  await fx.odds(ids.g, 'pinnacle', 'snapshot', P.h1, at(61 / 60));
  // What it must not: 30 min before (after the 1 h cut-off), after kickoff, closing, undated.
  await fx.odds(ids.g, 'pinnacle', 'snapshot', { home: 1.5, draw: 4.5, away: 7.0 }, at(0.5));
  await fx.odds(ids.g, 'pinnacle', 'snapshot', { home: 1.2, draw: 7.0, away: 12.0 }, at(-10 / 60));
  await fx.odds(ids.g, 'pinnacle', 'closing', { home: 1.9, draw: 3.6, away: 4.2 });
  await fx.odds(ids.g, 'pinnacle', 'preclosing', { home: 1.7, draw: 3.8, away: 5.0 });
  // A game with only an undated bet365 price: every lead-time column is missing.
  ids.undated = await fx.game({ kickoff: '2021-03-17T19:00:00Z', home: 'a', away: 'b', score: [0, 1] });
  await fx.odds(ids.undated, 'bet365', 'preclosing', { home: 1.8, draw: 3.6, away: 4.5 });
  // An upcoming game, for the online row.
  ids.u = await fx.game({ kickoff: '2021-03-24T19:00:00Z', home: 'b', away: 'a' });
  const KU = Date.parse('2021-03-24T19:00:00Z');
  await fx.odds(ids.u, 'bet365', 'snapshot', P.h30, at(25, KU));
  await fx.odds(ids.u, 'bet365', 'snapshot', P.h1, at(65 / 60, KU));
  await fx.odds(ids.u, 'bet365', 'snapshot', P.h20, at(45 / 60, KU));
  await fx.odds(ids.u, 'bet365', 'snapshot', { home: 1.2, draw: 7.0, away: 12.0 }, at(10 / 60, KU));
  // A competition whose prices are all undated (football-data style).
  const old = await fx.game({ competition: 'T2', kickoff: '2021-03-06T15:00:00Z', home: 'c', away: 'd', score: [1, 1] });
  await fx.odds(old, 'pinnacle', 'preclosing', { home: 2.0, draw: 3.4, away: 3.8 });
  await fx.odds(old, 'pinnacle', 'closing', { home: 2.0, draw: 3.4, away: 3.8 });
});

afterAll(async () => {
  if (reachable) await t.drop();
});

async function rowOf(gameId: number): Promise<(number | null)[]> {
  const rows = await getFeatureRows(t.db, LEAD.hash, [gameId]);
  return rows.get(gameId)!.values;
}

test('market_at reads the latest dated snapshot at kickoff − leadHours; line_movement the change between points', { skip: Boolean(skip) }, async () => {
  await buildFeatures(t.db, LEAD, { full: true });
  const g = await rowOf(ids.g!);
  const p24 = fairProbabilities(P.h24);
  assert.equal(g[col('l24_home')], p24.home, 'the snapshot captured exactly 24 h before counts as the 24 h price');
  assert.equal(g[col('l24_draw')], p24.draw);
  assert.equal(g[col('l24_away')], p24.away);
  assert.equal(g[col('l24_age_h')], 0);
  assert.equal(g[col('l24_missing')], 0);
  const p1 = fairProbabilities(P.h1);
  assert.equal(g[col('l1_home_draw')], Math.log(p1.home / p1.draw!), 'the 1 h price is the one 61 min before, not 30 min before');
  assert.equal(g[col('l1_away_draw')], Math.log(p1.away / p1.draw!));
  const po = fairProbabilities(P.open);
  assert.equal(g[col('mv_home_open_24h')], p24.home - po.home);
  assert.equal(g[col('mv_away_open_24h')], p24.away - po.away);
  assert.equal(g[col('mv_home_24h_1h')], p1.home - p24.home);
  assert.equal(g[col('mv_away_24h_1h')], p1.away - p24.away);
  assert.equal(g[col('mv_missing')], 0);

  // Undated prices have no place in time: every lead-time column is missing, flagged.
  const u = await rowOf(ids.undated!);
  for (const name of ['l24_home', 'l24_age_h', 'l1_home_draw', 'mv_home_open_24h', 'mv_home_24h_1h']) assert.equal(u[col(name)], null, name);
  assert.equal(u[col('l24_missing')], 1);
  assert.equal(u[col('l1_missing')], 1);
  assert.equal(u[col('mv_missing')], 1);
});

test('point in time: snapshots captured after the lead-time cut-off or after kickoff never leak into the row', { skip: Boolean(skip) }, async () => {
  const before = await rowOf(ids.g!);
  const late = "game_id = $1 AND (kind = 'closing' OR NOT isfinite(captured_at) OR captured_at > kickoff - interval '1 hour')";
  await t.db.query(`UPDATE odds SET price = price * 3 WHERE selection = 'home' AND ${late}`, [ids.g]);
  try {
    await buildFeatures(t.db, LEAD, { full: true });
    assert.deepEqual(await rowOf(ids.g!), before, 'nothing captured after kickoff − 1 h (nor closing, nor undated) may change the row');
  } finally {
    await t.db.query(`UPDATE odds SET price = price / 3 WHERE selection = 'home' AND ${late}`, [ids.g]);
  }
  // The 20 h snapshot lies after the 24 h cut-off: changing it leaves the 24 h columns alone...
  const between = "game_id = $1 AND kind = 'snapshot' AND captured_at = kickoff - interval '20 hours'";
  await t.db.query(`UPDATE odds SET price = price * 3 WHERE selection = 'home' AND ${between}`, [ids.g]);
  try {
    await buildFeatures(t.db, LEAD, { full: true });
    assert.deepEqual(await rowOf(ids.g!), before, 'the 20 h snapshot is neither the 24 h nor the latest before 1 h');
    // ...and the control: moved before the 1 h cut-off as its latest snapshot, it becomes the 1 h price, so the check can fail.
    await t.db.query(`UPDATE odds SET captured_at = kickoff - interval '62 minutes' WHERE ${between}`, [ids.g]);
    await t.db.query("UPDATE odds SET captured_at = kickoff - interval '70 minutes' WHERE game_id = $1 AND kind = 'snapshot' AND captured_at = kickoff - interval '61 minutes'", [ids.g]);
    await buildFeatures(t.db, LEAD, { full: true });
    const moved = await rowOf(ids.g!);
    assert.notEqual(moved[col('l1_home_draw')], before[col('l1_home_draw')]);
    assert.equal(moved[col('l24_home')], before[col('l24_home')]);
  } finally {
    await t.db.query("UPDATE odds SET captured_at = kickoff - interval '61 minutes' WHERE game_id = $1 AND kind = 'snapshot' AND captured_at = kickoff - interval '70 minutes'", [ids.g]);
    await t.db.query(`UPDATE odds SET captured_at = kickoff - interval '20 hours' WHERE game_id = $1 AND kind = 'snapshot' AND captured_at = kickoff - interval '62 minutes'`, [ids.g]);
    await t.db.query(`UPDATE odds SET price = price / 3 WHERE selection = 'home' AND ${between}`, [ids.g]);
  }
  await buildFeatures(t.db, LEAD, { full: true });
  assert.deepEqual(await rowOf(ids.g!), before);
});

test('online rows for an upcoming game use the same code: what is captured after the cut-off (or after asOf) is ignored', { skip: Boolean(skip) }, async () => {
  const KU = Date.parse('2021-03-24T19:00:00Z');
  const online = await computeOnline(t.db, LEAD, { gameId: ids.u! }, { asOf: new Date(KU - 30 * 60_000) });
  const p1 = fairProbabilities(P.h1);
  assert.equal(online.values[col('l1_home_draw')], Math.log(p1.home / p1.draw!), 'bet365 65 min before; not the 45 min or 10 min snapshots');
  const p24 = fairProbabilities(P.h30);
  assert.equal(online.values[col('l24_home')], p24.home, 'the 25 h snapshot is the latest at the 24 h cut-off');
  assert.equal(online.values[col('l24_age_h')], 1);
  assert.equal(online.values[col('mv_home_24h_1h')], p1.home - p24.home);
  assert.equal(online.values[col('mv_home_open_24h')], null, 'only one dated snapshot before 24 h: no opening movement');
  // The materialised row (as of kickoff) holds the same values: nothing between asOf and kickoff counts.
  await buildFeatures(t.db, LEAD, { full: true });
  assert.deepEqual(online.values, await rowOf(ids.u!));
  // Asked earlier, before the 1 h cut-off, the 1 h price is the latest one known then.
  const early = await computeOnline(t.db, LEAD, { gameId: ids.u! }, { asOf: new Date(KU - 20 * H) });
  assert.equal(early.values[col('l1_home_draw')], Math.log(p24.home / p24.draw!));
  // A matchup's request prices are "known now": 30 min before kickoff they are not the 1 h price.
  const now = KU - 30 * 60_000;
  const matchup = await computeOnline(t.db, LEAD, { competition: 'T1', home: 'b', away: 'a', kickoff: new Date(KU).toISOString(), odds: [{ bookmaker: 'pinnacle', kind: 'snapshot', ...P.h1 }] }, { asOf: new Date(now) });
  assert.equal(matchup.values[col('l1_missing')], 1);
  const sooner = await computeOnline(t.db, LEAD, { competition: 'T1', home: 'b', away: 'a', kickoff: new Date(KU).toISOString(), odds: [{ bookmaker: 'pinnacle', kind: 'snapshot', ...P.h1 }] }, { asOf: new Date(KU - 2 * H) });
  assert.equal(sooner.values[col('l1_home_draw')], Math.log(p1.home / p1.draw!));
});

test('definitions: lead-time families read the own market, lead times must decrease; availability needs dated snapshots', { skip: Boolean(skip) }, async () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as AppError).code;
    }
    return null;
  };
  const base = { name: 'fx-bad', sport: 'soccer' as const, target: '1x2' as const };
  assert.equal(code(() => defineFeatureSet({ ...base, usesMarket: false, features: [{ family: 'market_at' }] })), 'FEATURE_SET_INVALID');
  assert.equal(code(() => defineFeatureSet({ ...base, usesMarket: true, features: [{ family: 'line_movement', params: { leadHours: [1, 24] } }] })), 'FEATURE_SET_INVALID');
  assert.equal(code(() => defineFeatureSet({ ...base, usesMarket: true, features: [{ family: 'line_movement', params: { leadHours: [1], opening: false } }] })), 'FEATURE_SET_INVALID');
  assert.equal(code(() => defineFeatureSet({ ...base, usesMarket: true, features: [{ family: 'market_at', params: { leadHours: -1 } }] })), 'FEATURE_SET_INVALID');
  const thirty = defineFeatureSet({ ...base, usesMarket: true, features: [{ family: 'line_movement', params: { leadHours: [2, 0.5], opening: false } }] });
  assert.deepEqual(thirty.featureNames, ['mv_home_2h_30m', 'mv_away_2h_30m', 'mv_missing']);
  assert.notEqual(defineFeatureSet({ ...base, usesMarket: true, features: [{ family: 'market_at', params: { leadHours: 1 } }] }).hash, defineFeatureSet({ ...base, usesMarket: true, features: [{ family: 'market_at', params: { leadHours: 24 } }] }).hash);

  const live = DEFAULT_FEATURE_SETS.get('soccer-1x2-live-market')!;
  const withDated = await featureSetAvailability(t.db, live, { competitions: ['T1'] });
  // (The fixture games carry no shot statistics, so only the lead-time families are looked at.)
  assert.deepEqual(withDated.missing.filter((m) => m.family === 'market_at' || m.family === 'line_movement'), [], withDated.reason ?? '');
  const undatedOnly = await featureSetAvailability(t.db, live, { competitions: ['T2'] });
  assert.equal(undatedOnly.available, false);
  assert.deepEqual(undatedOnly.missing.map((m) => m.family).filter((f) => f !== 'attack_defence'), ['market_at', 'line_movement']);
  assert.match(undatedOnly.reason!, /capture time at least 1 h before kickoff/);
});
