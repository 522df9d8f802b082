import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitForRunEnd } from '../support/runs.ts';
import { createTestPgDb, assertRedisUp, TEST_DATABASE_URL, TEST_REDIS_URL, type TestDb } from '../support/services.ts';
import { createCapturingLogger, ERROR, type LogLine } from '../support/logs.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { submitTraining, reconcileQueuedRuns } from '../../src/services/index.ts';
import { TRAINING_QUEUE } from '../../src/jobs/index.ts';
import { startWorkers, workerDefinitions, type JobInfo } from '../../src/jobs/index.ts';
import { getRun, upsertRun, parseTrainingSpec, runIdOf } from '../../training/index.ts';
import { listVersions } from '../../registry/index.ts';

const BASE = { featureSet: 'soccer-1x2-base', algo: 'logistic', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' } as const;

interface Deployment {
  t: TestDb;
  ctx: AppContext;
  lines: LogLine[];
  workers?: { close(): Promise<void> };
}

/** A deployment as `serve`/`worker` build it: its own database (schema), the shared Redis, the default prefix. */
async function deployment(name: string): Promise<Deployment> {
  const t = await createTestPgDb(name);
  await importSyntheticLeague(t.db, { seasons: 3 });
  const { logger, lines } = createCapturingLogger();
  const config = loadConfig({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'info' });
  const ctx = await createContext(config, { db: t.db, logger, migrate: false });
  return { t, ctx, lines };
}

async function waitForJob(ctx: AppContext, jobId: string, states: JobInfo['state'][], timeoutMs = 30_000): Promise<JobInfo> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = await ctx.queues.getJob(TRAINING_QUEUE, jobId);
    if (info && states.includes(info.state)) return info;
    await sleep(50);
  }
  throw new Error(`job ${jobId} did not reach ${states.join('/')}`);
}

const trainedBy = (d: Deployment) => d.lines.filter((l) => l.msg === 'training started').map((l) => String(l.runId)).sort();

