import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { buildFeatures, buildTrainingSet, resolveFeatureSet } from '../../features/index.ts';
import { createPgDb } from '../../src/db/index.ts';
import { AppError } from '../../core/errors.ts';
import { createTrainingProcessor } from '../../src/jobs/training.processor.ts';
import { submitTraining } from '../../src/services/index.ts';
import { TRAINING_QUEUE } from '../../src/jobs/index.ts';
import { getRun, type TrainingRun } from '../../training/index.ts';
import type { AppContext } from '../../src/context.ts';
import { createTestContext } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { createTestDb, DATABASE_URL as TEST_DATABASE_URL, postgresReachable, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';
const SET = 'soccer-1x2-market';

let t: TestDb;
let ctx: AppContext;

beforeAll(async () => {
  if (!reachable) return;
  t = await createTestDb('features_concurrent');
  await importSyntheticLeague(t.db);
  ctx = await createTestContext(t.db);
});

afterAll(async () => {
  await ctx?.close();
  if (reachable) await t.drop();
});

test('two builds of one feature set at once both succeed and leave the rows of one build', { skip: Boolean(skip) }, async () => {
  const [a, b] = await Promise.all([buildFeatures(t.db, SET, { full: true }), buildFeatures(t.db, SET, { full: true })]);
  assert.equal(a.rowsWritten, b.rowsWritten);
  // Incremental builds racing each other: the second waits for the first and then sees its state.
  const [c, d] = await Promise.all([buildFeatures(t.db, SET), buildFeatures(t.db, SET)]);
  assert.deepEqual([c.mode, d.mode], ['incremental', 'incremental']);
  const stored = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM feature_rows fr JOIN feature_sets s ON s.hash = fr.set_hash WHERE s.name = $1', [SET]);
  const games = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM games WHERE sport_id = (SELECT id FROM sports WHERE code = 'soccer')");
  assert.equal(stored.rows[0]!.n, games.rows[0]!.n);
  const ts = await buildTrainingSet(t.db, SET, { ensureBuilt: false });
  assert.ok(ts.nRows > 1000);
});

test('a build waiting longer than its bound for another build fails with a coded error naming the set', { skip: Boolean(skip) }, async () => {
  const holder = createPgDb(TEST_DATABASE_URL, { schema: t.schema, max: 1 });
  try {
    await holder.transaction(async () => {
      await assert.rejects(buildFeatures(t.db, SET, { lockTimeoutMs: 200 }), (e: unknown) =>
        e instanceof AppError && e.code === 'SERVICE_UNAVAILABLE' && e.message.includes(`another build of feature set ${SET}`));
    }, { lock: buildLock() });
    assert.equal((await buildFeatures(t.db, SET, { lockTimeoutMs: 200 })).mode, 'incremental');
  } finally {
    await holder.close();
  }
});

test('a build of the same set version in another schema of the database does not wait for this schema\'s build', { skip: Boolean(skip) }, async () => {
  const other = await createTestDb('features_concurrent_other');
  const holder = createPgDb(TEST_DATABASE_URL, { schema: t.schema, max: 1 });
  try {
    await holder.transaction(async () => {
      // The holder's lock is this schema's: the other schema's build is granted its own at once ...
      const report = await buildFeatures(other.db, SET, { full: true, lockTimeoutMs: 2_000 });
      assert.equal(report.featureSet.hash, resolveFeatureSet(SET).hash);
      // ... while a build here still waits for the holder.
      await assert.rejects(buildFeatures(t.db, SET, { lockTimeoutMs: 200 }), (e: unknown) => e instanceof AppError && e.code === 'SERVICE_UNAVAILABLE');
    }, { lock: buildLock() });
  } finally {
    await holder.close();
    await other.drop();
  }
});

/** The lock a build of SET takes (features/build.ts's class, the set's hash), held through the Db as the build holds it. */
function buildLock() {
  return { classId: 7_301_203, key: resolveFeatureSet(SET).hash, timeoutMs: 5_000, what: 'the test holder' };
}

test('two training jobs on one feature set at once both succeed on their first attempt', { skip: Boolean(skip) }, async () => {
  const worker = ctx.queues.startWorker(TRAINING_QUEUE, createTrainingProcessor(ctx), { concurrency: 2 });
  try {
    // A fresh set version state: both jobs start with a full build of the same set.
    await t.db.query('DELETE FROM feature_build_state');
    const base = { featureSet: SET, algo: 'logistic', trainTo: '2024-06-30', testFrom: '2024-07-01', testTo: '2026-11-25', params: { epochs: 5 } };
    const runs = await Promise.all([
      submitTraining(ctx, { ...base, model: 'race-a' }),
      submitTraining(ctx, { ...base, model: 'race-b' }),
    ]);
    const done = await Promise.all(runs.map(({ run }) => waitForEnd(run.id)));
    for (const run of done) {
      assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
      const job = await ctx.queues.getJob(TRAINING_QUEUE, run.jobId);
      assert.equal(job?.attemptsMade, 0, `${run.spec.model} needed a retry: ${job?.failedReason}`);
    }
  } finally {
    await worker.close();
  }
});

async function waitForEnd(id: string, timeoutMs = 180_000): Promise<TrainingRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(ctx.db, id);
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
