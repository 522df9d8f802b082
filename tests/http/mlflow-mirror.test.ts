import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestContext, createTestKey } from '../support/app.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { finishRun, startRun, upsertRun, type TrainingSpec } from '../../training/index.ts';
import { mirrorFinishedRun, mirrorRunToMlflow } from '../../src/services/index.ts';
import { isAppError } from '../../core/index.ts';
import { createTrainingProcessor } from '../../src/jobs/training.processor.ts';

/**
 * Mirroring training runs to an external MLflow tracking server (SHARPLINE_MLFLOW_MIRROR_URL):
 * against a replay server answering an MLflow server's responses in order (the cassette,
 * tests/http/fixtures/mlflow-mirror-cassette.json), and against a second Sharpline serving MLflow's
 * API (a round trip: what lands there is read back through that API).
 */
const RECORDED_PORT = 7310;
const REMOTE_PORT = 7311;
const DEAD_PORT = 7312;

interface Exchange { method: string; path: string; status: number; body: unknown }
interface Seen { method: string; path: string; query: Record<string, string>; body: Record<string, unknown> | null; authorization: string | undefined }

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { text += chunk; });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** Answers the cassette's exchanges in order; a request out of order gets a 500 naming what was expected. */
function replayServer(exchanges: Exchange[], seen: Seen[]): Server {
  let next = 0;
  return createServer((req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url!, 'http://localhost');
      seen.push({ method: req.method!, path: url.pathname, query: Object.fromEntries(url.searchParams), body: text ? JSON.parse(text) as Record<string, unknown> : null, authorization: req.headers.authorization });
      const expected = exchanges[next++];
      res.setHeader('content-type', 'application/json');
      if (!expected || expected.method !== req.method || expected.path !== url.pathname) {
        res.statusCode = 500;
        res.end(JSON.stringify({ error_code: 'INTERNAL_ERROR', message: `replay: expected ${expected ? `${expected.method} ${expected.path}` : 'no request'}, got ${req.method} ${url.pathname}` }));
        return;
      }
      res.statusCode = expected.status;
      res.end(JSON.stringify(expected.body));
    });
  });
}

const listen = (server: Server, port: number) => new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', () => resolve());
});
const close = (server: Server | undefined) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

