import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { initTf } from '../../models/index.ts';
import { getVersion, listPredictions } from '../../registry/index.ts';
import { loadServedVersion, createCoalescer } from '../../src/serving/index.ts';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createServingApp, instanceOf, registerTestModel, type RegisteredTestModel } from './support.ts';

const NAMES = ['f0', 'f1', 'f2', 'f3', 'f4'];

function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('serving runtimes', () => {
  let t: TestDb;
  let reg: RegisteredTestModel;

  beforeAll(async () => {
    t = await createTestPgDb('serving_runtime');
    reg = await registerTestModel(t.db, { model: 'rt', seed: 11, tfjs: true, testRows: 300 });
  });
  afterAll(async () => t?.drop());

  it('ONNX and tfjs agree within 1e-5 on the version\'s stored test set', async () => {
    const version = await getVersion(t.db, 'rt', 'champion');
    const onnx = await loadServedVersion(t.db, version, { runtime: 'onnx' });
    const tfjs = await loadServedVersion(t.db, version, { runtime: 'tfjs' });
    assert.equal(onnx.runtime, 'onnx');
    assert.equal(tfjs.runtime, 'tfjs');
    const stored = await listPredictions(t.db, version.id, { limit: 1000 });
    assert.equal(stored.length, reg.testRows);
    stored.sort((a, b) => a.gameId - b.gameId);
    const expected = Float64Array.from(stored.flatMap((p) => p.probabilities));
    const fromOnnx = await onnx.predict(reg.testX, reg.testRows);
    const fromTfjs = await tfjs.predict(reg.testX, reg.testRows);
    assert.ok(worstDiff(fromOnnx, fromTfjs) < 1e-5, `onnx vs tfjs ${worstDiff(fromOnnx, fromTfjs)}`);
    assert.ok(worstDiff(fromOnnx, expected) < 1e-5, `onnx vs stored ${worstDiff(fromOnnx, expected)}`);
    await onnx.release();
    await tfjs.release();
  });

  it('a version whose ONNX session cannot be created is served by tfjs, with the same numbers', async () => {
    const broken = await registerTestModel(t.db, { model: 'broken-onnx', seed: 12, onnxBytes: new Uint8Array([1, 2, 3, 4]) });
    const version = await getVersion(t.db, 'broken-onnx', 'champion');
    const served = await loadServedVersion(t.db, version);
    assert.equal(served.runtime, 'tfjs');
    const stored = (await listPredictions(t.db, version.id, { limit: 1000 })).sort((a, b) => a.gameId - b.gameId);
    const got = await served.predict(broken.testX, broken.testRows);
    assert.ok(worstDiff(got, stored.flatMap((p) => p.probabilities)) < 1e-5);
    await served.release();
  });

  it('coalesces concurrent single rows into fewer runtime calls, each bounded', async () => {
    const calls: number[] = [];
    const coalescer = createCoalescer({
      nFeatures: 2,
      nClasses: 2,
      maxBatchRows: 8,
      run: async (X, n) => {
        calls.push(n);
        await new Promise((r) => setTimeout(r, 2));
        return Float64Array.from({ length: n * 2 }, (_, i) => X[Math.floor(i / 2) * 2]! + (i % 2));
      },
    });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => coalescer.submit([i, 0])));
    results.forEach((r, i) => assert.deepEqual(Array.from(r), [i, i + 1]));
    assert.equal(calls.reduce((a, b) => a + b, 0), 50);
    assert.ok(calls.length < 50 && calls.length >= 7, `calls ${calls.join(',')}`);
    assert.ok(calls.every((n) => n <= 8));
  });

  it('coalesces concurrent HTTP requests into fewer runtime calls', async () => {
    const { app, ctx } = await createServingApp(t.db);
    try {
      const payloads = Array.from({ length: 40 }, (_, i) => ({ instances: [instanceOf(NAMES, reg.testX, i)] }));
      await app.inject({ method: 'POST', url: '/v1/models/rt/predict', payload: payloads[0] });
      const served = await ctx.serving.cache.resolve('rt');
      const before = { ...served.stats };
      const responses = await Promise.all(payloads.map((payload) => app.inject({ method: 'POST', url: '/v1/models/rt/predict', payload })));
      assert.ok(responses.every((r) => r.statusCode === 200));
      const calls = served.stats.calls - before.calls;
      assert.equal(served.stats.rows - before.rows, 40);
      assert.ok(calls < 40, `${calls} runtime calls for 40 requests`);
    } finally {
      await app.close();
      await ctx.serving.close();
    }
  });

  it('tfjs fallback: tensor count stays flat across 100k predictions', async () => {
    const { app, ctx } = await createServingApp(t.db, { serving: { runtime: 'tfjs' } });
    try {
      const { tf } = await initTf();
      const first = await app.inject({ method: 'POST', url: '/v1/models/rt/predict', payload: { instances: [instanceOf(NAMES, reg.testX, 0)] } });
      assert.equal(first.json().runtime, 'tfjs', first.body);
      const tensors = tf.memory().numTensors;
      const heap = process.memoryUsage().heapUsed;
      const served = await ctx.serving.cache.resolve('rt');
      const row = reg.testX.subarray(0, 5);
      for (let round = 0; round < 50; round++) {
        await Promise.all(Array.from({ length: 1000 }, () => served.predictRow(row)));
        await served.predict(reg.testX, reg.testRows);
      }
      for (let i = 0; i < 200; i++) {
        const res = await app.inject({ method: 'POST', url: '/v1/models/rt/predict', payload: { instances: [instanceOf(NAMES, reg.testX, i)] } });
        assert.equal(res.statusCode, 200);
      }
      assert.equal(tf.memory().numTensors, tensors);
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, new RegExp(`^sharpline_tfjs_tensors ${tensors}$`, 'm'));
      // Loose: garbage may not have been collected, but 100k rows must not pile up.
      assert.ok(process.memoryUsage().heapUsed - heap < 64 * 1024 * 1024, 'heap grew by more than 64 MB');
    } finally {
      await app.close();
      await ctx.serving.close();
    }
  });
});