describe('two deployments (two databases) sharing one Redis', () => {
  let a: Deployment;
  let b: Deployment;
  before(async () => {
    await assertRedisUp();
    a = await deployment('depla');
    b = await deployment('deplb');
  });
  after(async () => {
    for (const d of [a, b]) {
      await d?.workers?.close();
      await d?.ctx.close();
      await d?.t.drop();
    }
  });

  it('each deployment has its own default queue prefix, derived from its database', () => {
    assert.match(a.ctx.deployment.queuePrefix, /^sharpline-[0-9a-f]{12}$/);
    assert.match(b.ctx.deployment.queuePrefix, /^sharpline-[0-9a-f]{12}$/);
    assert.notEqual(a.ctx.deployment.queuePrefix, b.ctx.deployment.queuePrefix);
  });

  it('with a worker each, every run is trained exactly once, by its own deployment’s worker', async () => {
    a.workers = startWorkers(a.ctx, workerDefinitions);
    b.workers = startWorkers(b.ctx, workerDefinitions);
    // The same spec in both (so the same run id), and one spec of each deployment's own.
    const shared = { ...BASE, model: 'shared-model' };
    const [sharedA, sharedB, onlyA, onlyB] = await Promise.all([
      submitTraining(a.ctx, shared, 'alice'),
      submitTraining(b.ctx, shared, 'bob'),
      submitTraining(a.ctx, { ...BASE, model: 'model-a' }, 'alice'),
      submitTraining(b.ctx, { ...BASE, model: 'model-b' }, 'bob'),
    ]);
    for (const [d, { run }] of [[a, sharedA], [b, sharedB], [a, onlyA], [b, onlyB]] as const) {
      const done = await waitForRunEnd(d.ctx, run.id, 60_000);
      assert.equal(done.status, 'succeeded', `${run.model} in ${d.t.schema}: ${JSON.stringify(done.error)}`);
      assert.equal(done.attempts, 1, `${run.model} in ${d.t.schema} trained once`);
    }
    assert.deepEqual(trainedBy(a), [sharedA.run.id, onlyA.run.id].sort(), 'deployment A’s worker trained A’s runs, and only those');
    assert.deepEqual(trainedBy(b), [sharedB.run.id, onlyB.run.id].sort(), 'deployment B’s worker trained B’s runs, and only those');
    for (const [d, model] of [[a, 'shared-model'], [a, 'model-a'], [b, 'shared-model'], [b, 'model-b']] as const) {
      assert.deepEqual((await listVersions(d.t.db, model)).map((v) => v.status), ['READY'], `${model} in ${d.t.schema}: one version`);
    }
    await assert.rejects(listVersions(a.t.db, 'model-b'), { code: 'MODEL_NOT_FOUND' });
    await assert.rejects(listVersions(b.t.db, 'model-a'), { code: 'MODEL_NOT_FOUND' });
    assert.equal(sharedA.run.id, sharedB.run.id, 'the same spec is the same run id in both databases');
    assert.notEqual(sharedA.run.jobId, sharedB.run.jobId, 'but two jobs');
  });

  it('a job for a run its database does not have is failed loudly, without retries', async () => {
    await a.ctx.queues.add(TRAINING_QUEUE, 'train', { runId: 'run_not_in_this_database', attempts: 3 }, { jobId: 'orphan-job', attempts: 3, backoffMs: 10 });
    const job = await waitForJob(a.ctx, 'orphan-job', ['completed', 'failed']);
    assert.equal(job.state, 'failed');
    assert.match(job.failedReason ?? '', /TRAINING_RUN_NOT_FOUND.*run_not_in_this_database/);
    assert.equal(job.attemptsMade, 1);
    assert.ok(a.lines.some((l) => l.level >= ERROR && l.runId === 'run_not_in_this_database'), 'an error line names the run');
  });

  it('a job tagged with another deployment is refused, and the reconciler re-enqueues the run whose job finished that way', async () => {
    const spec = parseTrainingSpec({ ...BASE, model: 'model-stolen' });
    const { run } = await upsertRun(a.t.db, runIdOf(spec), spec, 'alice', a.ctx.deployment.tag);
    // What a worker of B would find if both deployments were given one SHARPLINE_QUEUE_PREFIX.
    await a.ctx.queues.add(TRAINING_QUEUE, 'train', { runId: run.id, attempts: 3, deployment: b.ctx.deployment.tag }, { jobId: run.jobId, attempts: 3 });
    const refused = await waitForJob(a.ctx, run.jobId, ['completed', 'failed']);
    assert.equal(refused.state, 'failed');
    assert.match(refused.failedReason ?? '', /SHARPLINE_QUEUE_PREFIX/);
    assert.equal((await getRun(a.t.db, run.id)).status, 'queued', 'the refused job left the run alone');
    assert.deepEqual(await reconcileQueuedRuns(a.ctx, 0), [run.id], 'a queued run whose job finished is re-enqueued');
    const done = await waitForRunEnd(a.ctx, run.id);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.attempts, 1);
  });

  it('resubmitting a queued run whose job is gone enqueues it again instead of returning it stuck', async () => {
    await a.workers?.close();
    a.workers = undefined;
    const { run } = await submitTraining(a.ctx, { ...BASE, model: 'model-resubmitted' }, 'alice');
    assert.equal(await a.ctx.queues.remove(TRAINING_QUEUE, run.jobId), true, 'the job is lost (as after a Redis flush)');
    assert.equal(await a.ctx.queues.getJob(TRAINING_QUEUE, run.jobId), undefined);
    const again = await submitTraining(a.ctx, { ...BASE, model: 'model-resubmitted' }, 'alice');
    assert.equal(again.created, false);
    assert.equal(again.run.status, 'queued');
    assert.equal((await a.ctx.queues.getJob(TRAINING_QUEUE, run.jobId))?.state, 'waiting');
    a.workers = startWorkers(a.ctx, workerDefinitions);
    assert.equal((await waitForRunEnd(a.ctx, run.id)).status, 'succeeded');
  });
});
