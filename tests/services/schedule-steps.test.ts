/**
 * The retrain and rebuild-features steps on a trained champion: once per retrain window of the
 * schedules' clock a challenger retrains with its windows rolled forward (one run however often
 * the step fires), the challenger alias moves to it when it succeeds and the champion stays; the
 * served feature set is rebuilt incrementally. Embedded database, in-process jobs.
 */
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPgliteDb, type TestDb } from '../support/services.ts';
import { createTestContext } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { waitForRunEnd } from '../support/runs.ts';
import type { AppContext } from '../../src/context.ts';
import { startWorkers, workerDefinitions } from '../../src/jobs/index.ts';
import { moveAlias, runScheduledStep, SCHEDULE_STEP_RUNNERS, submitTraining } from '../../src/services/index.ts';
import { operatorActor } from '../../src/governance/index.ts';
import { listAliases } from '../../registry/index.ts';
import { SYNTHETIC_DIVISION } from '../../src/demo/synthetic-league.ts';

describe('schedule steps: retrain and rebuild-features', () => {
  let t: TestDb;
  let ctx: AppContext;
  let workers: { close(): Promise<void> };
  const clock = join(mkdtempSync(join(tmpdir(), 'sch17-steps-')), 'clock');

  beforeAll(async () => {
    t = await createTestPgliteDb();
    await importSyntheticLeague(t.db);
    ctx = await createTestContext(t.db, { env: { SHARPLINE_CLOCK_FILE: clock, SHARPLINE_RETRAIN_DAYS: '7' } });
    workers = startWorkers(ctx, workerDefinitions);
    const { run } = await submitTraining(ctx, { model: 'sch-live', featureSet: 'soccer-1x2-market', competitions: [SYNTHETIC_DIVISION], trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-06-30' }, 'tests');
    const done = await waitForRunEnd(ctx, run.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    await moveAlias(ctx, { model: 'sch-live', alias: 'champion', version: 1, actor: operatorActor('tests') });
  }, 240_000);
  afterAll(async () => {
    await workers?.close();
    await ctx?.close();
    await t?.drop();
  });

  it('retrains once per window (however often it fires), moves the challenger when the run succeeds, never the champion', async () => {
    writeFileSync(clock, '2026-11-20T12:00:00Z');
    const first = await runScheduledStep(ctx, 'retrain', SCHEDULE_STEP_RUNNERS);
    const entry = first.result!['sch-live'] as { run: string; from: string };
    assert.equal(entry.from, 'champion v1');
    assert.match(entry.run, /^run_/);
    const again = await runScheduledStep(ctx, 'retrain', SCHEDULE_STEP_RUNNERS);
    assert.equal((again.result!['sch-live'] as { run: string }).run, entry.run, 'the same window: the same run');
    const done = await waitForRunEnd(ctx, entry.run);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.spec.testTo, '2026-11-18', 'windows rolled to the day before the retrain window (2026-11-19, a 7-day boundary)');
    const moved = await runScheduledStep(ctx, 'retrain', SCHEDULE_STEP_RUNNERS);
    assert.equal((moved.result!['sch-live'] as { challenger?: number }).challenger, 2);
    const aliases = Object.fromEntries((await listAliases(ctx.db, 'sch-live')).map((a) => [a.alias, a.version]));
    assert.deepEqual(aliases, { champion: 1, challenger: 2 });
    const { rows } = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM training_runs WHERE model_name = 'sch-live'");
    assert.equal(rows[0]!.n, 2, 'one retrain run in all');
    // The next window retrains the challenger, not the champion.
    writeFileSync(clock, '2026-11-27T12:00:00Z');
    const next = await runScheduledStep(ctx, 'retrain', SCHEDULE_STEP_RUNNERS);
    assert.equal((next.result!['sch-live'] as { from: string }).from, 'challenger v2');
  }, 240_000);

  it('rebuilds the served feature set incrementally', async () => {
    const r = await runScheduledStep(ctx, 'rebuild-features', SCHEDULE_STEP_RUNNERS);
    const built = r.result!['soccer-1x2-market'] as { mode: string };
    assert.ok(built, JSON.stringify(r.result));
    assert.equal(built.mode, 'incremental');
  }, 120_000);
});
