import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import type { AppInstance } from '../../src/http/types.ts';
import { runImport } from '../../history/index.ts';
import { createTestDb, data, HAS_DATA, NO_DATA_REASON, postgresReachable, tempDir, type TestDb } from './ingest/helpers.ts';
import { buildTestApp } from '../support/app.ts';

const reachable = await postgresReachable();
const skip = !HAS_DATA ? NO_DATA_REASON : !reachable ? 'Postgres unreachable (set CI=true to fail instead)' : false;
const suffix = skip ? ` [skipped: ${skip}]` : '';
let t: TestDb;
let ctx: AppContext;
let app: AppInstance;
let rejectRun = 0;

beforeAll(async () => {
  if (skip) return;
  t = await createTestDb('history');
  ctx = await createContext(loadConfig({ LOG_LEVEL: 'silent' }), { db: t.db });
  app = await buildTestApp(ctx);
  await runImport(t.db, { source: 'football-data', paths: [data('football_data_co_uk/big5_2003_2024/E0_2324.csv')] });
  const tmp = await tempDir();
  const lines = (await readFile(data('football_data_co_uk/big5_2003_2024/SP1_2324.csv'), 'utf8')).split('\n');
  lines[1] = lines[1]!.replace(/^SP1,[^,]+,/, 'SP1,99/99/2023,');
  await writeFile(join(tmp.dir, 'SP1_2324.csv'), lines.join('\n'));
  rejectRun = (await runImport(t.db, { source: 'football-data', paths: [join(tmp.dir, 'SP1_2324.csv')] })).runId;
  await tmp.remove();
});
afterAll(async () => {
  await app?.close();
  await ctx?.close();
  await t?.drop();
});

test(`GET /v1/sports, /v1/competitions, /v1/teams${suffix}`, { skip: Boolean(skip) }, async () => {
  const sports = await app.inject({ url: '/v1/sports' });
  assert.equal(sports.statusCode, 200);
  assert.equal(sports.json().items.find((s: { code: string }) => s.code === 'soccer').games, 759);
  const comps = (await app.inject({ url: '/v1/competitions?sport=soccer' })).json().items;
  assert.deepEqual(comps.map((c: { code: string; seasons: string[]; games: number }) => [c.code, c.seasons, c.games]), [['E0', ['2023/24'], 380], ['SP1', ['2023/24'], 379]]);
  const teams = (await app.inject({ url: '/v1/teams?sport=soccer' })).json().items;
  assert.equal(teams.length, 40);
  const forest = teams.find((x: { name: string }) => x.name === "Nott'm Forest");
  assert.equal(forest.key, 'nottm-forest');
  assert.deepEqual(forest.aliases, [{ source: 'football-data', alias: "Nott'm Forest" }]);
  const bad = await app.inject({ url: '/v1/teams?colour=red' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'VALIDATION_FAILED');
});

test(`GET /v1/games: filters, stable pagination; /v1/games/:id details; team timeline${suffix}`, { skip: Boolean(skip) }, async () => {
  const first = (await app.inject({ url: '/v1/games?competition=E0&season=2023/24&limit=10' })).json();
  assert.equal(first.total, 380);
  assert.equal(first.items.length, 10);
  assert.equal(first.items[0].home.name, 'Burnley');
  const second = (await app.inject({ url: '/v1/games?competition=E0&season=2023/24&limit=10&offset=10' })).json();
  const ids = [...first.items, ...second.items].map((g: { id: number }) => g.id);
  assert.equal(new Set(ids).size, 20);
  const all = (await app.inject({ url: '/v1/games?competition=E0&limit=20' })).json();
  assert.deepEqual(all.items.map((g: { id: number }) => g.id), ids);

  const teams = (await app.inject({ url: '/v1/teams?sport=soccer' })).json().items;
  const city = teams.find((x: { name: string }) => x.name === 'Man City');
  const cityGames = (await app.inject({ url: `/v1/games?team=${city.id}&from=2023-08-01&to=2023-08-31&status=final` })).json();
  assert.equal(cityGames.total, 3);
  const timeline = (await app.inject({ url: `/v1/teams/${city.key}/games?limit=100` })).json();
  assert.equal(timeline.total, 38);
  const kickoffs = timeline.items.map((g: { kickoff: string }) => g.kickoff);
  assert.deepEqual(kickoffs, [...kickoffs].sort());

  const detail = await app.inject({ url: `/v1/games/${first.items[0].id}` });
  assert.equal(detail.statusCode, 200);
  const g = detail.json();
  assert.deepEqual([g.result.homeScore, g.result.awayScore, g.result.homeScoreHt, g.result.outcome], [0, 3, 0, 'away']);
  assert.equal(g.result.stats.away.shots, 17);
  const pin = g.odds.find((o: { bookmaker: string; market: string; kind: string }) => o.bookmaker === 'pinnacle' && o.market === '1x2' && o.kind === 'closing');
  assert.deepEqual(pin.prices, [{ selection: 'home', line: 0, price: 9.62 }, { selection: 'draw', line: 0, price: 5.81 }, { selection: 'away', line: 0, price: 1.33 }]);
  assert.equal(pin.capturedAt, null);
  assert.deepEqual(g.forecasts, []);

  const missing = await app.inject({ url: '/v1/games/999999999' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'GAME_NOT_FOUND');
  const noTeam = await app.inject({ url: '/v1/teams/no-such-team/games' });
  assert.equal(noTeam.statusCode, 404);
  assert.equal(noTeam.json().error.code, 'TEAM_NOT_FOUND');
  const badDate = await app.inject({ url: '/v1/games?from=yesterday' });
  assert.equal(badDate.statusCode, 400);
});

test(`GET /v1/imports and /v1/imports/:id/rejected${suffix}`, { skip: Boolean(skip) }, async () => {
  const runs = (await app.inject({ url: '/v1/imports' })).json().items;
  assert.equal(runs.length, 2);
  assert.equal(runs[0].id, rejectRun);
  assert.deepEqual([runs[0].source, runs[0].status, runs[0].inserted, runs[0].rejected], ['football-data', 'succeeded', 379, 1]);
  const rejected = (await app.inject({ url: `/v1/imports/${rejectRun}/rejected` })).json();
  assert.equal(rejected.total, 1);
  assert.deepEqual([rejected.items[0].file, rejected.items[0].lineNo, rejected.items[0].reasons], ['SP1_2324.csv', 2, ['DATE_INVALID']]);
  const none = await app.inject({ url: '/v1/imports/424242/rejected' });
  assert.equal(none.statusCode, 404);
  assert.equal(none.json().error.code, 'IMPORT_RUN_NOT_FOUND');
});
