import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { buildFeatures, defineFeatureSet, fairProbabilities, getFeatureRows, impliedGoals, poissonOutcome } from '../../features/index.ts';
import { Fixture, createTestDb, postgresReachable, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';

test('implied goals invert the Poisson outcome probabilities, draw included', () => {
  for (const [home, away] of [[0.45, 0.28], [0.7, 0.1], [0.2, 0.55], [0.33, 0.33], [0.9, 0.03]] as const) {
    const g = impliedGoals(home, away);
    const o = poissonOutcome(g.home, g.away);
    assert.ok(Math.abs(o.home - home) < 1e-7, `home ${home}: got ${o.home}`);
    assert.ok(Math.abs(o.away - away) < 1e-7, `away ${away}: got ${o.away}`);
    assert.ok(Math.abs(o.draw - (1 - home - away)) < 1e-7);
  }
  // A favourite scores more; equal chances give equal means.
  const fav = impliedGoals(0.6, 0.15);
  assert.ok(fav.home > fav.away);
  const even = impliedGoals(0.3, 0.3);
  assert.ok(Math.abs(even.home - even.away) < 1e-9);
  // More draw at equal chances means fewer goals.
  assert.ok(impliedGoals(0.3, 0.3).home < impliedGoals(0.36, 0.36).home);
});

const SET = defineFeatureSet({
  name: 'fx-market-goals',
  sport: 'soccer',
  target: '1x2',
  usesMarket: false,
  features: [{ family: 'market_goals', params: { sources: ['pinnacle:closing'], rate: 0.2, baseRate: 0 } }],
});

let t: TestDb;
const ids: Record<string, number> = {};

beforeAll(async () => {
  if (!reachable) return;
  t = await createTestDb('features_market_goals');
  const fx = new Fixture(t.db);
  ids.g1 = await fx.game({ kickoff: '2020-08-01T15:00:00Z', home: 'a', away: 'b', score: [0, 0] });
  ids.g2 = await fx.game({ kickoff: '2020-08-08T15:00:00Z', home: 'a', away: 'b', score: [1, 0] });
  ids.g3 = await fx.game({ kickoff: '2020-08-15T15:00:00Z', home: 'b', away: 'a' });
  await fx.odds(ids.g1, 'pinnacle', 'closing', { home: 1.5, draw: 4.5, away: 6.0 });
  // g2's own odds (a huge away favourite) must not reach g2's row.
  await fx.odds(ids.g2, 'pinnacle', 'closing', { home: 9.0, draw: 5.0, away: 1.3 });
});

afterAll(async () => {
  if (reachable) await t.drop();
});

test('market goals: learnt from past matches\' odds only, draw model consistent with the means', { skip: Boolean(skip) }, async () => {
  await buildFeatures(t.db, SET, { full: true });
  const rows = await getFeatureRows(t.db, SET.hash, Object.values(ids));
  const v = (game: string, name: string) => rows.get(ids[game]!)!.values[SET.featureNames.indexOf(name)] as number;
  // No team has a past match with odds before g1.
  assert.equal(v('g1', 'mxg_missing'), 1);
  assert.equal(v('g2', 'mxg_missing'), 0);
  // g1: prior base ln 1.2, home advantage 0.25; one step of rate 0.2 on each side toward g1's implied goals.
  const pr = fairProbabilities({ home: 1.5, draw: 4.5, away: 6.0 });
  const goals = impliedGoals(pr.home, pr.away);
  const lh = Math.log(1.2) + 0.25;
  const la = Math.log(1.2);
  const eh = Math.log(goals.home) - lh;
  const ea = Math.log(goals.away) - la;
  assert.ok(Math.abs(v('g1', 'mxg_home') - lh) < 1e-6);
  // Home side: a's attack and b's defence each moved 0.2·eh — g1's odds, not g2's.
  assert.ok(Math.abs(v('g2', 'mxg_home') - (lh + 0.4 * eh)) < 1e-6);
  assert.ok(Math.abs(v('g2', 'mxg_away') - (la + 0.4 * ea)) < 1e-6);
  for (const g of ['g1', 'g2', 'g3']) {
    const o = poissonOutcome(Math.exp(v(g, 'mxg_home')), Math.exp(v(g, 'mxg_away')));
    assert.ok(Math.abs(v(g, 'mxg_home_draw') - Math.log(o.home / o.draw)) < 1e-5);
    assert.ok(Math.abs(v(g, 'mxg_away_draw') - Math.log(o.away / o.draw)) < 1e-5);
  }
  // After g2 (b the market's favourite away at a), b at home in g3 is the stronger side.
  assert.ok(v('g3', 'mxg_home') > v('g3', 'mxg_away'));
});
