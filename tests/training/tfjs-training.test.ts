import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { waitForRunEnd } from '../support/runs.ts';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestApp } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { startWorkers, workerDefinitions } from '../../src/jobs/index.ts';
import { getVersion, listArtifacts, listPredictions } from '../../registry/index.ts';
import { buildTrainingSet, resolveFeatureSet } from '../../features/index.ts';
import type { AppContext } from '../../src/context.ts';
import type { AppInstance } from '../../src/http/app.ts';

const WINDOWS = { featureSet: 'soccer-1x2-market', trainTo: '2024-06-30', testFrom: '2024-07-01', testTo: '2026-11-25', seed: 5 } as const;
const dense = (units: number, activation: string) => ({ class_name: 'Dense', config: { units, activation } });
const sequential = (...layers: object[]) => ({ class_name: 'Sequential', config: { layers } });

describe('algo tfjs: a Layers model config trained with model.fit through the job, registry and serving path (synthetic league)', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let workers: { close(): Promise<void> };
  let nFeatures: number;
  beforeAll(async () => {
    t = await createTestPgDb('tfj20_train');
    await importSyntheticLeague(t.db);
    ({ app, ctx } = await createTestApp(t.db));
    workers = startWorkers(ctx, workerDefinitions);
    nFeatures = resolveFeatureSet(WINDOWS.featureSet).featureNames.length;
  });
  afterAll(async () => {
    await workers?.close();
    await app?.close();
    await t?.drop();
  });

  async function trainToReady(model: string, tfjs: object) {
    const res = await app.inject({ method: 'POST', url: '/v1/training-jobs', payload: { ...WINDOWS, model, algo: 'tfjs', tfjs } });
    assert.equal(res.statusCode, 201, res.body);
    const run = await waitForRunEnd(ctx, res.json().id, 240_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    return getVersion(t.db, model, 1);
  }

  /** Predicts the first test rows over HTTP and checks them against the version's stored test predictions. */
  async function predictMatchesStored(model: string, versionId: number) {
    const test = await buildTrainingSet(t.db, WINDOWS.featureSet, { from: WINDOWS.testFrom, to: '2026-11-26', ensureBuilt: false });
    const stored = new Map((await listPredictions(t.db, versionId, { limit: 100_000 })).map((p) => [p.gameId, p.probabilities]));
    const rows = [0, 1, 2, 3, 4];
    const instances = rows.map((i) => Object.fromEntries(test.featureNames.map((n, f) => [n, test.X[i * nFeatures + f]!])));
    const res = await app.inject({ method: 'POST', url: `/v1/models/${model}/predict?version=1`, payload: { instances } });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    body.predictions.forEach((p: { probabilities: Record<string, number> }, j: number) => {
      const expected = stored.get(test.gameIds[rows[j]!]!)!;
      test.classes.forEach((c, k) => assert.ok(Math.abs(p.probabilities[c]! - expected[k]!) < 1e-6, `row ${j} ${c}: ${p.probabilities[c]} vs ${expected[k]}`));
    });
    return body as { runtime: string };
  }

  it('a Dense-only tfjs model trains, registers with ONNX + tfjs artifacts and is served by ONNX (the response says so)', async () => {
    const version = await trainToReady('tfj-dense', { model: sequential(dense(8, 'relu'), { class_name: 'Dropout', config: { rate: 0.1 } }, dense(3, 'softmax')), epochs: 4, batchSize: 64, learningRate: 0.01 });
    assert.equal(version.status, 'READY');
    assert.equal(version.lineage.algorithm, 'tfjs');
    const training = (version.evaluation as { training: { algo: string; runtime: string; backend: string; history: unknown[] } }).training;
    assert.equal(training.algo, 'tfjs');
    assert.equal(training.runtime, 'onnx');
    assert.equal(training.history.length, 4);
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(training.backend));
    const kinds = (await listArtifacts(t.db, version.id)).map((a) => `${a.kind}/${a.name}`).sort();
    for (const k of ['dense-json/main', 'onnx/main', 'tfjs/model.json', 'tfjs/weights.bin', 'importance/main']) assert.ok(kinds.includes(k), k);
    assert.ok(Number.isFinite(version.metrics.logLoss) && version.metrics.logLoss < 1.2, `logLoss ${version.metrics.logLoss}`);
    const body = await predictMatchesStored('tfj-dense', version.id);
    assert.equal(body.runtime, 'onnx');
  });

  it('a recurrent tfjs model (Reshape → LSTM → softmax) with the focal loss has no ONNX graph and is served by the tfjs runtime', async () => {
    const config = sequential({ class_name: 'Reshape', config: { target_shape: [nFeatures, 1] } }, { class_name: 'LSTM', config: { units: 4 } }, dense(3, 'softmax'));
    const version = await trainToReady('tfj-lstm', { model: config, loss: 'focal', focalGamma: 1.5, epochs: 2, batchSize: 128, learningRate: 0.01 });
    const kinds = (await listArtifacts(t.db, version.id)).map((a) => `${a.kind}/${a.name}`);
    assert.ok(!kinds.includes('onnx/main') && !kinds.includes('dense-json/main'), kinds.join(','));
    assert.ok(kinds.includes('tfjs/model.json') && kinds.includes('tfjs/weights.bin'));
    const training = (version.evaluation as { training: { runtime: string; params: { loss: string } } }).training;
    assert.equal(training.runtime, 'tfjs');
    assert.equal(training.params.loss, 'focal');
    const body = await predictMatchesStored('tfj-lstm', version.id);
    assert.equal(body.runtime, 'tfjs');
    const explain = await app.inject({ method: 'POST', url: '/v1/models/tfj-lstm/predict?version=1&explain=true', payload: { instances: [Object.fromEntries(resolveFeatureSet(WINDOWS.featureSet).featureNames.map((n) => [n, 0]))] } });
    assert.equal(explain.statusCode, 400, explain.body);
    assert.equal(explain.json().error.code, 'EXPLAINER_UNSUPPORTED');
  });

  it('invalid or out-of-bounds configs are refused with a coded 400 naming the field, before anything is queued', async () => {
    const cases: Array<[object, string]> = [
      [{ ...WINDOWS, model: 'bad', algo: 'tfjs' }, 'tfjs'],
      [{ ...WINDOWS, model: 'bad', algo: 'tfjs', tfjs: { model: sequential({ class_name: 'Lambda', config: {} }, dense(3, 'softmax')) } }, 'tfjs.model.config.layers[0].class_name'],
      [{ ...WINDOWS, model: 'bad', algo: 'tfjs', tfjs: { model: sequential(dense(5000, 'relu'), dense(3, 'softmax')) } }, 'tfjs.model.config.layers[0].config.units'],
      [{ ...WINDOWS, model: 'bad', algo: 'tfjs', tfjs: { model: sequential(dense(3, 'relu')) } }, 'tfjs.model.config.layers[0]'],
      [{ ...WINDOWS, model: 'bad', algo: 'tfjs', tfjs: { model: sequential(dense(4, 'softmax')) } }, 'tfjs.model'],
      [{ ...WINDOWS, model: 'bad', algo: 'tfjs', tfjs: { model: sequential(dense(3, 'softmax')), epochs: 100000 } }, 'tfjs.epochs'],
      [{ ...WINDOWS, model: 'bad', algo: 'tfjs', tfjs: { model: sequential(dense(3, 'softmax')), loss: 'hinge' } }, 'tfjs.loss'],
      [{ ...WINDOWS, model: 'bad', algo: 'mlp', tfjs: { model: sequential(dense(3, 'softmax')) } }, 'tfjs'],
    ];
    for (const [payload, field] of cases) {
      const res = await app.inject({ method: 'POST', url: '/v1/training-jobs', payload });
      assert.equal(res.statusCode, 400, `${field}: ${res.body}`);
      const error = res.json().error;
      assert.equal(error.code, 'TRAINING_SPEC_INVALID', res.body);
      assert.equal(error.details.field, field, res.body);
    }
    const runs = await app.inject({ method: 'GET', url: '/v1/training-jobs' });
    assert.ok(!JSON.stringify(runs.json()).includes('"bad"'));
  });
});
