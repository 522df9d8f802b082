import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { computeOnline } from '../../features/index.ts';
import { predictProba } from '../../models/index.ts';
import { runImport } from '../../history/index.ts';
import { kellyStakes } from '../../core/odds.ts';
import { createTestPgDb, hasSharedData, SHARED_DATA_DIR, TEST_DATABASE_URL, type TestDb } from '../support/services.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { createServingApp, instanceOf, registerTestModel, type RegisteredTestModel } from './support.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/sharpline.mjs', import.meta.url).pathname;

// The games are a real EPL season: without the data folder the suite (and its setup) is skipped.
const skipped = hasSharedData ? '' : ` [skipped: data folder ${SHARED_DATA_DIR} is absent]`;

describe(`POST /v1/models/:name/predict with games (online features)${skipped}`, { skip: !hasSharedData }, () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let reg: RegisteredTestModel;
  let gameId: number;
  let teams: { home: string; away: string; kickoff: string };

  before(async () => {
    t = await createTestPgDb('serving_games');
    await runImport(t.db, { source: 'football-data', paths: [join(SHARED_DATA_DIR, 'football_data_co_uk/big5_2003_2024/E0_2324.csv')] });
    const { rows } = await t.db.query<{ id: number; home: string; away: string; kickoff: string }>(
      `SELECT g.id, h.name AS home, a.name AS away, g.kickoff::text AS kickoff FROM games g JOIN teams h ON h.id = g.home_team_id JOIN teams a ON a.id = g.away_team_id ORDER BY g.kickoff DESC LIMIT 1`,
    );
    gameId = Number(rows[0]!.id);
    teams = { home: rows[0]!.home, away: rows[0]!.away, kickoff: '2024-08-17T14:00:00Z' };
    reg = await registerTestModel(t.db, { model: 'epl', featureSet: 'soccer-1x2-base', seed: 41 });
    await registerTestModel(t.db, { model: 'raw', seed: 42 });
    ({ app, ctx } = await createServingApp(t.db, { serving: { onlineRowTtlMs: 0 } }));
  });
  after(async () => {
    await app?.close();
    await ctx?.serving.close();
    await t?.drop();
  });

  it('a stored game: features from the online store, probabilities of those features, market from stored odds', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/models/epl/predict?kelly=0.5', payload: { games: [{ gameId }] } });
    assert.equal(res.statusCode, 200, res.body);
    const item = res.json().predictions[0];
    const online = await computeOnline(t.db, 'soccer-1x2-base', { gameId });
    const X = Float64Array.from(reg.model.featureNames, (n) => online.filled[online.featureNames.indexOf(n)]!);
    assert.deepEqual(Object.values(item.features), Array.from(X));
    const p = predictProba(reg.model, X, 1);
    ['home', 'draw', 'away'].forEach((c, k) => assert.ok(Math.abs(item.probabilities[c] - p[k]!) < 1e-5));
    assert.equal(item.game.gameId, gameId);
    assert.equal(item.game.featureSet.name, 'soccer-1x2-base');
    assert.equal(item.market.source, 'stored');
    const m = item.market;
    const sum = m.probabilities.home + m.probabilities.draw + m.probabilities.away;
    assert.ok(Math.abs(sum - 1) < 1e-9);
    // The game's outcomes are one simultaneous-Kelly decision (core/odds.ts).
    const stakes = kellyStakes(['home', 'draw', 'away'].map((c) => item.probabilities[c]), ['home', 'draw', 'away'].map((c) => m.prices[c]), { fraction: 0.5 });
    ['home', 'draw', 'away'].forEach((c, i) => {
      assert.ok(Math.abs(m.edge[c] - (item.probabilities[c] * m.prices[c] - 1)) < 1e-9);
      assert.ok(Math.abs(m.kellyStake[c] - stakes[i]!) < 1e-9);
    });
    assert.equal(m.kellyFraction, 0.5);
  });

  it('a matchup with odds given in the request', async () => {
    const odds = [{ bookmaker: 'mine', home: 2.1, draw: 3.4, away: 3.6 }];
    const res = await app.inject({ method: 'POST', url: '/v1/models/epl/predict', payload: { games: [{ competition: 'E0', ...teams, odds }] } });
    assert.equal(res.statusCode, 200, res.body);
    const item = res.json().predictions[0];
    assert.equal(item.game.gameId, null);
    assert.equal(item.market.source, 'request');
    assert.equal(item.market.bookmaker, 'mine');
    const inv = 1 / 2.1 + 1 / 3.4 + 1 / 3.6;
    assert.ok(Math.abs(item.market.probabilities.home - 1 / 2.1 / inv) < 1e-12);
    assert.ok(Math.abs(item.market.overround - (inv - 1)) < 1e-12);
    const noOdds = await app.inject({ method: 'POST', url: '/v1/models/epl/predict', payload: { games: [{ competition: 'E0', ...teams }] } });
    assert.equal(noOdds.json().predictions[0].market, undefined);
  });

  it('unknown games and teams are 4xx naming the item; a model without a feature set is a 409', async () => {
    const missing = await app.inject({ method: 'POST', url: '/v1/models/epl/predict', payload: { games: [{ gameId }, { gameId: 99_999_999 }] } });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'GAME_NOT_FOUND');
    assert.equal(missing.json().error.details.index, 1);
    const team = await app.inject({ method: 'POST', url: '/v1/models/epl/predict', payload: { games: [{ competition: 'E0', home: 'Nowhere FC', away: teams.away, kickoff: teams.kickoff }] } });
    assert.equal(team.statusCode, 400);
    assert.equal(team.json().error.code, 'TEAM_UNKNOWN');
    const shape = await app.inject({ method: 'POST', url: '/v1/models/epl/predict', payload: { games: [{ gameId: 'x' }] } });
    assert.equal(shape.statusCode, 400);
    const raw = await app.inject({ method: 'POST', url: '/v1/models/raw/predict', payload: { games: [{ gameId }] } });
    assert.equal(raw.statusCode, 409);
    assert.equal(raw.json().error.code, 'MODEL_FEATURES_UNAVAILABLE');
  });

  it('sharpline predict: offline batches to CSV from a game query or an instances file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sharpline-predict-'));
    const env = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: '', LOG_LEVEL: 'warn', SHARPLINE_HOME: dir };
    try {
      const out = join(dir, 'games.csv');
      const { stdout } = await run(process.execPath, [BIN, 'predict', '--model', 'epl', '--games', 'competition=E0,from=2024-05-01', '--out', out, '--json'], { env });
      const summary = JSON.parse(stdout);
      assert.equal(summary.model, 'epl');
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      assert.equal(lines.length - 1, summary.rows);
      assert.ok(summary.rows >= 10);
      const header = lines[0]!.split(',');
      assert.deepEqual(header.slice(0, 8), ['row', 'game_id', 'kickoff', 'model', 'version', 'p_home', 'p_draw', 'p_away']);
      const first = lines[1]!.split(',');
      const http = await app.inject({ method: 'POST', url: '/v1/models/epl/predict', payload: { games: [{ gameId: Number(first[1]) }] } });
      assert.ok(Math.abs(Number(first[5]) - http.json().predictions[0].probabilities.home) < 1e-6);

      const file = join(dir, 'rows.json');
      writeFileSync(file, JSON.stringify(Array.from({ length: 3 }, (_, i) => instanceOf(['f0', 'f1', 'f2', 'f3', 'f4'], new Float32Array(15).map((_, k) => k / 10), i))));
      const csv = await run(process.execPath, [BIN, 'predict', '--model', 'raw', '--instances', file], { env });
      assert.equal(csv.stdout.trim().split('\n').length, 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
