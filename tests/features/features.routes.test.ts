import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import type { AppInstance } from '../../src/http/types.ts';
import { buildFeatures } from '../../features/index.ts';
import { Fixture, createTestDb, postgresReachable, type TestDb } from './helpers.ts';
import { buildTestApp } from '../support/app.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';
let t: TestDb;
let ctx: AppContext;
let app: AppInstance;
const ids: Record<string, number> = {};

beforeAll(async () => {
  if (!reachable) return;
  t = await createTestDb('features_http');
  ctx = await createContext(loadConfig({ LOG_LEVEL: 'silent', SHARPLINE_FEATURE_STALE_DAYS: '30' }), { db: t.db, migrate: false });
  app = await buildTestApp(ctx);
  const fx = new Fixture(t.db);
  ids.g1 = await fx.game({ competition: 'E0', kickoff: '2021-08-14T14:00:00Z', home: 'arsenal', away: 'chelsea', score: [1, 2], stats: { home: { shotsOnTarget: 3 }, away: { shotsOnTarget: 6 } } });
  ids.g2 = await fx.game({ competition: 'E0', kickoff: '2021-08-21T14:00:00Z', home: 'chelsea', away: 'liverpool', score: [1, 1] });
  ids.g3 = await fx.game({ competition: 'E0', kickoff: '2021-08-28T14:00:00Z', home: 'liverpool', away: 'arsenal' });
  await fx.odds(ids.g1, 'pinnacle', 'closing', { home: 2.5, draw: 3.4, away: 2.9 });
  await fx.odds(ids.g3, 'pinnacle', 'preclosing', { home: 1.6, draw: 4.2, away: 5.5 });
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
  if (reachable) await t.drop();
});

test('GET /v1/feature-sets and /v1/feature-sets/:name', { skip: Boolean(skip) }, async () => {
  const list = await app.inject({ url: '/v1/feature-sets' });
  assert.equal(list.statusCode, 200);
  const names = list.json().featureSets.map((s: { name: string }) => s.name);
  assert.deepEqual(names, ['soccer-1x2-base', 'soccer-1x2-market', 'soccer-1x2-live-market', 'nfl-base', 'nfl-market', 'nba-base', 'mlb-base']);
  const one = await app.inject({ url: '/v1/feature-sets/soccer-1x2-market' });
  assert.equal(one.statusCode, 200);
  const body = one.json();
  assert.equal(body.usesMarket, true);
  assert.equal(body.columns.length, body.featureNames.length);
  assert.equal(body.lastBuild, null);
  const missing = await app.inject({ url: '/v1/feature-sets/nope' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'FEATURE_SET_UNKNOWN');
});

test('POST /v1/feature-sets/:name/online for a matchup and a stored game; GET /v1/games/:id/features', { skip: Boolean(skip) }, async () => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/feature-sets/soccer-1x2-market/online',
    payload: { competition: 'E0', home: 'Liverpool', away: 'chelsea', kickoff: '2021-09-04T14:00:00Z', asOf: '2021-09-01T00:00:00Z', odds: [{ bookmaker: 'pinnacle', home: 2.0, draw: 3.6, away: 3.9 }] },
  });
  assert.equal(res.statusCode, 200, res.body);
  const row = res.json();
  assert.equal(row.gameId, null);
  assert.equal(row.stale, false);
  assert.equal(row.staleLimitDays, 30);
  assert.equal(row.values[row.featureNames.indexOf('mkt_missing')], 0);
  assert.ok(Math.abs(row.values[row.featureNames.indexOf('mkt_home_draw')] - Math.log(3.6 / 2.0)) < 1e-12);
  // The second market block prefers the market average and falls back to Pinnacle.
  assert.equal(row.values[row.featureNames.indexOf('avg_missing')], 0);
  assert.deepEqual(row.missing, []);
  assert.equal(row.filled.length, row.values.length);

  const stale = await app.inject({ method: 'POST', url: '/v1/feature-sets/soccer-1x2-market/online', payload: { competition: 'E0', home: 'liverpool', away: 'arsenal', kickoff: '2022-01-01T15:00:00Z', asOf: '2022-01-01T00:00:00Z' } });
  assert.equal(stale.json().stale, true);
  assert.equal(stale.json().values[stale.json().featureNames.indexOf('mkt_missing')], 1);
  assert.ok(stale.json().missing.includes('mkt_home_draw'));

  const byId = await app.inject({ method: 'POST', url: '/v1/feature-sets/soccer-1x2-market/online', payload: { gameId: ids.g3 } });
  assert.equal(byId.statusCode, 200);
  assert.equal(byId.json().gameId, ids.g3);

  // Built and settled: the stored row; same values as online as of kickoff.
  await buildFeatures(ctx.db, 'soccer-1x2-market');
  const g2 = await app.inject({ url: `/v1/games/${ids.g2}/features?set=soccer-1x2-market` });
  assert.equal(g2.statusCode, 200);
  assert.equal(g2.json().source, 'store');
  const g2Online = await app.inject({ method: 'POST', url: '/v1/feature-sets/soccer-1x2-market/online', payload: { gameId: ids.g2, asOf: '2021-08-21T14:00:00Z' } });
  assert.deepEqual(g2.json().values, g2Online.json().values);
  // g3 is after the watermark (scheduled): computed online.
  assert.equal((await app.inject({ url: `/v1/games/${ids.g3}/features?set=soccer-1x2-market` })).json().source, 'online');
});

test('errors: validation, unknown team, competition, game and sport mismatch', { skip: Boolean(skip) }, async () => {
  const post = (payload: unknown, set = 'soccer-1x2-base') => app.inject({ method: 'POST', url: `/v1/feature-sets/${set}/online`, payload: payload as object });
  const bad = await post({ competition: 'E0', home: 'liverpool' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'VALIDATION_FAILED');
  assert.equal((await post({ competition: 'E0', home: 'nobody', away: 'arsenal', kickoff: '2021-09-04T14:00:00Z' })).json().error.code, 'TEAM_UNKNOWN');
  assert.equal((await post({ competition: 'ZZ', home: 'liverpool', away: 'arsenal', kickoff: '2021-09-04T14:00:00Z' })).json().error.code, 'COMPETITION_UNKNOWN');
  const notFound = await post({ gameId: 987654321 });
  assert.equal(notFound.statusCode, 404);
  assert.equal(notFound.json().error.code, 'GAME_NOT_FOUND');
  const mismatch = await post({ gameId: ids.g1 }, 'nfl-base');
  assert.equal(mismatch.statusCode, 400);
  assert.equal(mismatch.json().error.code, 'FEATURE_SPORT_MISMATCH');
  assert.equal((await app.inject({ url: `/v1/games/${ids.g1}/features` })).statusCode, 400);
});
