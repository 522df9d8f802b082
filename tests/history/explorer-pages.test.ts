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
const skip = !HAS_DATA ? NO_DATA_REASON : !reachable ? 'Postgres unreachable' : false;
const suffix = skip ? ` [skipped: ${skip}]` : '';
let t: TestDb;
let ctx: AppContext;
let app: AppInstance;
let gameId = 0;
let cityId = 0;

beforeAll(async () => {
  if (skip) return;
  t = await createTestDb('exa16_explorer');
  ctx = await createContext(loadConfig({ LOG_LEVEL: 'silent' }), { db: t.db });
  app = await buildTestApp(ctx);
  await runImport(t.db, { source: 'football-data', paths: [data('football_data_co_uk/big5_2003_2024/E0_2324.csv')] });
  const tmp = await tempDir();
  const lines = (await readFile(data('football_data_co_uk/big5_2003_2024/SP1_2324.csv'), 'utf8')).split('\n');
  // Line 2: a whole row quarantined (no date to place it); line 3: one bad price quarantined alone.
  lines[1] = lines[1]!.replace(/^SP1,[^,]+,/, 'SP1,99/99/2023,');
  const cells = lines[2]!.split(',');
  cells[23] = '0.5';
  lines[2] = cells.join(',');
  await writeFile(join(tmp.dir, 'SP1_2324.csv'), lines.join('\n'));
  await runImport(t.db, { source: 'football-data', paths: [join(tmp.dir, 'SP1_2324.csv')] });
  // Importing it again quarantines the same lines again: the explorer shows each once.
  await runImport(t.db, { source: 'football-data', paths: [join(tmp.dir, 'SP1_2324.csv')] });
  await tmp.remove();
  const db = t.db;
  const { rows: [g] } = await db.query<{ id: number; kickoff: Date; home_team_id: number; away_team_id: number; away: string }>(
    `SELECT g.id, g.kickoff, g.home_team_id, g.away_team_id, (SELECT name FROM teams WHERE id = g.away_team_id) AS away FROM games g JOIN competitions c ON c.id = g.competition_id JOIN teams h ON h.id = g.home_team_id
      WHERE c.code = 'E0' AND h.name = 'Man City' ORDER BY g.kickoff LIMIT 1`);
  gameId = Number(g!.id);
  cityId = Number(g!.home_team_id);
  // One game loses its pre-closing prices; it gains dated snapshots (line movement).
  await db.query(`DELETE FROM odds WHERE game_id = $1 AND kind = 'preclosing'`, [gameId]);
  await db.query(`INSERT INTO odds (game_id, kickoff, bookmaker_id, market, selection, line, kind, captured_at, price)
    SELECT $1, $2, (SELECT id FROM bookmakers WHERE code = 'pinnacle'), '1x2', s.sel, 0, 'snapshot', $2::timestamptz - s.h * interval '1 hour', s.p
      FROM (VALUES ('home', 24, 1.50), ('draw', 24, 4.4), ('away', 24, 6.5), ('home', 1, 1.44), ('draw', 1, 4.6), ('away', 1, 7.2)) AS s(sel, h, p)`, [gameId, g!.kickoff]);
  await db.query(`INSERT INTO provider_events (provider, event_id, sport, competition, home, away, kickoff, first_seen_at, last_seen_at)
    VALUES ('the-odds-api', 'ev1', 'soccer', 'E0', 'man city', upper($2), $1, now(), now()), ('the-odds-api', 'ev2', 'soccer', 'E0', 'Arsenal', 'Chelsea', $1, now(), now())`, [g!.kickoff, g!.away]);
  await db.query(`INSERT INTO provider_odds (provider, event_id, bookmaker, market, selection, line, kind, captured_at, price, fetched_at)
    VALUES ('the-odds-api', 'ev1', 'pinnacle', '1x2', 'home', 0, 'snapshot', $1::timestamptz - interval '2 hours', 1.47, now()),
           ('the-odds-api', 'ev2', 'pinnacle', '1x2', 'home', 0, 'snapshot', $1::timestamptz - interval '2 hours', 2.1, now())`, [g!.kickoff]);
  // A stored feature row and two model versions' predictions (what training writes).
  await db.query(`INSERT INTO feature_sets (hash, name, sport, target, uses_market, definition, feature_names)
    VALUES ('h1', 'soccer-test', 'soccer', '1x2', false, '{}', ARRAY['elo_diff','gl_home','gl_away','mr_missing'])`);
  await db.query(`INSERT INTO feature_rows (set_hash, game_id, kickoff, feature_values)
    SELECT 'h1', g.id, g.kickoff, ARRAY[CASE WHEN g.home_team_id = $1 THEN 100 ELSE 40 END, 1.5, 0.5, 0]::float8[] FROM games g WHERE g.home_team_id = $1 OR g.away_team_id = $1`, [cityId]);
  await db.query(`INSERT INTO registered_models (name, last_version) VALUES ('epl', 2)`);
  await db.query(`INSERT INTO model_versions (model_id, version, status, run_id, classes, lineage)
    SELECT id, v, 'READY', 'run' || v, ARRAY['home','draw','away'], '{"featureSet":{"name":"soccer-test","hash":"h1"}}' FROM registered_models, generate_series(1, 2) v`);
  await db.query(`INSERT INTO model_aliases (model_id, alias, version, updated_by) SELECT id, 'champion', 2, 'test' FROM registered_models`);
  await db.query(`INSERT INTO model_predictions (version_id, game_id, kickoff, competition, home, away, probabilities, outcome)
    SELECT v.id, $1, $2, 'E0', 'Man City', 'Opponent', ARRAY[0.6 + v.version / 100.0, 0.25, 0.15 - v.version / 100.0], 'away' FROM model_versions v`, [gameId, g!.kickoff]);
  // A rename the timeline crosses.
  await db.query(`INSERT INTO team_names (team_id, name, code, valid_from, valid_to) VALUES ($1, 'Manchester City', 'MCI', '1990-01-01', '2024-01-01'), ($1, 'Man City', 'MCI', '2024-01-01', NULL)`, [cityId]);
});
afterAll(async () => {
  await app?.close();
  await ctx?.close();
  await t?.drop();
});

