import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestPgDb, createTestPgliteDb, assertRedisUp, TEST_REDIS_URL, uniqueName, type TestDb } from '../support/services.ts';
import { buildTestApp, createTestContext, readyWithKey } from '../support/app.ts';
import type { AppInstance } from '../../src/http/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { bestOfSweep, cancelTraining, showSweep, submitSweep, listSweeps, reconcileSweeps, reconcileQueuedRuns, settleSweep, type SweepView } from '../../src/services/index.ts';
import { startWorkers, workerDefinitions, createBullmqQueues, SWEEP_QUEUE } from '../../src/jobs/index.ts';
import { finishRun, getRun, listRuns, startRun } from '../../training/index.ts';
import { createVersion, listAliases, listVersions, markReady } from '../../registry/index.ts';
import { AppError } from '../../core/index.ts';
import type { AppContext } from '../../src/context.ts';

const BASE = { model: 'syn-sweep', featureSet: 'soccer-1x2-base', algo: 'logistic', trainTo: '2026-06-30', testFrom: '2026-07-01', testTo: '2026-11-25', params: { epochs: 8 } } as const;
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
  let app: AppInstance;
  beforeAll(async () => {
    ({ t, ctx } = await open());
    await importSyntheticLeague(t.db, { seasons: 2 });
    app = await buildTestApp(ctx);
    await readyWithKey(app);
  });
  afterAll(async () => {
    await workers?.close();
    await app?.close();
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
    const early = await app.inject({ method: 'GET', url: `/v1/sweeps/${sweep.id}/best` });
    assert.equal(early.statusCode, 409, early.body);
    assert.equal(early.json().error.code, 'SWEEP_UNSETTLED');
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
    // Over HTTP: the same sweep as one unit, its best, and the list.
    const shown = await app.inject({ method: 'GET', url: `/v1/sweeps/${sweep.id}` });
    assert.equal(shown.statusCode, 200, shown.body);
    assert.equal(shown.json().best.runId, best.runId);
    assert.equal(shown.json().trials.length, 2);
    const bestRes = await app.inject({ method: 'GET', url: `/v1/sweeps/${sweep.id}/best` });
    assert.equal(bestRes.statusCode, 200, bestRes.body);
    assert.equal(bestRes.json().version, best.version);
    const listed = await app.inject({ method: 'GET', url: '/v1/sweeps?model=syn-sweep' });
    assert.deepEqual(listed.json().sweeps.map((s: { id: string }) => s.id), [sweep.id]);
    const again = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: GRID });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().id, sweep.id);
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

  it('a trial cancelled while queued does not hold the sweep up: the others settle it', async () => {
    const { sweep } = await submitSweep(ctx, { base: { ...BASE, model: 'syn-sweep-cancel' }, grid: { l2: [0.001, 0.01] } });
    // One worker trains one trial at a time: once one runs, the other waits in the queue.
    const deadline = Date.now() + 30_000;
    let view = await showSweep(ctx, sweep.id);
    while (view.counts.running === 0 && view.status === 'running' && Date.now() < deadline) {
      await sleep(20);
      view = await showSweep(ctx, sweep.id);
    }
    const waiting = view.trials.find((x) => x.status === 'queued');
    assert.ok(waiting, `no trial left queued: ${JSON.stringify(view.counts)}`);
    assert.equal((await cancelTraining(ctx, waiting.runId)).status, 'cancelled');
    const done = await waitForSweep(ctx, sweep.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.deepEqual([done.counts.succeeded, done.counts.cancelled], [1, 1]);
    assert.notEqual(done.best?.runId, waiting.runId);
  });

  it('bad specs and unknown sweeps answer with their codes over HTTP; the reconciler has nothing to settle', async () => {
    assert.equal(await refusedCode(showSweep(ctx, 'swp_nope')), 'SWEEP_NOT_FOUND');
    const missing = await app.inject({ method: 'GET', url: '/v1/sweeps/swp_nope' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'SWEEP_NOT_FOUND');
    const bad = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: { base: BASE, grid: { l2: [0.1, -1] } } });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal(bad.json().error.code, 'SWEEP_SPEC_INVALID');
    assert.equal(bad.json().error.details.field, 'grid.l2[1]');
    const unknownCompetition = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: { base: { ...BASE, competitions: ['ZZ9'] }, grid: { l2: [0.1] } } });
    assert.equal(unknownCompetition.json().error.code, 'COMPETITION_UNKNOWN');
    const protectedAlias = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: { base: BASE, grid: { l2: [0.1] }, alias: 'champion' } });
    assert.equal(protectedAlias.statusCode, 400, protectedAlias.body);
    assert.equal(protectedAlias.json().error.details.field, 'alias');
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

