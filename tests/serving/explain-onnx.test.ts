/**
 * Served explanations of a ReLU network run on the float32 onnxruntime engines in worker threads.
 * Threads are never terminated mid-task (a thread stopped inside an onnxruntime run aborts the
 * whole process, this test process included): requests past their deadline get 503
 * EXPLAIN_TIMEOUT again and again, the late work is dropped, and the server keeps answering.
 */
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestApp } from '../support/app.ts';
import { putArtifact } from '../../registry/index.ts';
import { createExplainer, explainableModelOf, selectBackground, type Background, type DenseModel } from '../../models/index.ts';
import { instanceOf, registerTestModel } from './support.ts';
import type { Explained } from './explain-helpers.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';

const FEATURES = Array.from({ length: 13 }, (_, i) => `f${i}`);

describe('explanations of an MLP on onnxruntime (13 features, 32-16-3)', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let model: DenseModel;
  let background: Background;
  let rows: Array<Record<string, number>>;
  beforeAll(async () => {
    t = await createTestPgDb('explainort');
    const registered = await registerTestModel(t.db, { model: 'mlp13', featureNames: FEATURES, params: { hidden: [32, 16] } });
    model = registered.model;
    background = selectBackground(Float64Array.from(registered.testX), registered.testRows, FEATURES.length, { size: 100, method: 'kmeans', seed: 7 });
    await putArtifact(t.db, registered.version.id, {
      kind: 'background',
      json: { method: 'kmeans', nRows: background.nRows, featureNames: FEATURES, rows: Array.from({ length: background.nRows }, (_, r) => Array.from(background.data.subarray(r * 13, (r + 1) * 13))), weights: Array.from(background.weights!) },
    });
    rows = Array.from({ length: 4 }, (_, i) => instanceOf(FEATURES, registered.testX, 150 + i));
    ({ app, ctx } = await createTestApp(t.db));
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await t.drop();
  });

  it('auto explains with kernel SHAP against the whole stored background, near its exact values, additive, deterministic', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/models/mlp13/predict?explain=true', payload: { instances: rows } });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    const predictions = res.json().predictions as Explained[];
    const reference = createExplainer(explainableModelOf(model), { background, engine: 'exact' });
    for (const [r, p] of predictions.entries()) {
      assert.equal(p.explanation.engine, 'kernel');
      assert.equal(p.explanation.background.rows, 100);
      const exact = reference.explain(Float64Array.from(FEATURES, (f) => rows[r]![f]!));
      for (const out of exact.outputs) {
        const cls = p.explanation.classes[out.output]!;
        assert.ok(cls.residual < 1e-9, `${out.output}: residual ${cls.residual}`);
        const served = new Map(cls.features.map((f) => [f.name, f.shap]));
        for (const c of out.contributions) assert.ok(Math.abs(served.get(c.player)! - c.shap) < 0.03, `row ${r} ${out.output}/${c.player}: ${served.get(c.player)} vs exact ${c.shap}`);
      }
    }
    const again = await app.inject({ method: 'POST', url: '/v1/models/mlp13/predict?explain=true', payload: { instances: rows } });
    assert.deepEqual(again.json().predictions.map((p: Explained) => p.explanation), predictions.map((p) => p.explanation));
  });

  it('hits the deadline again and again without terminating a thread inside onnxruntime; the next request is served', async () => {
    // 10,000 rows take ~15 s of a core: far past the 3 s deadline; one row fits in it even on a loaded machine.
    const other = await createTestApp(t.db, { env: { SHARPLINE_MAX_EXPLAIN_ROWS: '100000', SHARPLINE_EXPLAIN_TIMEOUT_MS: '3000', SHARPLINE_EXPLAIN_THREADS: '1' } });
    try {
      const many = Array.from({ length: 10_000 }, (_, i) => rows[i % rows.length]!);
      for (let round = 0; round < 6; round++) {
        const res = await other.app.inject({ method: 'POST', url: '/v1/models/mlp13/predict?explain=true', payload: { instances: many } });
        assert.equal(res.statusCode, 503, res.body.slice(0, 300));
        assert.equal(res.json().error.code, 'EXPLAIN_TIMEOUT');
      }
      const metrics = await other.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /^sharpline_explain_rows_in_flight 0$/m);
      const next = await other.app.inject({ method: 'POST', url: '/v1/models/mlp13/predict?explain=true', payload: { instances: [rows[0]] } });
      assert.equal(next.statusCode, 200, next.body.slice(0, 300));
      assert.equal(next.json().predictions[0].explanation.engine, 'kernel');
    } finally {
      await other.app.close();
      // Waits for the cancelled tasks to stop between rows, then ends the idle threads.
      await other.ctx.serving.close();
    }
  });
});