test(`GET /v1/explorer/coverage: games, results, odds by bookmaker and kind, missing pre-closing, quarantine per season${suffix}`, { skip: Boolean(skip) }, async () => {
  const res = await app.inject({ url: '/v1/explorer/coverage?sport=soccer' });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  const e0 = body.competitions.find((c: { competition: string }) => c.competition === 'E0').seasons[0];
  assert.deepEqual([e0.season, e0.games, e0.results, e0.missingResults], ['2023/24', 380, 380, 0]);
  assert.deepEqual(e0.missingOdds, { opening: 380, preclosing: 1, closing: 0, snapshot: 379 });
  assert.deepEqual(e0.gamesWithOdds, { opening: 0, preclosing: 379, closing: 380, snapshot: 1 });
  const pinnacle = e0.bookmakers.filter((b: { bookmaker: string }) => b.bookmaker === 'pinnacle').map((b: { kind: string; games: number }) => [b.kind, b.games]);
  assert.deepEqual(pinnacle, [['closing', 380], ['preclosing', 379], ['snapshot', 1]]);
  assert.deepEqual(e0.quarantined, { rows: 0, values: 0 });
  const sp1 = body.competitions.find((c: { competition: string }) => c.competition === 'SP1').seasons[0];
  assert.equal(sp1.games, 379);
  assert.deepEqual(sp1.quarantined, { rows: 0, values: 1 });
  const one = (await app.inject({ url: '/v1/explorer/coverage?competition=E0' })).json();
  assert.deepEqual(one.competitions.map((c: { competition: string }) => c.competition), ['E0']);
  const bad = await app.inject({ url: "/v1/explorer/coverage?competition=E0'%20OR%201=1--" });
  assert.equal(bad.statusCode, 200);
  assert.deepEqual(bad.json().competitions, []);
  assert.equal((await app.inject({ url: '/v1/explorer/coverage?colour=red' })).statusCode, 400);
});

test(`GET /v1/explorer/quality and /v1/explorer/quarantine: rejects per source and season with reasons, missing odds, duplicates${suffix}`, { skip: Boolean(skip) }, async () => {
  const q = (await app.inject({ url: '/v1/explorer/quality?source=football-data' })).json();
  const e0 = q.seasons.find((s: { competition: string }) => s.competition === 'E0');
  assert.deepEqual(e0.missingOdds, { any: 0, opening: 380, preclosing: 1, closing: 0 });
  assert.deepEqual(e0.rejected, { rows: 0, values: 0, reasons: [] });
  assert.deepEqual(e0.duplicates, []);
  const sp1 = q.seasons.find((s: { competition: string }) => s.competition === 'SP1');
  assert.equal(sp1.rejected.values, 1);
  assert.equal(sp1.rejected.rows, 0);
  assert.deepEqual(q.unattributed.map((u: { source: string; rows: number; reasons: Array<{ reason: string }> }) => [u.source, u.rows, u.reasons.map((r) => r.reason)]), [['football-data', 1, ['DATE_INVALID']]]);

  const lines = (await app.inject({ url: '/v1/explorer/quarantine?source=football-data&competition=SP1&season=2023/24' })).json();
  assert.equal(lines.total, 1);
  assert.deepEqual([lines.items[0].lineNo, lines.items[0].field !== null, lines.items[0].season], [3, true, '2023/24']);
  assert.match(lines.items[0].raw, /^SP1,/);
  const none = (await app.inject({ url: '/v1/explorer/quarantine?season=none' })).json();
  assert.deepEqual(none.items.map((r: { lineNo: number; reasons: string[] }) => [r.lineNo, r.reasons]), [[2, ['DATE_INVALID']]]);
  const byReason = (await app.inject({ url: '/v1/explorer/quarantine?reason=DATE_INVALID&scope=row' })).json();
  assert.equal(byReason.total, 1);
  // The link goes to the run that quarantined it last.
  const runs = (await app.inject({ url: '/v1/imports' })).json().items;
  assert.equal(none.items[0].runId, runs[0].id);
  assert.equal((await app.inject({ url: '/v1/explorer/quarantine?limit=0' })).statusCode, 400);

  // A duplicated game (same teams two days later) is a candidate.
  const { rows: [g] } = await t.db.query<{ id: number }>(`INSERT INTO games (sport_id, competition_id, season_id, game_date, kickoff, home_team_id, away_team_id, source, status)
    SELECT sport_id, competition_id, season_id, game_date + 1, kickoff + interval '1 day', away_team_id, home_team_id, source, 'final' FROM games WHERE id = $1 RETURNING id`, [gameId]);
  const again = (await app.inject({ url: '/v1/explorer/quality?competition=E0' })).json();
  assert.deepEqual(again.seasons[0].duplicates.map((d: { firstId: number; secondId: number }) => [d.firstId, d.secondId]), [[gameId, Number(g!.id)]]);
  await t.db.query('DELETE FROM games WHERE id = $1', [g!.id]);
});

