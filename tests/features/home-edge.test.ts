import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { buildFeatures, defineFeatureSet, fairProbabilities, getFeatureRows } from '../../features/index.ts';
import { Fixture, createTestDb, postgresReachable, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';

// home_edge: the home side's own edge is an exponentially weighted mean of its margin above the
// internal margin rating's prediction in ITS home games only; away games and neutral sites teach
// the rating but never the edge, and a game's own score never reaches its row.
const P = { edgeRate: 0.5, rate: 0.1, hfa: 2, hfaRate: 0, cap: 24, regression: 0 };
const SET = defineFeatureSet({ name: 'fx-home-edge', sport: 'nfl', target: 'home_win', usesMarket: false, features: [{ family: 'home_edge', params: P }] });

// The same edge on earlier games' moneylines (log-ratio scale) against a rating fitted to them.
const PM = { prefix: 'hem', source: 'moneyline', sources: ['consensus:closing'], edgeRate: 0.5, rate: 0.4, hfa: 0.3, hfaRate: 0, cap: 6, regression: 0 };
const MSET = defineFeatureSet({ name: 'fx-home-edge-ml', sport: 'nfl', target: 'home_win', usesMarket: false, features: [{ family: 'home_edge', params: PM }] });
const ML1 = { home: 1.5, away: 2.8 };
const ML2 = { home: 2.5, away: 1.6 };

let t: TestDb;
const ids: Record<string, number> = {};
const mids: Record<string, number> = {};

beforeAll(async () => {
  if (!reachable) return;
  t = await createTestDb('t_model31_he');
  const fx = new Fixture(t.db);
  const game = (kickoff: string, home: string, away: string, score?: [number, number], neutral?: boolean) =>
    fx.game({ sport: 'nfl', competition: 'NFL', kickoff, home, away, ...(score ? { score } : {}), ...(neutral ? { neutral } : {}) });
  ids.g1 = await game('2020-09-13T17:00:00Z', 'A', 'B', [30, 10]); // A at home by 20
  ids.g2 = await game('2020-09-20T17:00:00Z', 'B', 'A', [17, 14]); // A away: must not move A's edge
  ids.g3 = await game('2020-09-27T17:00:00Z', 'A', 'B', [40, 0], true); // neutral: no edge either way
  ids.g4 = await game('2020-10-04T17:00:00Z', 'A', 'B', [3, 27]); // its own score must not reach its row
  ids.g5 = await game('2020-10-11T17:00:00Z', 'A', 'B');
  mids.m1 = await game('2021-09-12T17:00:00Z', 'C', 'D', [20, 17]);
  mids.m2 = await game('2021-09-19T17:00:00Z', 'C', 'D', [10, 13]);
  mids.m3 = await game('2021-09-26T17:00:00Z', 'C', 'D');
  await fx.odds(mids.m1, 'consensus', 'closing', ML1, undefined, 'moneyline');
  // m2's own price must not reach m2's row; it reaches m3's.
  await fx.odds(mids.m2, 'consensus', 'closing', ML2, undefined, 'moneyline');
  await fx.odds(mids.m3, 'consensus', 'closing', { home: 9, away: 1.05 }, undefined, 'moneyline');
});

afterAll(async () => {
  if (reachable) await t.drop();
});

test('home edge: learned from the team\'s own home games only, never from the game itself', { skip: Boolean(skip) }, async () => {
  await buildFeatures(t.db, SET, { full: true });
  const rows = await getFeatureRows(t.db, SET.hash, Object.values(ids));
  const edge = (g: string) => rows.get(ids[g]!)!.values[SET.featureNames.indexOf('he_home')] as number;
  // Replay of the internal rating by hand (rate 0.1, league home advantage 2, fixed).
  let a = 0;
  let b = 0;
  let edgeA = 0;
  const clamp = (x: number) => Math.max(-24, Math.min(24, x));
  assert.equal(edge('g1'), 0, 'no home game of A before g1');
  const e1 = clamp(20) - (a - b + 2);
  a += 0.1 * e1;
  b -= 0.1 * e1;
  edgeA += 0.5 * (e1 - edgeA);
  // g2: B at home; its row shows B's edge (none yet), and the game does not touch A's edge.
  assert.equal(edge('g2'), 0);
  const e2 = clamp(3) - (b - a + 2);
  b += 0.1 * e2;
  a -= 0.1 * e2;
  // g3: neutral site, so the row is 0 and the edge learns nothing.
  assert.equal(edge('g3'), 0);
  const e3 = clamp(40) - (a - b);
  a += 0.1 * e3;
  b -= 0.1 * e3;
  assert.ok(Math.abs(edge('g4') - edgeA) < 1e-9, `g4 edge ${edge('g4')} expected ${edgeA}`);
  assert.ok(Math.abs(edgeA - 0.5 * 18) < 1e-9);
  const e4 = clamp(-24) - (a - b + 2);
  edgeA += 0.5 * (e4 - edgeA);
  assert.ok(Math.abs(edge('g5') - edgeA) < 1e-9, `g5 edge ${edge('g5')} expected ${edgeA}`);
  assert.ok(edge('g5') < edge('g4'), 'a home loss lowers the edge');
});

test('home edge on moneylines: residual of earlier games\' de-vigged log-ratios, not this game\'s price', { skip: Boolean(skip) }, async () => {
  await buildFeatures(t.db, MSET, { full: true });
  const rows = await getFeatureRows(t.db, MSET.hash, Object.values(mids));
  const edge = (g: string) => rows.get(mids[g]!)!.values[MSET.featureNames.indexOf('hem_home')] as number;
  const lr = (p: { home: number; away: number }) => {
    const f = fairProbabilities({ ...p, draw: null });
    return Math.log(f.home / f.away);
  };
  assert.equal(edge('m1'), 0);
  // m1: both ratings at the prior 0 (A and B's games carry no odds, so they taught the rating nothing).
  const e1 = lr(ML1) - 0.3;
  assert.ok(Math.abs(edge('m2') - 0.5 * e1) < 1e-9, `m2 edge ${edge('m2')} expected ${0.5 * e1}`);
  assert.ok(edge('m2') > 0, 'a home price above the league home advantage raises the edge');
  assert.ok(edge('m3') < edge('m2'), 'm2 (home side the underdog) lowers it, and m2\'s own price reached only m3');
});
