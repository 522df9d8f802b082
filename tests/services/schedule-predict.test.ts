/**
 * The predict, drift and retention schedule steps, on the embedded database and on Postgres (own
 * schema): every served alias's version stores one prediction per upcoming game in the horizon,
 * made before kickoff through the serving path; a second run changes nothing; games already kicked
 * off or beyond the horizon are never stored; drift and retention run as steps and repeat nothing.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppContext } from '../../src/context.ts';
import { listSchedules, predict, runScheduledStep, SCHEDULE_STEP_RUNNERS, setSchedulePaused } from '../../src/services/index.ts';
import { operatorActor } from '../../src/governance/index.ts';
import { createTestContext } from '../support/app.ts';
import { createTestPgDb, createTestPgliteDb, type TestDb } from '../support/services.ts';
import { Fixture } from '../features/helpers.ts';
import { registerTestModel } from '../serving/support.ts';

const H = 3_600_000;
const T0 = Date.parse('2026-12-10T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

interface StoredRow { version: number; game_id: number; alias: string; predicted_at: string; kickoff: string; probabilities: number[]; features: number[] }

describe.each([
  ['PGlite', () => createTestPgliteDb()],
  ['Postgres', () => createTestPgDb('t_steps17_predict')],
] as const)('schedule steps predict, drift, retention (%s)', (_label, open) => {
  let t: TestDb;
  let ctx: AppContext;
  let home: string;
  let clock: string;
  const games: Record<string, number> = {};

  const stored = async () =>
    (await t.db.query<StoredRow>(
      `SELECT v.version, p.game_id::int AS game_id, p.alias, p.predicted_at::text AS predicted_at, p.kickoff::text AS kickoff, p.probabilities, p.features
         FROM pre_kickoff_predictions p JOIN model_versions v ON v.id = p.version_id ORDER BY v.version, p.game_id`,
    )).rows;
  const run = async (step: string, at: number) => {
    writeFileSync(clock, iso(at));
    return runScheduledStep(ctx, step, SCHEDULE_STEP_RUNNERS);
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'steps17-predict-'));
    clock = join(home, 'clock');
    t = await open();
    const fx = new Fixture(t.db);
    // Some history for the online features, then the games around the clock.
    for (let i = 0; i < 6; i++) await fx.game({ competition: 'E0', kickoff: iso(T0 - (20 - i) * 24 * H), home: ['ars', 'che', 'liv'][i % 3]!, away: ['tot', 'eve', 'ful'][i % 3]!, score: [i % 3, 1] });
    games.soon = await fx.game({ competition: 'E0', kickoff: iso(T0 + 2 * H), home: 'ars', away: 'che' });
    games.tomorrow = await fx.game({ competition: 'E0', kickoff: iso(T0 + 30 * H), home: 'liv', away: 'tot' });
    games.later = await fx.game({ competition: 'E0', kickoff: iso(T0 + 100 * H), home: 'eve', away: 'ful' });
    games.started = await fx.game({ competition: 'E0', kickoff: iso(T0 - H), home: 'ful', away: 'ars' });
    await registerTestModel(t.db, { model: 'pr', featureSet: 'soccer-1x2-base', seed: 41 });
    await registerTestModel(t.db, { model: 'pr', featureSet: 'soccer-1x2-base', seed: 42, alias: 'challenger' });
    // A model without a champion is not served by the schedules.
    await registerTestModel(t.db, { model: 'unserved', featureSet: 'soccer-1x2-base', seed: 43, alias: null });
    ctx = await createTestContext(t.db, { env: { SHARPLINE_HOME: home, SHARPLINE_CLOCK_FILE: clock, SHARPLINE_PREDICT_HORIZON_HOURS: '72' } });
  }, 120_000);
  afterAll(async () => {
    await ctx?.close();
    await t?.drop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('lists the new steps with the others', async () => {
    const names = (await listSchedules(ctx)).map((s) => s.name);
    for (const n of ['predict', 'drift', 'retention'] as const) assert.ok(names.includes(n), names.join(', '));
  });

  it('stores each served alias\'s prediction of every upcoming game in the horizon, before kickoff, through the serving path', async () => {
    const first = await run('predict', T0);
    assert.deepEqual(first.result, {
      pr: {
        v1: { aliases: ['champion'], upcoming: 2, stored: 2, existing: 0 },
        v2: { aliases: ['challenger'], upcoming: 2, stored: 2, existing: 0 },
      },
    });
    const rows = await stored();
    assert.deepEqual(rows.map((r) => [r.version, r.game_id, r.alias]), [
      [1, games.soon, 'champion'], [1, games.tomorrow, 'champion'],
      [2, games.soon, 'challenger'], [2, games.tomorrow, 'challenger'],
    ].sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number)));
    for (const r of rows) {
      assert.equal(Date.parse(r.predicted_at), T0, 'made at the clock time');
      assert.ok(Date.parse(r.predicted_at) < Date.parse(r.kickoff));
      // The same answer as the predict use case (the HTTP route's) gives for that version and game.
      const direct = (await predict(ctx, { ref: { model: 'pr', version: r.version }, games: [{ gameId: r.game_id }] })).predictions[0]!;
      ['home', 'draw', 'away'].forEach((c, k) => assert.ok(Math.abs(r.probabilities[k]! - direct.probabilities[c]!) < 1e-9, `${c}: ${r.probabilities[k]} vs ${direct.probabilities[c]}`));
      assert.deepEqual(r.features.map(Number), Object.values(direct.features));
    }
  });

  it('a second run at the same time changes nothing', async () => {
    const before = await stored();
    const again = await run('predict', T0);
    assert.deepEqual(again.result, {
      pr: {
        v1: { aliases: ['champion'], upcoming: 2, stored: 0, existing: 2 },
        v2: { aliases: ['challenger'], upcoming: 2, stored: 0, existing: 2 },
      },
    });
    assert.deepEqual(await stored(), before);
  });

  it('later: the kicked-off games are left as stored, a game entering the horizon is added, none is predicted twice', async () => {
    const before = await stored();
    const later = await run('predict', T0 + 40 * H);
    assert.deepEqual(later.result, {
      pr: {
        v1: { aliases: ['champion'], upcoming: 1, stored: 1, existing: 0 },
        v2: { aliases: ['challenger'], upcoming: 1, stored: 1, existing: 0 },
      },
    });
    const rows = await stored();
    assert.equal(rows.length, 6);
    for (const b of before) assert.deepEqual(rows.find((r) => r.version === b.version && r.game_id === b.game_id), b, 'the first prediction stands');
    assert.ok(!rows.some((r) => r.game_id === games.started), 'a game already kicked off is never stored');
    assert.deepEqual(rows.filter((r) => r.game_id === games.later).map((r) => Date.parse(r.predicted_at)), [T0 + 40 * H, T0 + 40 * H]);
  });

  it('a paused predict step stores nothing', async () => {
    await setSchedulePaused(ctx, operatorActor('tests'), 'predict', true);
    const skipped = await run('predict', T0 + 80 * H);
    assert.equal(skipped.skipped, 'paused');
    await setSchedulePaused(ctx, operatorActor('tests'), 'predict', false);
    assert.equal((await stored()).length, 6);
  });

  it('drift runs as a step over every aliased version; a repeat rewrites the same reports', async () => {
    const first = await run('drift', T0 + 41 * H);
    assert.deepEqual(first.result, { checked: 2, warnings: 0, failed: [] });
    const reports = async () => (await t.db.query<{ model: string; version: number; computed_at: string }>('SELECT model, version, computed_at::text AS computed_at FROM drift_reports ORDER BY model, version')).rows;
    const once = await reports();
    assert.deepEqual(once.map((r) => [r.model, r.version, Date.parse(r.computed_at)]), [['pr', 1, T0 + 41 * H], ['pr', 2, T0 + 41 * H]]);
    await run('drift', T0 + 41 * H);
    assert.deepEqual(await reports(), once);
  });

  it('retention runs as a step; the second run finds nothing more to do', async () => {
    // A prediction-log file far older than the retention period.
    const dir = join(home, 'prediction-log');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'predictions-2020-01-01.jsonl'), '{"at":"2020-01-01T00:00:00Z","model":"pr","version":1,"features":[],"probabilities":[0.4,0.3,0.3]}\n');
    const first = await run('retention', T0 + 42 * H);
    assert.equal(first.result!.predictionLogFiles, 1, JSON.stringify(first.result));
    const second = await run('retention', T0 + 42 * H);
    assert.deepEqual(second.result, { predictionLogFiles: 0, auditRows: 0, providerOdds: 0, erasedSubjects: 0 });
  });
});