describe('mirroring training runs to an MLflow tracking server', () => {
  let t: TestDb;
  let remoteDb: TestDb;
  let remoteCtx: AppContext;
  let remote: AppInstance;
  let remoteToken: string;
  const model = `mlfmirror-${process.pid}`;
  const runId = `run_mirror${process.pid}`;
  const spec: TrainingSpec = { model, featureSet: 'soccer-1x2-base', algo: 'mlp', trainTo: '2022-06-30', testFrom: '2022-07-01', testTo: '2023-06-30', seed: 4, params: { epochs: 9 } };

  // Contexts over the test's own database: closing one would end its pool (t.drop() does that).
  const contextFor = (url: string, token?: string) => createTestContext(t.db, { env: { SHARPLINE_MLFLOW_MIRROR_URL: url, ...(token ? { SHARPLINE_MLFLOW_MIRROR_TOKEN: token } : {}), SHARPLINE_MLFLOW_MIRROR_TIMEOUT_MS: '3000' } });

  beforeAll(async () => {
    t = await createTestPgDb('mlf20_mirror');
    await upsertRun(t.db, runId, spec, 'dana', 'test');
    const started = await startRun(t.db, runId);
    await finishRun(t.db, runId, started!.attempts, 'succeeded', { result: { model, version: 3, metrics: { logLoss: 0.968, brier: 0.19 } } });
    remoteDb = await createTestPgDb('mlf20_mirror_remote');
    remoteCtx = await createTestContext(remoteDb.db);
    remote = await buildApp(remoteCtx);
    await remote.listen({ host: '127.0.0.1', port: REMOTE_PORT });
    remoteToken = await createTestKey(remoteDb.db, 'scientist', 'mirror');
  });
  afterAll(async () => {
    await remote?.close();
    await remoteCtx?.close();
    await remoteDb?.drop();
    await t?.drop();
  });

  it('sends an MLflow server the requests of its REST API, in order, with the token: experiment, run, params, metrics, tags, status', async () => {
    const cassette = JSON.parse(readFileSync(new URL('./fixtures/mlflow-mirror-cassette.json', import.meta.url), 'utf8')) as { exchanges: Exchange[] };
    const seen: Seen[] = [];
    const server = replayServer(cassette.exchanges, seen);
    await listen(server, RECORDED_PORT);
    const ctx = await contextFor(`http://127.0.0.1:${RECORDED_PORT}/`, 'mlflow-secret');
    try {
      const result = await mirrorRunToMlflow(ctx, runId);
      assert.deepEqual(result, { remoteRunId: '4a1f0c2e9b7d4e21a3c5b6d7e8f90123', remoteExperimentId: '17', created: true });
    } finally {
      await close(server);
    }
    assert.deepEqual(seen.map((s) => `${s.method} ${s.path}`), cassette.exchanges.map((e) => `${e.method} ${e.path}`));
    assert.ok(seen.every((s) => s.authorization === 'Bearer mlflow-secret'));
    assert.deepEqual(seen[0]!.query, { experiment_name: model });
    assert.deepEqual(seen[1]!.body, { name: model, tags: [{ key: 'sharpline.model', value: model }] });
    assert.deepEqual(seen[2]!.body, { experiment_ids: ['17'], filter: `tags.\`sharpline.run_id\` = '${runId}'`, max_results: 1 });
    const create = seen[3]!.body!;
    assert.equal(create.experiment_id, '17');
    assert.equal(create.run_name, runId);
    assert.equal(create.user_id, 'dana');
    assert.equal(typeof create.start_time, 'number');
    assert.ok((create.tags as Array<{ key: string; value: string }>).some((tg) => tg.key === 'sharpline.run_id' && tg.value === runId));
    const batch = seen[4]!.body as { run_id: string; metrics: Array<{ key: string; value: number; step: number }>; params: Array<{ key: string; value: string }>; tags: unknown[] };
    assert.equal(batch.run_id, '4a1f0c2e9b7d4e21a3c5b6d7e8f90123');
    assert.deepEqual(batch.metrics.map((m) => [m.key, m.value, m.step]).sort(), [['brier', 0.19, 0], ['log_loss', 0.968, 0]]);
    assert.deepEqual(Object.fromEntries(batch.params.map((p) => [p.key, p.value])), { featureSet: 'soccer-1x2-base', algo: 'mlp', trainTo: '2022-06-30', testFrom: '2022-07-01', testTo: '2023-06-30', seed: '4', epochs: '9' });
    assert.ok(batch.tags.length > 0);
    assert.deepEqual({ ...seen[5]!.body, end_time: typeof seen[5]!.body!.end_time }, { run_id: '4a1f0c2e9b7d4e21a3c5b6d7e8f90123', status: 'FINISHED', end_time: 'number' });
  });

  it('round trip: the run lands on another server speaking MLflow\'s API, and mirroring again updates the same run', async () => {
    const ctx = await contextFor(`http://127.0.0.1:${REMOTE_PORT}`, remoteToken);
    const first = await mirrorRunToMlflow(ctx, runId);
    assert.equal(first.created, true);
    const again = await mirrorRunToMlflow(ctx, runId);
    assert.deepEqual(again, { ...first, created: false });
    const auth = { authorization: `Bearer ${remoteToken}` };
    const experiment = (await remote.inject({ url: `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${model}`, headers: auth })).json().experiment;
    const found = await remote.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/search', headers: auth, payload: { experiment_ids: [experiment.experiment_id] } });
    const runs = found.json().runs as Array<{ info: { run_id: string; status: string; run_name: string }; data: { metrics: Array<{ key: string; value: number }>; params: Array<{ key: string; value: string }>; tags: Array<{ key: string; value: string }> } }>;
    assert.equal(runs.length, 1, 'one remote run for one training run, however often mirrored');
    const [run] = runs;
    assert.equal(run!.info.status, 'FINISHED');
    assert.equal(run!.info.run_name, runId);
    assert.equal(run!.data.metrics.find((m) => m.key === 'log_loss')!.value, 0.968);
    assert.equal(run!.data.params.find((p) => p.key === 'algo')!.value, 'mlp');
    assert.equal(run!.data.tags.find((tg) => tg.key === 'sharpline.run_id')!.value, runId);
    const history = await remote.inject({ url: `/api/2.0/mlflow/metrics/get-history?run_id=${run!.info.run_id}&metric_key=log_loss`, headers: auth });
    assert.equal(history.json().metrics.length, 1, 'a metric is not logged twice');
  });

  it('the worker mirrors a run when its job settles it (here: a delivery of a run already settled)', async () => {
    const otherRun = `run_mirrorjob${process.pid}`;
    await upsertRun(t.db, otherRun, { ...spec, seed: 5 }, 'eve', 'test');
    const started = await startRun(t.db, otherRun);
    await finishRun(t.db, otherRun, started!.attempts, 'failed', { error: { code: 'TRAINING_DATA_EMPTY', message: 'no rows' } });
    const ctx = await contextFor(`http://127.0.0.1:${REMOTE_PORT}`, remoteToken);
    const processor = createTrainingProcessor(ctx);
    const outcome = await processor({ id: `${otherRun}-s1-${ctx.deployment.tag}`, name: 'train', data: { runId: otherRun, deployment: ctx.deployment.tag }, attemptsMade: 0, updateProgress: async () => undefined, signal: new AbortController().signal });
    assert.deepEqual(outcome, { runId: otherRun, skipped: true, status: 'failed' });
    const auth = { authorization: `Bearer ${remoteToken}` };
    const experiment = (await remote.inject({ url: `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${model}`, headers: auth })).json().experiment;
    const found = await remote.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/search', headers: auth, payload: { experiment_ids: [experiment.experiment_id], filter: `tags.\`sharpline.run_id\` = '${otherRun}'` } });
    const runs = found.json().runs as Array<{ info: { status: string; user_id: string } }>;
    assert.equal(runs.length, 1, found.body);
    assert.equal(runs[0]!.info.status, 'FAILED');
    assert.equal(runs[0]!.info.user_id, 'eve');
  });

  it('a server that refuses or is away: TRACKING_MIRROR_FAILED naming why; after a job it only logs', async () => {
    const wrongKey = await contextFor(`http://127.0.0.1:${REMOTE_PORT}`, 'shl_not-a-key');
    await assert.rejects(mirrorRunToMlflow(wrongKey, runId), (error: unknown) => isAppError(error) && error.code === 'TRACKING_MIRROR_FAILED' && /401 UNAUTHENTICATED/.test(error.message));
    const away = await contextFor(`http://127.0.0.1:${DEAD_PORT}`);
    await assert.rejects(mirrorRunToMlflow(away, runId), (error: unknown) => isAppError(error) && error.code === 'TRACKING_MIRROR_FAILED' && /did not answer/.test(error.message));
    assert.equal(await mirrorFinishedRun(away, runId), undefined);
    const unset = await createTestContext(t.db);
    assert.equal(await mirrorFinishedRun(unset, runId), undefined, 'no server configured: nothing to do');
    await assert.rejects(mirrorRunToMlflow(unset, runId), /SHARPLINE_MLFLOW_MIRROR_URL/);
  });
});
