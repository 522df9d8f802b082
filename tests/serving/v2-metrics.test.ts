import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { predictProba } from '../../models/index.ts';
import { createMemorySink, createPredictionLog } from '../../src/serving/index.ts';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { createServingApp, instanceOf, registerTestModel, type RegisteredTestModel } from './support.ts';

const NAMES = ['f0', 'f1', 'f2', 'f3', 'f4'];

describe('V2 inference protocol, /metrics and the prediction log', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let reg: RegisteredTestModel;
  const sink = createMemorySink();

  beforeAll(async () => {
    t = await createTestPgDb('serving_v2');
    reg = await registerTestModel(t.db, { model: 'kv', seed: 31 });
    await registerTestModel(t.db, { model: 'kv', seed: 32, alias: null, pending: true });
    ({ app, ctx } = await createServingApp(t.db, { serving: { logSampleRate: 1, logSink: sink } }));
    await ctx.serving.cache.start();
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.serving.close();
    await t?.drop();
  });

  it('health endpoints', async () => {
    assert.deepEqual((await app.inject('/v2/health/live')).json(), { live: true });
    const ready = await app.inject('/v2/health/ready');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { ready: true });
  });

  it('model metadata names tensors, datatypes and shapes', async () => {
    for (const url of ['/v2/models/kv', '/v2/models/kv/versions/1', '/v2/models/kv/versions/champion']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 200, url);
      assert.deepEqual(res.json(), {
        name: 'kv',
        versions: ['1'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 5] }],
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }],
        parameters: { feature_names: NAMES, classes: ['home', 'draw', 'away'], version: 1, runtime: 'onnx' },
      });
    }
    assert.match((await app.inject('/v2/models/nope')).json().error, /nope/);
    assert.equal((await app.inject('/v2/models/kv/versions/9')).statusCode, 404);
  });

  it('model readiness', async () => {
    assert.deepEqual((await app.inject('/v2/models/kv/ready')).json(), { name: 'kv', version: '1', ready: true });
    const notReady = await app.inject('/v2/models/kv/versions/2/ready');
    assert.equal(notReady.statusCode, 400);
    const { error, ...rest } = notReady.json() as { error: string };
    assert.deepEqual(rest, { name: 'kv', version: '2', ready: false });
    assert.match(error, /not READY|PENDING/i);
    assert.equal((await app.inject('/v2/models/kv/versions/7/ready')).statusCode, 404);
  });

  it('infer: flat or nested data, one row or many; bad tensors are 400s', async () => {
    const rows = 3;
    const X = Array.from(reg.testX.subarray(0, rows * 5));
    const expected = predictProba(reg.model, reg.testX.subarray(0, rows * 5), rows);
    const flat = await app.inject({ method: 'POST', url: '/v2/models/kv/infer', payload: { id: 'r1', inputs: [{ name: 'features', shape: [rows, 5], datatype: 'FP32', data: X }] } });
    assert.equal(flat.statusCode, 200, flat.body);
    const body = flat.json();
    assert.equal(body.model_name, 'kv');
    assert.equal(body.model_version, '1');
    assert.equal(body.id, 'r1');
    assert.deepEqual(body.outputs[0].shape, [rows, 3]);
    assert.equal(body.outputs[0].name, 'probabilities');
    body.outputs[0].data.forEach((v: number, i: number) => assert.ok(Math.abs(v - expected[i]!) < 1e-5));
    const nested = await app.inject({ method: 'POST', url: '/v2/models/kv/versions/1/infer', payload: { inputs: [{ name: 'features', shape: [1, 5], datatype: 'FP64', data: [X.slice(0, 5)] }] } });
    assert.equal(nested.statusCode, 200, nested.body);
    assert.ok(Math.abs(nested.json().outputs[0].data[0] - expected[0]!) < 1e-5);

    const bad = [
      { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] },
      { inputs: [{ name: 'features', shape: [1, 5], datatype: 'FP32', data: [1, 2, 3, 4] }] },
      { inputs: [{ name: 'features', shape: [1, 5], datatype: 'FP32', data: [1, 2, 'x', 4, 5] }] },
      { inputs: [{ name: 'other', shape: [1, 5], datatype: 'FP32', data: [1, 2, 3, 4, 5] }] },
      { inputs: [{ name: 'features', shape: [1, 5], datatype: 'BYTES', data: [1, 2, 3, 4, 5] }] },
    ];
    for (const payload of bad) {
      const res = await app.inject({ method: 'POST', url: '/v2/models/kv/infer', payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(typeof res.json().error, 'string');
    }
    const pending = await app.inject({ method: 'POST', url: '/v2/models/kv/versions/2/infer', payload: { inputs: [{ name: 'features', shape: [1, 5], datatype: 'FP32', data: X.slice(0, 5) }] } });
    assert.equal(pending.statusCode, 409);
  });

  it('/metrics exposes latency, predictions, batch sizes, swaps, event-loop lag, heap and tfjs tensors', async () => {
    await app.inject({ method: 'POST', url: '/v1/models/kv/predict', payload: { instances: [instanceOf(NAMES, reg.testX, 0), instanceOf(NAMES, reg.testX, 1)] } });
    await app.inject({ method: 'POST', url: '/v1/models/nope/predict', payload: { instances: [] } });
    await app.inject('/healthz');
    const res = await app.inject('/metrics');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/plain/);
    const text = res.body;
    for (const pattern of [
      /sharpline_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/v1\/models\/:name\/predict",status="200"\} \d+/,
      /sharpline_http_request_duration_seconds_count\{method="POST",route="\/v1\/models\/:name\/predict",status="404"\} 1/,
      /sharpline_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1/,
      /sharpline_predictions_total\{model="kv",version="1"\} \d+/,
      /sharpline_runtime_batch_rows_bucket\{le="2",model="kv",version="1"\} \d+/,
      /# TYPE sharpline_model_cache_swaps_total counter/,
      /nodejs_eventloop_lag_seconds \d/,
      /nodejs_heap_size_used_bytes \d/,
      /sharpline_tfjs_tensors \d+/,
      /sharpline_model_cache_versions 1/,
    ]) assert.match(text, pattern);
  });

  it('logs sampled predictions off the request path', async () => {
    await ctx.serving.log.flush();
    const before = sink.entries.length;
    await app.inject({ method: 'POST', url: '/v1/models/kv/predict', payload: { instances: [instanceOf(NAMES, reg.testX, 5)] } });
    assert.equal(sink.entries.length, before, 'nothing written synchronously');
    await ctx.serving.log.flush();
    const entry = sink.entries.at(-1)!;
    assert.equal(sink.entries.length, before + 1);
    assert.equal(entry.model, 'kv');
    assert.equal(entry.version, 1);
    assert.equal(entry.source, 'instances');
    assert.equal(entry.features.length, 5);
    assert.equal(entry.probabilities.length, 3);
  });

  it('the log samples, never holds more than its bound, and counts what it drops', async () => {
    const memory = createMemorySink();
    let dropped = 0;
    let draw = 0;
    const log = createPredictionLog({ sampleRate: 0.5, maxBuffer: 10, sink: memory, onDropped: (n) => (dropped += n), random: () => (draw++ % 2 ? 0.9 : 0.1) });
    const entry = () => ({ at: '', model: 'm', version: 1, source: 'instances', features: [1], probabilities: [0.5, 0.5] });
    for (let i = 0; i < 100; i++) log.record(entry);
    assert.deepEqual({ ...log.stats }, { sampled: 50, written: 0, dropped: 40, failed: 0 });
    assert.equal(dropped, 40);
    await log.close();
    assert.equal(memory.entries.length, 10);
    assert.equal(log.stats.written, 10);
  });
});
