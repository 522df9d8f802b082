import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { buildFeatures, defineFeatureSet, fairProbabilities, getFeatureRows } from '../../features/index.ts';
import { Fixture, createTestDb, postgresReachable, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';

// market_rating's Kalman mode: each side moves by variance / (both variances + observation noise),
// and a team's variance grows per day between its games, so a long break makes the next step larger.
const Q = 0.01;
const R = 1;
const MAX = 1;
const SET = defineFeatureSet({
  name: 'fx-market-rating-kalman',
  sport: 'soccer',
  target: '1x2',
  usesMarket: false,
  features: [{ family: 'market_rating', params: { sources: ['pinnacle:closing'], hfa: 0.4, hfaRate: 0, processNoise: Q, observationNoise: R, maxVariance: MAX } }],
});

let t: TestDb;
const ids: Record<string, number> = {};
const G1 = { home: 1.5, draw: 4.5, away: 6.0 };
const G2 = { home: 2.2, draw: 3.4, away: 3.3 };

beforeAll(async () => {
  if (!reachable) return;
  t = await createTestDb('features_market_rating_kalman');
  const fx = new Fixture(t.db);
  ids.g1 = await fx.game({ kickoff: '2020-08-01T15:00:00Z', home: 'a', away: 'b', score: [1, 0] });
  ids.g2 = await fx.game({ kickoff: '2020-08-08T15:00:00Z', home: 'a', away: 'b', score: [1, 1] });
  ids.g3 = await fx.game({ kickoff: '2020-08-15T15:00:00Z', home: 'a', away: 'b' });
  await fx.odds(ids.g1, 'pinnacle', 'closing', G1);
  await fx.odds(ids.g2, 'pinnacle', 'closing', G2);
  // g3's own odds must not reach g3's row.
  await fx.odds(ids.g3, 'pinnacle', 'closing', { home: 9.0, draw: 5.0, away: 1.3 });
});

afterAll(async () => {
  if (reachable) await t.drop();
});

const logRatio = (p: { home: number; draw: number; away: number }) => {
  const f = fairProbabilities(p);
  return Math.log(f.home / f.away);
};

test('market rating, Kalman mode: gains from the variances, variance grows with the days between games', { skip: Boolean(skip) }, async () => {
  await buildFeatures(t.db, SET, { full: true });
  const rows = await getFeatureRows(t.db, SET.hash, Object.values(ids));
  const diff = (game: string) => rows.get(ids[game]!)!.values[SET.featureNames.indexOf('mr_diff')] as number;
  // g1: both teams new (ratings 0, variance at the cap): the home advantage alone.
  assert.ok(Math.abs(diff('g1') - 0.4) < 1e-6);
  // After g1 each side moved by MAX / (2·MAX + R) of the error, and its variance shrank by (1 − gain).
  const e1 = logRatio(G1) - 0.4;
  const k1 = MAX / (2 * MAX + R);
  const h1 = k1 * e1;
  const a1 = -k1 * e1;
  assert.ok(Math.abs(diff('g2') - (h1 - a1 + 0.4)) < 1e-6);
  // g2: each variance grew by Q per day over the 7 days since g1.
  const v2 = Math.min(MAX, MAX * (1 - k1) + Q * 7);
  const k2 = v2 / (2 * v2 + R);
  const e2 = logRatio(G2) - (h1 - a1 + 0.4);
  assert.ok(Math.abs(diff('g3') - (h1 + k2 * e2 - (a1 - k2 * e2) + 0.4)) < 1e-6);
  // The gain is neither the fixed default rate (0.2) nor the first step's: the variance moved it.
  assert.ok(Math.abs(k2 - k1) > 0.01 && Math.abs(k2 - 0.2) > 0.01);
});
