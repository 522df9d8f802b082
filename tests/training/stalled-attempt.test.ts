import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestContext } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { submitTraining } from '../../src/services/index.ts';
import type { TrainingJobData } from '../../src/jobs/index.ts';
import { createTrainingProcessor } from '../../src/jobs/training.processor.ts';
import type { JobContext } from '../../src/jobs/index.ts';
import type { AppContext } from '../../src/context.ts';
import { getRun } from '../../training/index.ts';
import { getVersion } from '../../registry/index.ts';

const SPEC = { featureSet: 'soccer-1x2-market', algo: 'mlp', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' } as const;

/**
 * What BullMQ does when it finds an attempt stalled (its lock not renewed): it delivers the same
 * job again while the first attempt may still be alive. Both deliveries run the real processor.
 */
describe('a stalled attempt through the real processor (real Postgres, real training)', () => {
  let t: TestDb;
  let ctx: AppContext;
  beforeAll(async () => {
    t = await createTestPgDb('stalled');
    await importSyntheticLeague(t.db, { seasons: 3 });
    ctx = await createTestContext(t.db);
  });
  afterAll(async () => {
    await ctx.close();
    await t.drop();
  });

  it('the attempt that took the run over succeeds; the stale one stops and overwrites nothing', async () => {
    const { run } = await submitTraining(ctx, { ...SPEC, model: 'stalled', params: { hidden: [16], epochs: 4000, earlyStoppingPatience: 0, batchSize: 32 } });
    const processor = createTrainingProcessor(ctx);
    const delivery = (signal: AbortSignal): JobContext<TrainingJobData> => ({
      id: run.jobId,
      name: 'train',
      data: { runId: run.id, attempts: 3, deployment: ctx.deployment?.tag },
      attemptsMade: 0, // a stall is not a failed attempt: BullMQ redelivers with the same count
      signal,
      updateProgress: async () => undefined,
    });
    const stale = new AbortController();
    const first = processor(delivery(stale.signal));
    const deadline = Date.now() + 60_000;
    // The fit must still be going when the second delivery arrives: on a quiet machine 400 epochs
    // ended before a 20 ms poll saw the phase, and the test then waited out its deadline.
    while ((await getRun(t.db, run.id)).progress.phase !== 'training' && Date.now() < deadline) await sleep(5);
    assert.equal((await getRun(t.db, run.id)).status, 'running', 'the first attempt was still training when the second arrived');
    const second = processor(delivery(new AbortController().signal));
    while ((await getRun(t.db, run.id)).attempts < 2 && Date.now() < deadline) await sleep(20);
    // The stalled worker finally gets to its shutdown: its attempt ends (cancelled, as it sees it).
    stale.abort();
    await first.catch(() => undefined);
    const meanwhile = await getRun(t.db, run.id);
    assert.equal(meanwhile.status, 'running', 'the stale attempt did not end the run the newer one owns');
    assert.equal(meanwhile.attempts, 2);
    await second;
    const done = await getRun(t.db, run.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const version = await getVersion(t.db, 'stalled', Number(done.result?.version));
    assert.equal(version.status, 'READY', 'the stale attempt did not mark the shared version FAILED');
  });
});
