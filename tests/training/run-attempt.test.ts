import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestContext } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { submitTraining } from '../../src/services/index.ts';
import { findCodeVersion } from '../../src/code-version.ts';
import { createLogger } from '../../core/logger.ts';
import { AppError } from '../../core/errors.ts';
import type { AppContext } from '../../src/context.ts';
import { getRun, runTrainingAttempt, type RunDelivery } from '../../training/index.ts';
import { getVersion } from '../../registry/index.ts';

const SPEC = { featureSet: 'soccer-1x2-base', algo: 'logistic', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' } as const;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A delivery with no queue behind it: the lifecycle is training's, whatever carries the run. */
function delivery(id: string, overrides: Partial<RunDelivery> = {}): RunDelivery & { reported: unknown[] } {
  const reported: unknown[] = [];
  return { id, attemptsMade: 0, maxAttempts: 3, signal: new AbortController().signal, reportProgress: async (p) => void reported.push(p), reported, ...overrides };
}

describe("a run's lifecycle lives in training/ (no queue), with the code version handed in", () => {
  let t: TestDb;
  let ctx: AppContext;
  before(async () => {
    t = await createTestPgDb('run_attempt');
    await importSyntheticLeague(t.db, { seasons: 3 });
    ctx = await createTestContext(t.db, { env: { SHARPLINE_CODE_VERSION: 'code-under-test-1' } });
  });
  after(async () => {
    await ctx.close();
    await t.drop();
  });

  it('the composition root finds the code version once: SHARPLINE_CODE_VERSION, else the checkout HEAD (read without git)', () => {
    assert.equal(ctx.codeVersion, 'code-under-test-1');
    let head: string | null = null;
    try {
      head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      // Not a checkout (a source tarball): then there is nothing to read either.
    }
    assert.equal(findCodeVersion(undefined, ROOT), head);
    assert.equal(findCodeVersion(undefined, '/'), null);
  });

  it('trains a run with no queue, reports progress to its carrier, and records the handed-in code version', async () => {
    const { run } = await submitTraining(ctx, { ...SPEC, model: 'attempt-direct' });
    const carrier = delivery(run.jobId);
    const result = await runTrainingAttempt({ db: t.db, logger: createLogger('silent'), codeVersion: ctx.codeVersion, isPermanent: () => false }, run.id, carrier);
    assert.ok('version' in result, JSON.stringify(result));
    assert.ok(carrier.reported.some((p) => (p as { phase: string }).phase === 'dataset'));
    const version = await getVersion(t.db, 'attempt-direct', result.version);
    assert.equal(version.lineage.codeVersion, 'code-under-test-1');
    assert.equal((await getRun(t.db, run.id)).status, 'succeeded');
    assert.deepEqual(await runTrainingAttempt({ db: t.db, logger: createLogger('silent'), isPermanent: () => false }, run.id, delivery(run.jobId)), { skipped: true, runId: run.id, status: 'succeeded' });
  });

  it('a permanent failure ends the run at once; another failure leaves it retrying until the last delivery', async () => {
    const empty = { ...SPEC, trainTo: '1999-06-30', testFrom: '1999-07-01', testTo: '1999-12-31' };
    const deps = (permanent: boolean) => ({ db: t.db, logger: createLogger('silent'), isPermanent: () => permanent });
    const isEmpty = (e: unknown) => e instanceof AppError && e.code === 'TRAINING_DATA_EMPTY';

    const { run: retried } = await submitTraining(ctx, { ...empty, model: 'attempt-retried' });
    await assert.rejects(runTrainingAttempt(deps(false), retried.id, delivery(retried.jobId)), isEmpty);
    const between = await getRun(t.db, retried.id);
    assert.deepEqual([between.status, between.progress.phase], ['running', 'retrying']);
    await assert.rejects(runTrainingAttempt(deps(false), retried.id, delivery(retried.jobId, { attemptsMade: 2 })), isEmpty);
    assert.equal((await getRun(t.db, retried.id)).status, 'failed', 'the last delivery settles the run');

    const { run: refused } = await submitTraining(ctx, { ...empty, model: 'attempt-permanent' });
    await assert.rejects(runTrainingAttempt(deps(true), refused.id, delivery(refused.jobId)), isEmpty);
    const failed = await getRun(t.db, refused.id);
    assert.deepEqual([failed.status, failed.error?.code], ['failed', 'TRAINING_DATA_EMPTY']);
  });
});