test(`GET /v1/explorer/games/:id: every price with line movement, provider snapshots, feature row, every version's prediction${suffix}`, { skip: Boolean(skip) }, async () => {
  const res = await app.inject({ url: `/v1/explorer/games/${gameId}` });
  assert.equal(res.statusCode, 200);
  const g = res.json();
  assert.equal(g.home.name, 'Manchester City', 'the name on the day, from the name history');
  assert.ok(g.result);
  const snaps = g.odds.filter((o: { kind: string }) => o.kind === 'snapshot');
  assert.equal(snaps.length, 2);
  assert.deepEqual(snaps.map((s: { prices: Array<{ price: number }> }) => s.prices[0]!.price), [1.5, 1.44]);
  assert.ok(Date.parse(snaps[0].capturedAt) < Date.parse(snaps[1].capturedAt));
  assert.equal(g.odds.some((o: { kind: string }) => o.kind === 'preclosing'), false);
  assert.deepEqual(g.providerOdds.map((o: { provider: string; price: number }) => [o.provider, o.price]), [['the-odds-api', 1.47]]);
  assert.deepEqual(g.features.map((f: { featureSet: string; values: Array<{ name: string; value: number }> }) => [f.featureSet, f.values[0]]), [['soccer-test', { name: 'elo_diff', value: 100 }]]);
  assert.deepEqual(g.predictions.map((p: { version: number; aliases: string[]; probabilities: number[] }) => [p.version, p.aliases, p.probabilities[0]]), [[1, [], 0.61], [2, ['champion'], 0.62]]);
  const missing = await app.inject({ url: '/v1/explorer/games/999999999' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'GAME_NOT_FOUND');
  assert.equal((await app.inject({ url: "/v1/explorer/games/1%20OR%201=1" })).statusCode, 400);
});

test(`GET /v1/explorer/teams/:id: results, ratings from the team's side, market strength, renames${suffix}`, { skip: Boolean(skip) }, async () => {
  const res = await app.inject({ url: '/v1/explorer/teams/man%20city' });
  assert.equal(res.statusCode, 200);
  const tl = res.json();
  assert.equal(tl.team.id, cityId);
  assert.equal(tl.games.length, 38);
  assert.deepEqual(tl.featureSet.ratings.map((r: { name: string }) => r.name), ['elo_diff', 'gl']);
  const home = tl.games.find((g: { venue: string }) => g.venue === 'home');
  const away = tl.games.find((g: { venue: string }) => g.venue === 'away');
  assert.deepEqual([home.ratings.elo_diff, home.ratings.gl], [100, 1.5]);
  assert.deepEqual([away.ratings.elo_diff, away.ratings.gl], [-40, 0.5]);
  for (const g of tl.games) {
    assert.ok(g.market.win > 0.3 && g.market.win < 1, `market strength ${g.market.win}`);
    assert.equal(g.market.kind, 'closing');
    assert.equal(g.market.bookmaker, 'pinnacle');
  }
  const results = tl.games.map((g: { result: string }) => g.result);
  assert.equal(results.filter((r: string) => r === 'win').length, 28);
  assert.deepEqual(tl.renames.map((r: { from: string; to: string; date: string }) => [r.from, r.to, r.date]), [['Manchester City', 'Man City', '2024-01-01']]);
  assert.equal(tl.games.find((g: { id: number }) => g.id === tl.renames[0].gameId).gameDate >= '2024-01-01', true);
  assert.equal(tl.games[0].nameThen, 'Manchester City');
  const unknownSet = (await app.inject({ url: '/v1/explorer/teams/man%20city?set=nope' })).json();
  assert.equal(unknownSet.featureSet, null);
  assert.deepEqual(unknownSet.featureSets.map((s: { name: string }) => s.name), ['soccer-test']);
  const none = await app.inject({ url: '/v1/explorer/teams/nobody%27%3B%20DROP%20TABLE%20teams' });
  assert.equal(none.statusCode, 404);
  assert.equal(none.json().error.code, 'TEAM_NOT_FOUND');
});
