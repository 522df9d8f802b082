import { describe, it, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBullmqQueues, createInProcessQueues, PermanentJobError, type JobQueues, type JobInfo } from '../../src/jobs/index.ts';
import { assertRedisUp, TEST_REDIS_URL, uniqueName } from '../support/services.ts';

async function waitFor(queues: JobQueues, queue: string, id: string, states: JobInfo['state'][]): Promise<JobInfo> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const info = await queues.getJob(queue, id);
    if (info && states.includes(info.state)) return info;
    await sleep(25);
  }
  throw new Error(`job ${id} did not reach ${states.join('/')}`);
}

/** The same round-trip contract on real Redis (BullMQ) and in-process. */
const modes: Array<[string, () => Promise<JobQueues>]> = [
  ['bullmq on real Redis', async () => {
    await assertRedisUp();
    return createBullmqQueues(TEST_REDIS_URL, { prefix: uniqueName('sltest') });
  }],
  ['in-process', async () => createInProcessQueues()],
];

for (const [label, open] of modes) {
  describe(`job queues: ${label}`, () => {
    const opened: JobQueues[] = [];
    afterAll(async () => {
      for (const q of opened) await q.close();
    });

    it('runs a job through a processor, reports progress and the result', async () => {
      const queues = await open();
      opened.push(queues);
      const seen: number[] = [];
      queues.startWorker<{ a: number; b: number }, number>('math', async (job) => {
        await job.updateProgress(50);
        seen.push(job.data.a);
        return job.data.a + job.data.b;
      });
      await queues.add('math', 'add', { a: 2, b: 3 }, { jobId: 'sum-2-3' });
      const done = await waitFor(queues, 'math', 'sum-2-3', ['completed', 'failed']);
      assert.equal(done.state, 'completed');
      assert.equal(done.returnValue, 5);
      assert.equal(done.progress, 50);
      assert.deepEqual(seen, [2]);
    });

    it('a duplicate job id yields the one job, run once', async () => {
      const queues = await open();
      opened.push(queues);
      let runs = 0;
      const first = await queues.add('dup', 'x', { n: 1 }, { jobId: 'same-input' });
      const second = await queues.add('dup', 'x', { n: 1 }, { jobId: 'same-input' });
      assert.equal(first.id, second.id);
      queues.startWorker('dup', async () => {
        runs += 1;
        return 'ok';
      });
      await waitFor(queues, 'dup', 'same-input', ['completed']);
      await sleep(100);
      assert.equal(runs, 1);
    });

    it('retries transient failures with backoff and never retries permanent ones', async () => {
      const queues = await open();
      opened.push(queues);
      let flaky = 0;
      let bad = 0;
      queues.startWorker<{ kind: string }, string>('retry', async (job) => {
        if (job.data.kind === 'flaky') {
          flaky += 1;
          if (job.attemptsMade < 2) throw new Error('transient');
          return 'recovered';
        }
        bad += 1;
        throw new PermanentJobError('bad spec');
      });
      await queues.add('retry', 'flaky', { kind: 'flaky' }, { jobId: 'flaky', attempts: 3, backoffMs: 10 });
      await queues.add('retry', 'bad', { kind: 'bad' }, { jobId: 'bad', attempts: 3, backoffMs: 10 });
      const ok = await waitFor(queues, 'retry', 'flaky', ['completed', 'failed']);
      const failed = await waitFor(queues, 'retry', 'bad', ['completed', 'failed']);
      assert.equal(ok.state, 'completed');
      assert.equal(ok.returnValue, 'recovered');
      assert.equal(flaky, 3);
      assert.equal(failed.state, 'failed');
      assert.match(failed.failedReason ?? '', /bad spec/);
      assert.equal(bad, 1);
    });

    it('close waits for the in-flight job to finish', async () => {
      const queues = await open();
      let finished = false;
      let started!: () => void;
      const isStarted = new Promise<void>((resolve) => (started = resolve));
      queues.startWorker('slow', async () => {
        started();
        await sleep(300);
        finished = true;
        return 1;
      });
      await queues.add('slow', 's', {}, { jobId: 'slow-1' });
      await isStarted;
      await queues.close();
      assert.equal(finished, true);
    });
  });
}
