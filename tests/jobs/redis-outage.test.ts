import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, startRedisServer, TEST_DATABASE_URL, type OwnedServer, type TestDb } from '../support/services.ts';
import { createCapturingLogger, WARN } from '../support/logs.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { registerTestModel } from '../serving/support.ts';
import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import type { AppInstance } from '../../src/http/app.ts';
import { startReconciler, startWorkers, workerDefinitions, type Reconciler } from '../../src/jobs/index.ts';
import { getRun } from '../../training/index.ts';
import { buildTestApp } from '../support/app.ts';

const BIN = fileURLToPath(new URL('../../bin/sharpline.mjs', import.meta.url));
const SPEC = { featureSet: 'soccer-1x2-base', algo: 'logistic', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' };

/** The promise's value, or a failure saying what did not answer within `ms` (the issue: it hung). */
async function within<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

describe('Redis goes away and comes back (a redis-server of the test’s own, killed and restarted by PID)', () => {
  let redis: OwnedServer;
  let t: TestDb;
  let ctx: AppContext;
  let app: AppInstance;
  let reconciler: Reconciler;
  let workers: { close(): Promise<void> };
  let lines: ReturnType<typeof createCapturingLogger>['lines'];
  const stderr: string[] = [];
  const writeStderr = process.stderr.write.bind(process.stderr);
  let refusedRunId = '';

  const redisWarnings = () => lines.filter((l) => l.level === WARN && l.service === 'Redis');
  const predict = () => app.inject({ method: 'POST', url: '/v1/models/served/predict', payload: { instances: [{ f0: 40, f1: 2.1, f2: 0.1, f3: -0.2, f4: 0.3 }] } });

  beforeAll(async () => {
    redis = await startRedisServer();
    t = await createTestPgDb('redisout');
    await importSyntheticLeague(t.db, { seasons: 3 });
    await registerTestModel(t.db, { model: 'served' });
    let logger;
    ({ logger, lines } = createCapturingLogger('info'));
    const config = loadConfig({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: redis.url, LOG_LEVEL: 'info' });
    ctx = await createContext(config, { db: t.db, logger, migrate: false, serving: { logSampleRate: 0 } });
    app = await buildTestApp(ctx);
    await app.ready();
    // What `serve` and `worker` run beside the API: the reconciler (every second here) and a worker.
    reconciler = startReconciler(ctx, 1000);
    workers = startWorkers(ctx, workerDefinitions);
    // Anything a library prints itself (ioredis prints unhandled connection errors with a stack).
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stderr.push(String(chunk));
      return (writeStderr as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
  });
  afterAll(async () => {
    process.stderr.write = writeStderr;
    await reconciler?.close();
    await workers?.close();
    await app?.close();
    await ctx?.close();
    await redis?.dispose();
    await t?.drop();
  });

  it('with Redis up: ready, and a submission is queued', async () => {
    // Readiness gives each check a second; on a starved machine the first may need another go.
    await eventually('/readyz to answer 200', async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 10_000);
    assert.equal((await predict()).statusCode, 200);
  });

  it('with Redis dead: /readyz answers 503 naming Redis, a submission fails fast with QUEUE_UNAVAILABLE and stays recorded, predictions go on, one warning', async () => {
    await redis.kill();
    const ready = await within('/readyz', 2000, app.inject({ method: 'GET', url: '/readyz' }));
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().checks.database, 'ok');
    assert.match(ready.json().checks.queue, new RegExp(`^down: Redis at redis://127\\.0\\.0\\.1:${redis.port} \\(REDIS_URL\\)`));

    const submitted = await within('POST /v1/training-jobs', 3000, app.inject({ method: 'POST', url: '/v1/training-jobs', payload: { ...SPEC, model: 'while-redis-was-down' } }));
    assert.equal(submitted.statusCode, 503, submitted.body);
    const { error } = submitted.json();
    assert.equal(error.code, 'QUEUE_UNAVAILABLE');
    assert.match(error.message, /Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\)/);
    refusedRunId = error.details.runId;
    assert.equal((await getRun(t.db, refusedRunId)).status, 'queued', 'the run row stays, queued');

    assert.equal((await predict()).statusCode, 200, 'predictions do not need Redis');

    // `sharpline train` fails fast too, with the one line a CLI owes (its own process, same deployment).
    const cli = spawnSync(process.execPath, [BIN, 'train', '--model', 'cli-while-redis-was-down', '--feature-set', SPEC.featureSet, '--train-to', SPEC.trainTo, '--test-from', SPEC.testFrom, '--test-to', SPEC.testTo], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: redis.url, LOG_LEVEL: 'warn' },
      timeout: 60_000,
    });
    assert.equal(cli.status, 2, `exit ${cli.status} ${cli.signal ?? ''}: ${cli.stderr}`);
    assert.match(cli.stderr.trim().split('\n').at(-1)!, /^error QUEUE_UNAVAILABLE: run run_[0-9a-f]+ is recorded as queued, but Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\) is unreachable/);
    assert.equal(cli.stderr.trim().split('\n').length, 1, 'one line, no log noise');
    // Several connections retry several times a second meanwhile: still one warning, no stacks.
    await sleep(3000);
    assert.equal((await within('/readyz again', 2000, app.inject({ method: 'GET', url: '/readyz' }))).statusCode, 503);
    assert.equal(redisWarnings().length, 1, JSON.stringify(redisWarnings()));
    assert.match(redisWarnings()[0]!.msg, /^Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\) is unreachable: /);
    assert.deepEqual(lines.filter((l) => JSON.stringify(l).includes('"stack"')).map((l) => l.msg), [], 'no stack traces in the log');
    assert.deepEqual(stderr.filter((s) => /ioredis|ECONNREFUSED/.test(s)), [], 'nothing printed behind the logger’s back');
  });

  it('with Redis back: ready again without a restart, and the refused run is enqueued and trained', async () => {
    await redis.start();
    await eventually('/readyz to answer 200 again', async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200);
    await eventually('the reconciler to enqueue and the worker to finish the refused run', async () => ['succeeded', 'failed'].includes((await getRun(t.db, refusedRunId)).status), 60_000);
    assert.equal((await getRun(t.db, refusedRunId)).status, 'succeeded');
    assert.equal(lines.filter((l) => l.service === 'Redis' && /answers again/.test(l.msg)).length, 1);
    const fresh = await app.inject({ method: 'POST', url: '/v1/training-jobs', payload: { ...SPEC, model: 'after-redis-came-back' } });
    assert.equal(fresh.statusCode, 201, fresh.body);
    assert.equal(redisWarnings().length, 1, 'still the one warning');
  });
});
