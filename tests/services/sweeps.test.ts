import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestPgDb, createTestPgliteDb, assertRedisUp, TEST_REDIS_URL, uniqueName, type TestDb } from '../support/services.ts';
import { createTestContext } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { bestOfSweep, showSweep, submitSweep, listSweeps, reconcileSweeps, type SweepView } from '../../src/services/index.ts';
import { startWorkers, workerDefinitions, createBullmqQueues, SWEEP_QUEUE } from '../../src/jobs/index.ts';
import { getRun, listRuns } from '../../training/index.ts';
import { listAliases, listVersions } from '../../registry/index.ts';
import { AppError } from '../../core/index.ts';
import type { AppContext } from '../../src/context.ts';

const BASE = { model: 'syn-sweep', featureSet: 'soccer-1x2-base', algo: 'logistic', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25', params: { epochs: 8 } } as const;
const GRID = { base: BASE, grid: { l2: [0.0001, 0.3] }, alias: 'challenger' };

/** Polls the sweep until it has settled; fails naming what it was after `timeoutMs`. */
async function waitForSweep(ctx: AppContext, id: string, timeoutMs = 60_000): Promise<SweepView> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const sweep = await showSweep(ctx, id);
    if (sweep.status !== 'running') return sweep;
    await sleep(100);
  }
  throw new Error(`sweep ${id} did not settle within ${timeoutMs} ms: ${JSON.stringify((await showSweep(ctx, id)).counts)}`);
}

async function refusedCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    return error.code;
  }
  assert.fail('expected a coded error');
}

/** What both job systems must do with the same small grid. */
function sweepSuite(open: () => Promise<{ t: TestDb; ctx: AppContext }>) {
  let t: TestDb;
  let ctx: AppContext;
  let workers: { close(): Promise<void> };
  beforeAll(async () => {
    ({ t, ctx } = await open());
    await importSyntheticLeague(t.db, { seasons: 3 });
  });
  afterAll(async () => {
    await workers?.close();
    await ctx?.close();
    await t?.drop();
  });

  it('asked for its best before the trials finish: SWEEP_UNSETTLED; then one flow trains each trial and settles on validation', async () => {
    const { sweep, created } = await submitSweep(ctx, GRID, 'alice');
    assert.equal(created, true);
    assert.equal(sweep.status, 'running');
    assert.equal(sweep.counts.trials, 2);
    // No worker yet: the trials are queued, the sweep is not settled.
    assert.equal(await refusedCode(bestOfSweep(ctx, sweep.id)), 'SWEEP_UNSETTLED');
    assert.deepEqual((await submitSweep(ctx, GRID, 'bob')).created, false, 'the same sweep twice is one sweep');

    workers = startWorkers(ctx, workerDefinitions);
    const done = await waitForSweep(ctx, sweep.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.counts.succeeded, 2);
    for (const trial of done.trials) {
      assert.ok(Number.isFinite(trial.validationLogLoss), JSON.stringify(trial));
      assert.ok(Number.isFinite(trial.testLogLoss), JSON.stringify(trial));
      assert.equal((await getRun(t.db, trial.runId)).status, 'succeeded');
    }
    const { best } = await bestOfSweep(ctx, sweep.id);
    assert.equal(best.validationLogLoss, Math.min(...done.trials.map((x) => x.validationLogLoss!)));
    assert.equal(done.best?.runId, best.runId);
    // Two trials, two versions of the one model; the best one is the challenger.
    assert.equal((await listVersions(t.db, 'syn-sweep')).length, 2);
    assert.deepEqual((await listAliases(t.db, 'syn-sweep')).map((a) => [a.alias, a.version]), [['challenger', best.version]]);
    assert.deepEqual(done.alias, { name: 'challenger', version: best.version });
    assert.deepEqual((await listSweeps(ctx)).map((s) => s.id), [sweep.id]);
    // The parent job ran on the sweeps queue and completed.
    assert.equal((await ctx.queues.getJob(SWEEP_QUEUE, done.jobId))?.state, 'completed');
  });

  it('a sweep whose trials all fail settles as failed: SWEEP_NO_TRIAL', async () => {
    const { sweep } = await submitSweep(ctx, { base: { ...BASE, model: 'syn-sweep-empty', trainTo: '1999-06-30', testFrom: '1999-07-01' }, grid: { l2: [0.001, 0.01] } });
    const done = await waitForSweep(ctx, sweep.id);
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'SWEEP_NO_TRIAL');
    assert.equal(done.counts.failed, 2);
    assert.equal(await refusedCode(bestOfSweep(ctx, sweep.id)), 'SWEEP_NO_TRIAL');
  });

  it('a trial the same as an earlier run is not trained again: the sweep counts it as it is', async () => {
    const runsBefore = (await listRuns(t.db, { model: 'syn-sweep' })).length;
    const { sweep } = await submitSweep(ctx, { base: BASE, grid: { l2: [0.0001, 0.01] } });
    const done = await waitForSweep(ctx, sweep.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal((await listRuns(t.db, { model: 'syn-sweep' })).length, runsBefore + 1, 'only l2 0.01 is new');
    assert.equal((await listVersions(t.db, 'syn-sweep')).length, 3);
  });

  it('unknown sweeps are SWEEP_NOT_FOUND; the reconciler has nothing to settle', async () => {
    assert.equal(await refusedCode(showSweep(ctx, 'swp_nope')), 'SWEEP_NOT_FOUND');
    assert.deepEqual(await reconcileSweeps(ctx, 0), []);
  });
}

describe('sweeps on the embedded database (PGlite), in-process jobs', () => {
  sweepSuite(async () => {
    const t = await createTestPgliteDb();
    return { t, ctx: await createTestContext(t.db) };
  });
});

describe('sweeps on Postgres and BullMQ (a flow on real Redis)', () => {
  sweepSuite(async () => {
    await assertRedisUp();
    const t = await createTestPgDb('sweep');
    return { t, ctx: await createTestContext(t.db, { queues: createBullmqQueues(TEST_REDIS_URL, { prefix: uniqueName('slsweep') }) }) };
  });
});