describe('sweeps: the choice and the recovery, on the embedded database', () => {
  let t: TestDb;
  const contexts: AppContext[] = [];
  let workers: { close(): Promise<void> } | undefined;
  /** A context with in-process queues of its own: its jobs are lost with it, as a process's are. */
  const freshContext = async () => {
    const ctx = await createTestContext(t.db);
    contexts.push(ctx);
    return ctx;
  };
  beforeAll(async () => {
    t = await createTestPgliteDb();
    await importSyntheticLeague(t.db, { seasons: 2 });
  });
  afterAll(async () => {
    await workers?.close();
    for (const ctx of contexts) await ctx.close();
    await t?.drop();
  });

  it('the best is the lowest validation log loss, even where another trial is better on the test window', async () => {
    // No worker: each trial's outcome is written by hand, its validation and test scores crossed.
    const ctx = await freshContext();
    const { sweep } = await submitSweep(ctx, { base: { ...BASE, model: 'syn-crossed' }, grid: { l2: [0.001, 0.01, 0.1] } });
    const scores = [
      { validation: 0.99, test: 0.90 },
      { validation: 0.95, test: 0.99 },
      { validation: 0.97, test: 0.93 },
    ];
    for (const [i, trial] of sweep.trials.entries()) {
      const run = (await startRun(t.db, trial.runId))!;
      const { version } = await createVersion(t.db, { model: 'syn-crossed', runId: trial.runId, classes: ['home', 'draw', 'away'] });
      await markReady(t.db, version.id, { metrics: { logLoss: scores[i]!.test }, evaluation: { training: { bestValLoss: scores[i]!.validation } } });
      assert.ok(await finishRun(t.db, run.id, run.attempts, 'succeeded', { result: { model: 'syn-crossed', version: version.version, metrics: { logLoss: scores[i]!.test } } }));
    }
    const settled = await settleSweep(ctx, sweep.id);
    assert.equal(settled.status, 'succeeded');
    const byTest = settled.trials.reduce((a, b) => (b.testLogLoss! < a.testLogLoss! ? b : a));
    assert.equal(byTest.trial, 0, 'on the test window trial 0 is best');
    assert.equal(settled.best?.trial, 1, 'the sweep chose on validation');
    assert.equal(settled.best?.validationLogLoss, 0.95);
    assert.equal(settled.best?.testLogLoss, 0.99);
    // Settling again changes nothing (the parent job, a retry and the reconciler all may).
    assert.deepEqual((await settleSweep(ctx, sweep.id)).best, settled.best);
  });

  it('a sweep whose jobs were lost with their process: its runs are re-enqueued, then the reconciler settles it', async () => {
    const gone = await freshContext();
    const { sweep } = await submitSweep(gone, { base: { ...BASE, model: 'syn-lost' }, grid: { l2: [0.001, 0.01] } });
    assert.equal(sweep.status, 'running');
    // Another process: its queues hold none of those jobs; Postgres holds the sweep and its queued runs.
    const ctx = await freshContext();
    assert.deepEqual((await reconcileQueuedRuns(ctx, 0)).sort(), sweep.trials.map((x) => x.runId).sort());
    workers = startWorkers(ctx, workerDefinitions);
    const deadline = Date.now() + 60_000;
    while ((await showSweep(ctx, sweep.id)).counts.succeeded < 2 && Date.now() < deadline) await sleep(100);
    assert.equal((await showSweep(ctx, sweep.id)).status, 'running', 'no parent job to settle it');
    assert.deepEqual(await reconcileSweeps(ctx, 0), [sweep.id]);
    const done = await showSweep(ctx, sweep.id);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.best?.validationLogLoss, Math.min(...done.trials.map((x) => x.validationLogLoss!)));
  });
});
