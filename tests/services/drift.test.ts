/**
 * Drift on real Postgres: PSI of served rows (prediction-log files and stored pre-kickoff
 * predictions) against the training distribution stored with the version, the live log loss and
 * calibration of stored pre-kickoff predictions on finished games beside the market's on the same
 * games, thresholds from config that warn in the logs and in /readyz (which stays 200), the gauges
 * (promtool-clean when promtool is installed) and the routes.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fairProbabilities } from '../../features/index.ts';
import { putArtifact, savePreKickoffPredictions } from '../../registry/index.ts';
import { PSI_FLOOR, calibration, featureDistribution, populationStability } from '../../training/index.ts';
import { loadConfig } from '../../src/config.ts';
import { computeDrift, runDriftChecks } from '../../src/services/index.ts';
import { createDriftProcessor } from '../../src/jobs/index.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createCapturingLogger, WARN } from '../support/logs.ts';
import { Fixture } from '../features/helpers.ts';
import { createServingApp, registerTestModel, syntheticRows } from '../serving/support.ts';

const NAMES = ['f0', 'f1', 'f2', 'f3', 'f4'];
const PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const H = 3_600_000;

describe('PSI by hand', () => {
  it('quantile bins: one bin per value for a flag; PSI of a known shift, with the floor for an empty bin', () => {
    // 60 % zeros, 40 % ones: cut at 0 only (a cut at the maximum would leave an empty bin).
    const flag = featureDistribution(Float64Array.from([0, 0, 0, 1, 0, 1, 0, 1, 0, 1]), 10, ['flag']);
    assert.deepEqual(flag.features[0], { name: 'flag', edges: [0], proportions: [0.6, 0.4] });
    // Every served row a 1: shares 0 (floored) and 1 against 0.6 and 0.4.
    const [s] = populationStability(flag, Array.from({ length: 50 }, () => [1]));
    const expected = (PSI_FLOOR - 0.6) * Math.log(PSI_FLOOR / 0.6) + (1 - 0.4) * Math.log(1 / 0.4);
    assert.ok(Math.abs(s!.psi - expected) < 1e-12, `${s!.psi} vs ${expected}`);
    // The same population: zero.
    const same = populationStability(flag, [[0], [0], [0], [1], [0], [1], [0], [1], [0], [1]]);
    assert.equal(same[0]!.psi, 0);
    // Deciles of 1..100: cuts at 11, 21, …, 91; x = 11 falls in the first bin (upper bound inclusive).
    const dec = featureDistribution(Float64Array.from({ length: 100 }, (_, i) => i + 1), 100, ['x']);
    assert.deepEqual(dec.features[0]!.edges, [11, 21, 31, 41, 51, 61, 71, 81, 91]);
    assert.deepEqual(dec.features[0]!.proportions, [0.11, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.09]);
  });
});

describe('drift: served rows against training, stored predictions against the market', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let home: string;
  const now = Date.now();
  const env = (extra: Record<string, string> = {}) => ({ SHARPLINE_HOME: home, SHARPLINE_DRIFT_MIN_ROWS: '100', SHARPLINE_DRIFT_MIN_GAMES: '30', ...extra });
  const gameIds: number[] = [];
  // Bad on purpose: 70 % on away every game, while home and away win alternately.
  const MODEL_P = [0.15, 0.15, 0.7];
  const MARKET = { home: 2.0, draw: 3.5, away: 4.0 };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mon17-drift-'));
    t = await createTestPgDb('mon17_drift');
    const v1 = await registerTestModel(t.db, { model: 'dr', seed: 7 });
    // The training distribution, as registration stores it (the same 600 synthetic rows the model saw).
    const train = syntheticRows(600, NAMES, 7);
    await putArtifact(t.db, v1.version.id, { kind: 'feature-distribution', json: featureDistribution(train.X, 600, NAMES) });
    await registerTestModel(t.db, { model: 'dr', seed: 8, alias: 'challenger' }); // v2: no distribution stored

    // Served rows: 200 logged for v1 with f0 shifted far past its training range, the rest as trained; 5 of v2; a torn line.
    const served = syntheticRows(200, NAMES, 99);
    const dir = join(home, 'prediction-log');
    mkdirSync(dir, { recursive: true });
    const day = new Date(now).toISOString().slice(0, 10);
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) {
      const features = NAMES.map((_, f) => served.X[i * 5 + f]! + (f === 0 ? 400 : 0));
      lines.push(JSON.stringify({ at: new Date(now - 2 * H).toISOString(), model: 'dr', version: 1, source: 'games', gameId: null, features, probabilities: [0.4, 0.3, 0.3] }));
    }
    for (let i = 0; i < 5; i++) lines.push(JSON.stringify({ at: new Date(now - 2 * H).toISOString(), model: 'dr', version: 2, source: 'instances', features: [0, 0, 0, 0, 0], probabilities: [0.4, 0.3, 0.3] }));
    lines.push('{"at": "torn');
    // Too old for the window (21 days): never read.
    appendFileSync(join(dir, `predictions-${new Date(now - 21 * 86_400_000).toISOString().slice(0, 10)}.jsonl`), JSON.stringify({ at: new Date(now - 21 * 86_400_000).toISOString(), model: 'dr', version: 1, source: 'games', features: [0, 0, 0, 0, 0], probabilities: [1, 0, 0] }) + '\n');
    appendFileSync(join(dir, `predictions-${day}.jsonl`), lines.join('\n') + '\n');

    // 40 finished games in the last days, home and away winning alternately, Pinnacle closing odds on each.
    const fx = new Fixture(t.db);
    for (let i = 0; i < 40; i++) {
      const kickoff = new Date(now - (3 * 24 - i) * H).toISOString();
      const id = await fx.game({ competition: 'D1', kickoff, home: `h${i}`, away: `a${i}`, score: i % 2 === 0 ? [2, 0] : [0, 1] });
      await fx.odds(id, 'pinnacle', 'closing', MARKET);
      gameIds.push(id);
    }
    // An upcoming game, predicted already: stored, not scored.
    const upcoming = await fx.game({ competition: 'D1', kickoff: new Date(now + 24 * H).toISOString(), home: 'h0', away: 'a1' });
    const stored = await savePreKickoffPredictions(t.db, v1.version.id, [
      ...gameIds.map((gameId, i) => ({ gameId, kickoff: new Date(now - (3 * 24 - i) * H), predictedAt: new Date(now - (3 * 24 - i + 2) * H), probabilities: MODEL_P, features: NAMES.map((_, f) => served.X[i * 5 + f]! + (f === 0 ? 400 : 0)), alias: 'champion' })),
      { gameId: upcoming, kickoff: new Date(now + 24 * H), predictedAt: new Date(now - H), probabilities: [0.5, 0.3, 0.2], alias: 'champion' },
    ]);
    assert.deepEqual(stored, { stored: 41, existing: 0 });

    ({ app, ctx } = await createServingApp(t.db, { env: env() }));
  });

  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await t?.drop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('pre-kickoff predictions: the first one stands, none at or after kickoff', async () => {
    const v1 = (await t.db.query<{ id: number }>("SELECT v.id::int AS id FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE m.name = 'dr' AND v.version = 1")).rows[0]!.id;
    const again = await savePreKickoffPredictions(t.db, v1, [{ gameId: gameIds[0]!, kickoff: new Date(now - 72 * H), predictedAt: new Date(now - 73 * H), probabilities: [0.9, 0.05, 0.05] }]);
    assert.deepEqual(again, { stored: 0, existing: 1 });
    await assert.rejects(
      savePreKickoffPredictions(t.db, v1, [{ gameId: 999_999, kickoff: new Date(now), predictedAt: new Date(now), probabilities: [0.4, 0.3, 0.3] }]),
      (e: { code?: string }) => e.code === 'VALIDATION_FAILED',
    );
  });

  it('computes PSI per feature and the live score beside the market; warnings are logged', async () => {
    const { logger, lines } = createCapturingLogger('warn');
    const report = await computeDrift({ db: t.db, config: ctx.config, logger }, { ref: { model: 'dr' } });
    assert.equal(report.version, 1);
    assert.deepEqual(report.aliases, ['champion']);
    assert.equal(report.features.reference, 'stored');
    assert.deepEqual(report.features.rows, { log: 200, stored: 41 - 1, total: 240, skipped: 0, unreadable: 1 });
    const psi = new Map(report.features.psi.map((p) => [p.feature, p.psi]));
    // f0 was moved past every training value: almost all rows in the top bin (training share 0.1).
    assert.ok(psi.get('f0')! > 2, `f0 PSI ${psi.get('f0')}`);
    for (const f of ['f1', 'f2', 'f3', 'f4']) assert.ok(psi.get(f)! < 0.25, `${f} PSI ${psi.get(f)}`);
    assert.equal(report.features.worst!.feature, 'f0');

    // Live: 40 finished games scored (the upcoming one is not); log loss by hand.
    assert.equal(report.live.games, 40);
    const modelLl = (-Math.log(0.15) - Math.log(0.7)) / 2;
    assert.ok(Math.abs(report.live.model!.logLoss - modelLl) < 1e-12);
    const fair = fairProbabilities(MARKET);
    const marketLl = (-Math.log(fair.home) - Math.log(fair.away)) / 2;
    assert.equal(report.live.market!.games, 40);
    assert.ok(Math.abs(report.live.market!.logLoss - marketLl) < 1e-12);
    assert.ok(Math.abs(report.live.market!.gap - (modelLl - marketLl)) < 1e-12);
    // Top-label calibration: 0.7 said every game, away happened half the time.
    const ys = gameIds.map((_, i) => (i % 2 === 0 ? 0 : 2));
    assert.ok(Math.abs(report.live.model!.calibrationError - calibration(gameIds.map(() => MODEL_P), ys).ece) < 1e-12);
    assert.ok(Math.abs(report.live.model!.calibrationError - 0.2) < 1e-9);

    assert.equal(report.warnings.length, 3, report.warnings.join('\n'));
    assert.match(report.warnings[0]!, /^dr v1: feature f0 PSI [0-9.]+ ≥ 0\.25 over 240 served rows$/);
    assert.match(report.warnings[1]!, /live log loss .* vs market .* on 40 finished games/);
    assert.match(report.warnings[2]!, /live calibration error 0\.2000 ≥ 0\.1 on 40 finished games/);
    const warned = lines.filter((l) => l.level === WARN && l.msg.startsWith('drift:'));
    assert.equal(warned.length, 1);
    assert.deepEqual(warned[0]!.warnings, report.warnings);
  });

  it('/readyz stays 200 and names the warnings; the route recomputes; /v1/drift lists the stored reports', async () => {
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    const body = ready.json();
    assert.equal(body.status, 'ok');
    assert.match(body.checks.drift, /^warn: 3 drift warning\(s\)$/);
    assert.match(body.warnings[0], /feature f0 PSI/);

    const res = await app.inject({ method: 'GET', url: '/v1/models/dr/drift?alias=challenger' });
    assert.equal(res.statusCode, 200, res.body);
    const v2 = res.json();
    assert.equal(v2.version, 2);
    assert.equal(v2.features.reference, 'missing');
    assert.equal(v2.features.rows.log, 5);
    assert.deepEqual(v2.features.psi, []);
    assert.equal(v2.live.games, 0);
    assert.deepEqual(v2.warnings, []);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/models/dr/drift?alias=nope' })).json().error.code, 'MODEL_ALIAS_NOT_FOUND');
    assert.equal((await app.inject({ method: 'GET', url: '/v1/models/dr/drift?alias=champion&version=1' })).statusCode, 400);

    const list = await app.inject({ method: 'GET', url: '/v1/drift' });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().reports.map((r: { version: number }) => r.version), [1, 2]);
    assert.equal(list.json().warnings.length, 3);
  });

  it('the gauges show the latest reports, and promtool accepts them', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    const text = res.body;
    assert.match(text, /^sharpline_drift_feature_psi\{model="dr",version="1",feature="f0"\} [0-9.]+$/m);
    assert.match(text, /^sharpline_drift_rows\{model="dr",version="1"\} 240$/m);
    assert.match(text, /^sharpline_live_games\{model="dr",version="1"\} 40$/m);
    assert.match(text, /^sharpline_live_log_loss\{model="dr",version="1",predictor="market"\} [0-9.]+$/m);
    assert.match(text, /^sharpline_live_calibration_error\{model="dr",version="1"\} 0\.(2|1999)[0-9]*$/m);
    assert.match(text, /^sharpline_drift_warnings\{model="dr",version="1"\} 3$/m);
    assert.match(text, /^sharpline_drift_warnings\{model="dr",version="2"\} 0$/m);
    if (PROMTOOL) {
      const out = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 60_000 });
      assert.equal(`${out.stdout}${out.stderr}`.trim(), '');
      assert.equal(out.status, 0);
    }
  });

  it('thresholds come from config: raised, the same data warns of nothing and /readyz says ok; a round checks every aliased version', async () => {
    const lenient = loadConfig({ LOG_LEVEL: 'silent', ...env({ SHARPLINE_DRIFT_PSI_WARN: '50', SHARPLINE_DRIFT_LOG_LOSS_GAP_WARN: '5', SHARPLINE_DRIFT_ECE_WARN: '1' }) });
    const { logger, lines } = createCapturingLogger('warn');
    const round = await runDriftChecks({ db: t.db, config: lenient, logger });
    assert.deepEqual(round.checked.map((c) => [c.version, c.aliases, c.warnings.length]), [[1, ['champion'], 0], [2, ['challenger'], 0]]);
    assert.equal(lines.length, 0);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().checks.drift, 'ok');
    assert.equal(ready.json().warnings, undefined);
    // Too few rows for the configured minimum: PSI is reported but not judged.
    const strict = loadConfig({ LOG_LEVEL: 'silent', ...env({ SHARPLINE_DRIFT_MIN_ROWS: '1000', SHARPLINE_DRIFT_MIN_GAMES: '1000' }) });
    const unjudged = await computeDrift({ db: t.db, config: strict, logger }, { ref: { model: 'dr@1' } });
    assert.equal(unjudged.features.judged, false);
    assert.equal(unjudged.live.judged, false);
    assert.deepEqual(unjudged.warnings, []);
    assert.throws(() => loadConfig({ SHARPLINE_DRIFT_PSI_WARN: 'high' }), /SHARPLINE_DRIFT_PSI_WARN/);
    // The processor a schedule runs: the same round, summarised (default thresholds warn again).
    assert.deepEqual(await createDriftProcessor({ db: t.db, config: ctx.config, logger })(), { checked: 2, warnings: 3, failed: 0 });
  });
});
