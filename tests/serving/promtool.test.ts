import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createTestPgDb, TEST_DATABASE_URL, TEST_REDIS_URL, assertRedisUp, type TestDb } from '../support/services.ts';
import { BIN } from '../support/cli.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { startWorkers } from '../../src/jobs/index.ts';
import { putArtifact } from '../../registry/index.ts';
import { createServingApp, instanceOf, registerTestModel, type RegisteredTestModel } from './support.ts';

const PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const SKIP = PROMTOOL ? '' : ' (skipped: promtool is not installed; `apt-get install prometheus` gives it, .ci/run installs it)';
const NAMES = ['f0', 'f1', 'f2', 'f3', 'f4'];

/** `promtool check metrics` on an exposition: its complaints, one a line ('' when it passes). */
function promtool(text: string): { status: number | null; problems: string } {
  const out = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 60_000 });
  return { status: out.status, problems: `${out.stdout}${out.stderr}`.trim() };
}

describe(`/metrics passes \`promtool check metrics\`, with the usual families${SKIP}`, () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let reg: RegisteredTestModel;

  beforeAll(async () => {
    t = await createTestPgDb('t20_promtool');
    reg = await registerTestModel(t.db, { model: 'pm', seed: 51 });
    // A background sample, so the version can be explained.
    const rows = Array.from({ length: 20 }, (_, r) => NAMES.map((_, f) => reg.testX[r * NAMES.length + f]!));
    await putArtifact(t.db, reg.version.id, { kind: 'background', json: { rows, weights: null, method: 'sample' } });
    await registerTestModel(t.db, { model: 'pm', seed: 52, alias: null, pending: true });
    // The first explanation starts the worker threads: slow on a loaded machine, so a generous bound.
    ({ app, ctx } = await createServingApp(t.db, { env: { SHARPLINE_EXPLAIN_TIMEOUT_MS: '120000' } }));
    await ctx.serving.cache.start();
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.serving.close();
    await t?.drop();
  });

  it.skipIf(!PROMTOOL)('the API server: after predictions, an explanation, a failed load and a job, promtool finds no problem', async () => {
    const instances = [instanceOf(NAMES, reg.testX, 0), instanceOf(NAMES, reg.testX, 1)];
    assert.equal((await app.inject({ method: 'POST', url: '/v1/models/pm/predict', payload: { instances } })).statusCode, 200);
    const explained = await app.inject({ method: "POST", url: "/v1/models/pm/predict?explain=true", payload: { instances: instances.slice(0, 1) } });
    assert.equal(explained.statusCode, 200, explained.body);
    assert.equal((await app.inject({ method: 'POST', url: '/v2/models/pm/versions/2/infer', payload: { inputs: [{ name: 'features', shape: [1, 5], datatype: 'FP32', data: [0, 0, 0, 0, 0] }] } })).statusCode, 409);
    const workers = startWorkers(ctx, [{ queue: 't20-metrics', createProcessor: () => async () => 'done' }]);
    await ctx.queues.add('t20-metrics', 'probe', {}, { jobId: 'probe-1' });
    for (let i = 0; i < 100 && (await ctx.queues.getJob('t20-metrics', 'probe-1'))?.state !== 'completed'; i++) await new Promise((r) => setTimeout(r, 20));
    await workers.close();

    const res = await app.inject('/metrics');
    assert.equal(res.statusCode, 200);
    const text = res.body;
    const checked = promtool(text);
    assert.equal(checked.problems, '', checked.problems);
    assert.equal(checked.status, 0);
    for (const pattern of [
      /^sharpline_http_request_duration_seconds_count\{method="POST",route="\/v1\/models\/:name\/predict",status="200"\} \d+$/m,
      /^sharpline_inference_duration_seconds_count\{model="pm",version="1",runtime="onnx"\} \d+$/m,
      /^sharpline_explanation_duration_seconds_count\{model="pm",version="1",engine="[a-z]+"\} 1$/m,
      /^sharpline_model_loads_total\{model="pm",version="1",runtime="onnx"\} 1$/m,
      /^sharpline_model_load_failures_total\{model="pm",version="2"\} \d+$/m,
      /^sharpline_queue_jobs\{queue="training",state="waiting"\} 0$/m,
      /^sharpline_job_duration_seconds_count\{queue="t20-metrics",outcome="completed"\} 1$/m,
      /^nodejs_active_handles\{/m,
    ]) assert.match(text, pattern);
    assert.doesNotMatch(text, /^# TYPE nodejs_active_\w+_total gauge$/m);
  });

  it.skipIf(!PROMTOOL)('promtool refuses what it should: a gauge named like a counter (the default nodejs_active_*_total series this server drops)', () => {
    const broken = promtool('# HELP nodejs_active_handles_total Number of active handles.\n# TYPE nodejs_active_handles_total gauge\nnodejs_active_handles_total 3\n');
    assert.match(broken.problems, /non-counter metrics should not have "_total" suffix/);
  });

  it.skipIf(!PROMTOOL)('the worker (`sharpline worker` with SHARPLINE_WORKER_METRICS_PORT) serves /metrics too: queue depth and job durations, promtool-clean', async () => {
    await assertRedisUp();
    const env = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'warn', SHARPLINE_WORKER_METRICS_PORT: '0', HOST: '127.0.0.1' };
    const worker = spawn(process.execPath, [BIN, 'worker'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    worker.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      let url: string | undefined;
      for (let i = 0; i < 600 && !url && worker.exitCode === null; i++) {
        url = /metrics on (http:\/\/\S+\/metrics)/.exec(stderr)?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(url, `the worker never said where its metrics are:\n${stderr}`);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      const checked = promtool(text);
      assert.equal(checked.problems, '', checked.problems);
      assert.match(text, /^sharpline_queue_jobs\{queue="training",state="waiting"\} \d+$/m);
      assert.match(text, /^# TYPE sharpline_job_duration_seconds histogram$/m);
      assert.equal((await fetch(url.replace('/metrics', '/other'))).status, 404);
    } finally {
      worker.kill('SIGTERM');
      if (worker.exitCode === null) await once(worker, 'exit');
    }
  });
});
