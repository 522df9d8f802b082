import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { getRun, upsertRun, startRun, finishRun, updateProgress, requestCancel, parseTrainingSpec, runIdOf, RUN_TRANSITIONS, type RunStatus } from '../../training/index.ts';

const SPEC = { featureSet: 'soccer-1x2-market', algo: 'logistic', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' } as const;
const TAG = 'testtag00000';
const STATUSES = Object.keys(RUN_TRANSITIONS) as RunStatus[];

describe('training run transitions (real Postgres)', () => {
  let t: TestDb;
  let n = 0;
  /** A fresh queued run of its own. */
  const newRun = async () => {
    const spec = parseTrainingSpec({ ...SPEC, model: `transitions-${++n}` });
    return (await upsertRun(t.db, runIdOf(spec), spec, 'test', TAG)).run;
  };
  beforeAll(async () => {
    t = await createTestPgDb('runs');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('a stale attempt cannot overwrite the outcome of the attempt that took its run over', async () => {
    const run = await newRun();
    const first = await startRun(t.db, run.id);
    const second = await startRun(t.db, run.id); // a redelivery after BullMQ found the first stalled
    assert.deepEqual([first?.attempts, second?.attempts], [1, 2]);
    assert.equal(await finishRun(t.db, run.id, 2, 'succeeded', { result: { version: 1 } }), true);
    assert.equal(await finishRun(t.db, run.id, 1, 'failed', { error: { code: 'INTERNAL', message: 'lock lost' } }), false);
    const after = await getRun(t.db, run.id);
    assert.equal(after.status, 'succeeded');
    assert.deepEqual(after.result, { version: 1 });
    assert.equal(after.error, null);
  });

  it('a superseded attempt can neither report progress nor end the run; the newest attempt can', async () => {
    const run = await newRun();
    await startRun(t.db, run.id);
    await startRun(t.db, run.id);
    assert.deepEqual(await updateProgress(t.db, run.id, 1, { phase: 'training', epoch: 9 }), { owned: false, cancelRequested: false });
    assert.deepEqual((await getRun(t.db, run.id)).progress, {}, 'the stale report wrote nothing');
    assert.equal(await finishRun(t.db, run.id, 1, 'cancelled', {}), false);
    assert.equal((await getRun(t.db, run.id)).status, 'running');
    assert.equal((await updateProgress(t.db, run.id, 2, { phase: 'training', epoch: 1 })).owned, true);
  });

  it('every operation takes effect from exactly the statuses the transition table allows', async () => {
    const operations: Array<[string, RunStatus, (id: string) => Promise<boolean>]> = [
      ['start', 'running', async (id) => (await startRun(t.db, id)) !== undefined],
      ['finish succeeded', 'succeeded', (id) => finishRun(t.db, id, 1, 'succeeded', {})],
      ['finish failed', 'failed', (id) => finishRun(t.db, id, 1, 'failed', {})],
      ['finish cancelled', 'cancelled', (id) => finishRun(t.db, id, 1, 'cancelled', {})],
      ['resubmit', 'queued', async (id) => {
        const { spec, createdBy } = await getRun(t.db, id);
        return (await upsertRun(t.db, id, spec, createdBy, TAG)).created;
      }],
    ];
    for (const from of STATUSES) {
      for (const [name, to, apply] of operations) {
        const run = await newRun();
        await t.db.query('UPDATE training_runs SET status = $2, attempts = 1 WHERE id = $1', [run.id, from]);
        const tookEffect = await apply(run.id);
        assert.equal(tookEffect, RUN_TRANSITIONS[from].includes(to), `${name} from ${from}`);
        if (!tookEffect) assert.equal((await getRun(t.db, run.id)).status, from, `${name} from ${from} left the run ${from}`);
      }
    }
  });

  it('succeeded is final: cancel and resubmission leave it as it is', async () => {
    const run = await newRun();
    await startRun(t.db, run.id);
    await finishRun(t.db, run.id, 1, 'succeeded', { result: { version: 3 } });
    assert.equal((await requestCancel(t.db, run.id)).status, 'succeeded');
    const again = await upsertRun(t.db, run.id, run.spec, 'someone', TAG);
    assert.equal(again.created, false);
    assert.equal(again.run.status, 'succeeded');
    assert.equal(again.run.submission, 1);
  });

  it('a failed run submitted again gets a new submission and job id; attempt numbers keep counting', async () => {
    const run = await newRun();
    await startRun(t.db, run.id);
    await finishRun(t.db, run.id, 1, 'failed', { error: { code: 'INTERNAL', message: 'x' } });
    const { run: again, created } = await upsertRun(t.db, run.id, run.spec, 'test', TAG);
    assert.equal(created, true);
    assert.equal(again.submission, 2);
    assert.notEqual(again.jobId, run.jobId);
    assert.equal((await startRun(t.db, run.id))?.attempts, 2, 'an attempt of the first submission can never own the second');
  });
});
