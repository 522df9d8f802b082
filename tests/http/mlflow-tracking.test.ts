import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestContext, createTestKey } from '../support/app.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { finishRun, startRun, upsertRun, type TrainingSpec } from '../../training/index.ts';
import type { KeyRole } from '../../src/governance/index.ts';
import { createVersion, markReady } from '../../registry/index.ts';

/**
 * MLflow's tracking REST API (https://mlflow.org/docs/latest/rest-api.html), driven with plain HTTP
 * requests as an MLflow client sends them: GET with a query string, POST with a JSON body, errors
 * `{ error_code, message }` with MLflow's statuses.
 */
const API = '/api/2.0/mlflow';

interface MlflowRun {
  info: { run_id: string; run_name: string; experiment_id: string; status: string; start_time: number; end_time?: number; user_id: string; artifact_uri: string };
  data: { metrics: Array<{ key: string; value: number; timestamp: number; step: number }>; params: Array<{ key: string; value: string }>; tags: Array<{ key: string; value: string }> };
}

const spec = (model: string, algo: 'logistic' | 'mlp', seed: number): TrainingSpec => ({
  model, featureSet: 'soccer-1x2-base', algo, trainTo: '2022-06-30', testFrom: '2022-07-01', testTo: '2023-06-30', competitions: ['E0', 'E1'], seed, params: { epochs: 5 + seed },
});

describe('MLflow tracking API: experiments and runs over Sharpline training runs', () => {
  let t: TestDb;
  let ctx: AppContext;
  let app: AppInstance;
  const tokens = new Map<KeyRole, string>();
  const model = `mlf-${process.pid}`;
  const trainingIds: string[] = [];

  const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, input?: Record<string, unknown>, role: KeyRole | null = 'scientist') => {
    const headers: Record<string, string> = role ? { authorization: `Bearer ${tokens.get(role)}` } : {};
    if (method === 'GET') {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(input ?? {})) for (const item of Array.isArray(v) ? v : [v]) query.append(k, String(item));
      return app.inject({ method, url: `${API}/${path}${query.size ? `?${query}` : ''}`, headers });
    }
    return app.inject({ method, url: `${API}/${path}`, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(input ?? {}) });
  };

  beforeAll(async () => {
    t = await createTestPgDb('mlf20_tracking');
    ctx = await createTestContext(t.db);
    app = await buildApp(ctx);
    await app.ready();
    for (const role of ['admin', 'scientist', 'reviewer', 'app'] as const) tokens.set(role, await createTestKey(t.db, role, `mlf-${role}`));
    // Three training runs of one model, through the run store as the worker writes them.
    const results = [
      { algo: 'logistic' as const, seed: 1, logLoss: 0.991, status: 'succeeded' as const },
      { algo: 'mlp' as const, seed: 2, logLoss: 0.975, status: 'succeeded' as const },
      { algo: 'mlp' as const, seed: 3, logLoss: 0.962, status: 'failed' as const },
    ];
    for (const [i, r] of results.entries()) {
      const id = `run_mlf${i}${process.pid}`;
      await upsertRun(t.db, id, spec(model, r.algo, r.seed), 'dana', 'test');
      const started = await startRun(t.db, id);
      assert.ok(started);
      await finishRun(t.db, id, started.attempts, r.status, r.status === 'succeeded'
        ? { result: { model, version: i + 1, metrics: { logLoss: r.logLoss, brier: 0.2, accuracy: 0.5 } } }
        : { error: { code: 'TRAINING_DATA_EMPTY', message: 'no rows' } });
      trainingIds.push(id);
      // Distinct start times, so the default order (newest first) is known.
      await t.db.query(`UPDATE training_runs SET started_at = now() - make_interval(secs => $2) WHERE id = $1`, [id, 100 - i * 10]);
    }
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await t?.drop();
  });

  it('experiments: each Sharpline model is one, by name; the default experiment "0" exists; create, get, get-by-name', async () => {
    const byName = await call('GET', 'experiments/get-by-name', { experiment_name: model });
    assert.equal(byName.statusCode, 200, byName.body);
    const experiment = byName.json().experiment;
    assert.equal(experiment.name, model);
    assert.equal(experiment.lifecycle_stage, 'active');
    assert.match(experiment.experiment_id, /^\d+$/);
    assert.deepEqual(experiment.tags, [{ key: 'sharpline.model', value: model }]);
    assert.equal(typeof experiment.creation_time, 'number');

    const zero = await call('GET', 'experiments/get', { experiment_id: '0' });
    assert.equal(zero.statusCode, 200);
    assert.equal(zero.json().experiment.name, 'Default');

    const created = await call('POST', 'experiments/create', { name: 'notebook', tags: [{ key: 'team', value: 'quant' }] });
    assert.equal(created.statusCode, 200, created.body);
    const id = created.json().experiment_id as string;
    assert.match(id, /^\d+$/);
    const got = (await call('GET', 'experiments/get', { experiment_id: id })).json().experiment;
    assert.equal(got.name, 'notebook');
    assert.deepEqual(got.tags, [{ key: 'team', value: 'quant' }]);

    // Errors as MLflow answers them: name taken (a model's name too), unknown ids and names, missing parameters.
    for (const name of ['notebook', model]) {
      const again = await call('POST', 'experiments/create', { name });
      assert.equal(again.statusCode, 400, again.body);
      assert.equal(again.json().error_code, 'RESOURCE_ALREADY_EXISTS');
      assert.match(again.json().message, /already exists/);
    }
    for (const [path, query] of [['experiments/get', { experiment_id: '987654' }], ['experiments/get', { experiment_id: 'abc' }], ['experiments/get-by-name', { experiment_name: 'nope' }]] as const) {
      const res = await call('GET', path, query);
      assert.equal(res.statusCode, 404, res.body);
      assert.deepEqual(Object.keys(res.json()).sort(), ['error_code', 'message']);
      assert.equal(res.json().error_code, 'RESOURCE_DOES_NOT_EXIST');
    }
    const missing = await call('GET', 'experiments/get');
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json(), { error_code: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'experiment_id'. See the API docs for more information about request parameters." });
  });

  it('experiments/search: filter on name (LIKE, =) and tags, order_by, paging with max_results and page_token', async () => {
    for (const name of ['sweep-a', 'sweep-b', 'sweep-c']) assert.equal((await call('POST', 'experiments/create', { name })).statusCode, 200);
    const like = await call('POST', 'experiments/search', { filter: "name LIKE 'sweep-%'", order_by: ['name ASC'] });
    assert.equal(like.statusCode, 200, like.body);
    assert.deepEqual(like.json().experiments.map((e: { name: string }) => e.name), ['sweep-a', 'sweep-b', 'sweep-c']);
    assert.equal(like.json().next_page_token, undefined);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await call('POST', 'experiments/search', { filter: "name LIKE 'sweep%'", order_by: ['name DESC'], max_results: 2, ...(token ? { page_token: token } : {}) });
      assert.equal(res.statusCode, 200, res.body);
      seen.push(...res.json().experiments.map((e: { name: string }) => e.name));
      token = res.json().next_page_token;
      pages += 1;
    } while (token && pages < 10);
    assert.deepEqual(seen, ['sweep-c', 'sweep-b', 'sweep-a']);
    assert.equal(pages, 2);

    const viaGet = await call('GET', 'experiments/search', { filter: `name = '${model}'` });
    assert.deepEqual(viaGet.json().experiments.map((e: { name: string }) => e.name), [model]);
    const tagged = await call('POST', 'experiments/search', { filter: "tags.team = 'quant'" });
    assert.deepEqual(tagged.json().experiments.map((e: { name: string }) => e.name), ['notebook']);

    for (const body of [{ filter: 'name ~ 1' }, { filter: "name = 'a' OR name = 'b'" }, { page_token: 'not-a-token' }, { order_by: ['name sideways'] }]) {
      const res = await call('POST', 'experiments/search', body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().error_code, 'INVALID_PARAMETER_VALUE');
    }
  });

  it('runs: a training run reads as an MLflow run: params from its spec, metrics from its results, status from its job', async () => {
    const res = await call('GET', 'runs/get', { run_id: trainingIds[1]! });
    assert.equal(res.statusCode, 200, res.body);
    const run = res.json().run as MlflowRun;
    const experiment = (await call('GET', 'experiments/get-by-name', { experiment_name: model })).json().experiment;
    assert.equal(run.info.run_id, trainingIds[1]);
    assert.equal(run.info.experiment_id, experiment.experiment_id);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.user_id, 'dana');
    assert.equal(run.info.artifact_uri, `models:/${model}/2`);
    assert.ok(run.info.end_time! >= run.info.start_time);
    const params = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
    assert.equal(params.algo, 'mlp');
    assert.equal(params.featureSet, 'soccer-1x2-base');
    assert.equal(params.competitions, 'E0,E1');
    assert.equal(params.epochs, '7');
    const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
    assert.equal(metrics.log_loss, 0.975);
    assert.equal(metrics.brier, 0.2);
    const tags = Object.fromEntries(run.data.tags.map((tg) => [tg.key, tg.value]));
    assert.equal(tags['sharpline.model'], model);
    assert.equal(tags['sharpline.version'], '2');
    assert.equal(tags['mlflow.user'], 'dana');

    const failed = (await call('GET', 'runs/get', { run_id: trainingIds[2]! })).json().run as MlflowRun;
    assert.equal(failed.info.status, 'FAILED');
    assert.ok(failed.data.tags.some((tg) => tg.key === 'sharpline.error_code' && tg.value === 'TRAINING_DATA_EMPTY'));

    const nope = await call('GET', 'runs/get', { run_id: 'run_nope' });
    assert.equal(nope.statusCode, 404);
    assert.equal(nope.json().error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('runs/search: metrics, params, tags and attributes filters, order_by, paging', async () => {
    const experimentId = (await call('GET', 'experiments/get-by-name', { experiment_name: model })).json().experiment.experiment_id as string;
    const ids = async (body: Record<string, unknown>) => {
      const res = await call('POST', 'runs/search', { experiment_ids: [experimentId], ...body });
      assert.equal(res.statusCode, 200, `${JSON.stringify(body)}: ${res.body}`);
      return (res.json().runs as MlflowRun[]).map((r) => r.info.run_id);
    };
    // Default order: newest start first.
    assert.deepEqual(await ids({}), [trainingIds[2], trainingIds[1], trainingIds[0]]);
    // A failed run has no log_loss: it meets no metric clause.
    assert.deepEqual(await ids({ filter: 'metrics.log_loss < 0.98' }), [trainingIds[1]]);
    assert.deepEqual(await ids({ filter: 'metrics.log_loss >= 0.975 and metrics.brier = 0.2', order_by: ['metrics.log_loss ASC'] }), [trainingIds[1], trainingIds[0]]);
    assert.deepEqual(await ids({ filter: "params.algo = 'mlp'", order_by: ['attributes.start_time ASC'] }), [trainingIds[1], trainingIds[2]]);
    assert.deepEqual(await ids({ filter: "params.algo != 'mlp'" }), [trainingIds[0]]);
    assert.deepEqual(await ids({ filter: "attributes.status = 'FAILED'" }), [trainingIds[2]]);
    assert.deepEqual(await ids({ filter: "attributes.status IN ('FINISHED', 'KILLED') and tags.`sharpline.version` = '1'" }), [trainingIds[0]]);
    assert.deepEqual(await ids({ filter: `tags."sharpline.model" LIKE 'mlf-%' and params.featureSet ILIKE 'SOCCER%'`, order_by: ['metrics.log_loss DESC'] }), [trainingIds[0], trainingIds[1], trainingIds[2]]);
    assert.deepEqual(await ids({ filter: `attributes.run_id = '${trainingIds[0]}'` }), [trainingIds[0]]);
    assert.deepEqual(await ids({ filter: 'metrics.log_loss < 0.5' }), []);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await call('POST', 'runs/search', { experiment_ids: [experimentId], max_results: 1, order_by: ['attributes.start_time ASC'], ...(token ? { page_token: token } : {}) });
      seen.push(...(res.json().runs as MlflowRun[]).map((r) => r.info.run_id));
      token = res.json().next_page_token;
      pages += 1;
    } while (token && pages < 10);
    assert.deepEqual(seen, trainingIds);
    assert.equal(pages, 3);

    for (const [body, pattern] of [
      [{ filter: "metrics.log_loss < 'low'" }, /numeric value/],
      [{ filter: 'params.algo < 3' }, /comparator/],
      [{ filter: "attributes.colour = 'red'" }, /attribute key/],
      [{ filter: "things.x = 'y'" }, /entity type/],
      [{ max_results: 50_001 }, /max_results/],
      [{ page_token: Buffer.from('{"offset":-1}').toString('base64') }, /page token/],
    ] as const) {
      const res = await call('POST', 'runs/search', { experiment_ids: [experimentId], ...body });
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().error_code, 'INVALID_PARAMETER_VALUE');
      assert.match(res.json().message, pattern);
    }
  });

  it('a client run: create, log-metric, log-parameter, set-tag, log-batch, get, get-history (paged), update; params stay immutable', async () => {
    const experimentId = (await call('GET', 'experiments/get-by-name', { experiment_name: 'notebook' })).json().experiment.experiment_id as string;
    const created = await call('POST', 'runs/create', { experiment_id: experimentId, run_name: 'probe', start_time: 1_700_000_000_000, tags: [{ key: 'stage', value: 'explore' }] });
    assert.equal(created.statusCode, 200, created.body);
    const runId = (created.json().run as MlflowRun).info.run_id;
    assert.match(runId, /^[0-9a-f]{32}$/);
    assert.equal((created.json().run as MlflowRun).info.status, 'RUNNING');
    assert.equal((created.json().run as MlflowRun).info.user_id, 'mlf-scientist', 'the key\'s owner when the client names no user');

    for (const [step, value] of [[0, 1.2], [1, 1.05], [2, 0.99]] as const) {
      const res = await call('POST', 'runs/log-metric', { run_id: runId, key: 'log_loss', value, timestamp: 1_700_000_000_000 + step, step });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {});
    }
    assert.equal((await call('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' })).statusCode, 200);
    assert.equal((await call('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' })).statusCode, 200, 'the same value again is fine');
    const changed = await call('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' });
    assert.equal(changed.statusCode, 400);
    assert.equal(changed.json().error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(changed.json().message, /Changing param values is not allowed/);
    assert.equal((await call('POST', 'runs/set-tag', { run_id: runId, key: 'owner', value: 'dana' })).statusCode, 200);
    const batch = await call('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'brier', value: 0.21, timestamp: 1_700_000_000_100, step: 0 }],
      params: [{ key: 'hidden', value: '[32]' }],
      tags: [{ key: 'stage', value: 'tune' }],
    });
    assert.equal(batch.statusCode, 200, batch.body);
    // A batch with a changed param writes nothing at all.
    const bad = await call('POST', 'runs/log-batch', { run_id: runId, metrics: [{ key: 'brier', value: 9, timestamp: 1, step: 9 }], params: [{ key: 'hidden', value: '[64]' }] });
    assert.equal(bad.statusCode, 400);

    const run = (await call('GET', 'runs/get', { run_id: runId })).json().run as MlflowRun;
    assert.deepEqual(run.data.params, [{ key: 'hidden', value: '[32]' }, { key: 'lr', value: '0.01' }]);
    assert.deepEqual(Object.fromEntries(run.data.tags.map((tg) => [tg.key, tg.value])), { 'mlflow.runName': 'probe', owner: 'dana', stage: 'tune', 'sharpline.created_by': 'mlf-scientist' });
    assert.deepEqual(run.data.metrics.find((m) => m.key === 'log_loss'), { key: 'log_loss', value: 0.99, timestamp: 1_700_000_000_002, step: 2 }, 'the latest value');
    assert.deepEqual(run.data.metrics.find((m) => m.key === 'brier'), { key: 'brier', value: 0.21, timestamp: 1_700_000_000_100, step: 0 });

    const history = await call('GET', 'metrics/get-history', { run_id: runId, metric_key: 'log_loss' });
    assert.equal(history.statusCode, 200, history.body);
    assert.deepEqual(history.json().metrics.map((m: { value: number }) => m.value), [1.2, 1.05, 0.99]);
    const first = (await call('GET', 'metrics/get-history', { run_id: runId, metric_key: 'log_loss', max_results: 2 })).json();
    assert.equal(first.metrics.length, 2);
    const second = (await call('GET', 'metrics/get-history', { run_id: runId, metric_key: 'log_loss', max_results: 2, page_token: first.next_page_token })).json();
    assert.deepEqual(second.metrics.map((m: { step: number }) => m.step), [2]);
    assert.equal(second.next_page_token, undefined);

    const updated = await call('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: 1_700_000_009_000 });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal(updated.json().run_info.status, 'FINISHED');
    assert.equal(updated.json().run_info.end_time, 1_700_000_009_000);

    const found = await call('POST', 'runs/search', { experiment_ids: [experimentId], filter: "metrics.log_loss < 1 and params.lr = '0.01' and tags.stage = 'tune' and attributes.status = 'FINISHED'" });
    assert.deepEqual((found.json().runs as MlflowRun[]).map((r) => r.info.run_id), [runId]);

    // Which key created the run is Sharpline's record, whatever user_id the client sent.
    for (const [path, body] of [['runs/set-tag', { run_id: runId, key: 'sharpline.created_by', value: 'someone-else' }], ['runs/delete-tag', { run_id: runId, key: 'sharpline.created_by' }]] as const) {
      const res = await call('POST', path, body);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error_code, 'INVALID_PARAMETER_VALUE');
    }
    assert.equal((await call('POST', 'runs/delete-tag', { run_id: runId, key: 'owner' })).statusCode, 200);
    const gone = await call('POST', 'runs/delete-tag', { run_id: runId, key: 'owner' });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().error_code, 'RESOURCE_DOES_NOT_EXIST');

    // runs/delete and runs/restore: a deleted run leaves searches (unless asked for) and takes no more logging.
    assert.equal((await call('POST', 'runs/delete', { run_id: runId })).statusCode, 200);
    const ids = async (body: Record<string, unknown>) => ((await call('POST', 'runs/search', { experiment_ids: [experimentId], ...body })).json().runs as MlflowRun[]).map((r) => r.info.run_id);
    assert.deepEqual(await ids({}), []);
    assert.deepEqual(await ids({ run_view_type: 'DELETED_ONLY' }), [runId]);
    assert.deepEqual(await ids({ run_view_type: 'ALL' }), [runId]);
    assert.equal(((await call('GET', 'runs/get', { run_id: runId })).json().run as { info: { lifecycle_stage: string } }).info.lifecycle_stage, 'deleted');
    const onDeleted = await call('POST', 'runs/log-metric', { run_id: runId, key: 'x', value: 1, timestamp: 1 });
    assert.equal(onDeleted.statusCode, 400);
    assert.match(onDeleted.json().message, /must be in the 'active' state/);
    assert.equal((await call('POST', 'runs/restore', { run_id: runId })).statusCode, 200);
    assert.deepEqual(await ids({}), [runId]);
    const training = await call('POST', 'runs/delete', { run_id: trainingIds[0]! });
    assert.equal(training.statusCode, 400);
    assert.match(training.json().message, /cancel it with DELETE \/v1\/training-jobs/);
    assert.equal((await call('POST', 'runs/delete', { run_id: 'f'.repeat(32) })).json().error_code, 'RESOURCE_DOES_NOT_EXIST');

    // A run in experiment "0" when the client names none, as MLflow's default experiment.
    const defaulted = await call('POST', 'runs/create', {});
    assert.equal((defaulted.json().run as MlflowRun).info.experiment_id, '0');
    const unknown = await call('POST', 'runs/create', { experiment_id: '424242' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('a training run takes tags, not metrics, params or status: those are its results, spec and job', async () => {
    const id = trainingIds[0]!;
    for (const [path, body] of [
      ['runs/log-metric', { run_id: id, key: 'log_loss', value: 0.1, timestamp: 1 }],
      ['runs/log-parameter', { run_id: id, key: 'algo', value: 'mlp' }],
      ['runs/update', { run_id: id, status: 'KILLED' }],
    ] as const) {
      const res = await call('POST', path, body);
      assert.equal(res.statusCode, 400, `${path}: ${res.body}`);
      assert.equal(res.json().error_code, 'INVALID_PARAMETER_VALUE');
      assert.match(res.json().message, /Sharpline training run/);
    }
    assert.equal((await call('POST', 'runs/set-tag', { run_id: id, key: 'reviewed', value: 'yes' })).statusCode, 200);
    assert.equal((await call('POST', 'runs/set-tag', { run_id: id, key: 'sharpline.model', value: 'forged' })).statusCode, 200);
    const tags = Object.fromEntries(((await call('GET', 'runs/get', { run_id: id })).json().run as MlflowRun).data.tags.map((tg) => [tg.key, tg.value]));
    assert.equal(tags.reviewed, 'yes');
    assert.equal(tags['sharpline.model'], model, 'sharpline.* tags say what Sharpline knows');
    const history = await call('GET', 'metrics/get-history', { run_id: id, metric_key: 'log_loss' });
    assert.deepEqual(history.json().metrics.map((m: { value: number }) => m.value), [0.991]);
    assert.equal((await call('POST', 'runs/log-metric', { run_id: 'run_nope', key: 'x', value: 1, timestamp: 1 })).statusCode, 404);
  });

  it('metrics/get-history of a training run: loss and val_loss per epoch from its registered version\'s training record', async () => {
    // The versions the two succeeded runs registered (1 and 2), as the pipeline records them.
    const history = [{ epoch: 1, loss: 1.09, valLoss: 1.07 }, { epoch: 2, loss: 1.01, valLoss: 1.0 }, { epoch: 3, loss: 0.98, valLoss: null }];
    for (const [i, id] of trainingIds.slice(0, 2).entries()) {
      const { version } = await createVersion(t.db, { model, runId: id, classes: ['home', 'draw', 'away'] });
      assert.equal(version.version, i + 1);
      await markReady(t.db, version.id, { metrics: { logLoss: 0.97 }, evaluation: { training: { history } } });
    }
    const loss = await call('GET', 'metrics/get-history', { run_id: trainingIds[1]!, metric_key: 'loss' });
    assert.equal(loss.statusCode, 200, loss.body);
    assert.deepEqual(loss.json().metrics.map((m: { step: number; value: number }) => [m.step, m.value]), [[1, 1.09], [2, 1.01], [3, 0.98]]);
    const val = await call('GET', 'metrics/get-history', { run_id: trainingIds[1]!, metric_key: 'val_loss', max_results: 1 });
    assert.deepEqual(val.json().metrics.map((m: { step: number; value: number }) => [m.step, m.value]), [[1, 1.07]]);
    const rest = await call('GET', 'metrics/get-history', { run_id: trainingIds[1]!, metric_key: 'val_loss', max_results: 1, page_token: val.json().next_page_token });
    assert.deepEqual(rest.json().metrics.map((m: { step: number; value: number }) => [m.step, m.value]), [[2, 1.0]], 'epochs without a validation loss are not points');
    assert.equal(rest.json().next_page_token, undefined);
  });

  it('behind the same keys and roles, answering MLflow\'s error shapes; an unknown endpoint is ENDPOINT_NOT_FOUND', async () => {
    const noKey = await call('POST', 'runs/search', { experiment_ids: ['0'] }, null);
    assert.equal(noKey.statusCode, 401);
    assert.equal(noKey.json().error_code, 'UNAUTHENTICATED');
    const app403 = await call('POST', 'runs/search', { experiment_ids: ['0'] }, 'app');
    assert.equal(app403.statusCode, 403);
    assert.equal(app403.json().error_code, 'PERMISSION_DENIED');
    assert.match(app403.json().message, /role app may not/);
    const reviewer = await call('POST', 'runs/create', { experiment_id: '0' }, 'reviewer');
    assert.equal(reviewer.statusCode, 403);
    assert.equal(reviewer.json().error_code, 'PERMISSION_DENIED');
    assert.equal((await call('POST', 'runs/search', { experiment_ids: ['0'] }, 'reviewer')).statusCode, 200);
    const unknown = await call('POST', 'runs/frobnicate', { run_id: 'x' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error_code, 'ENDPOINT_NOT_FOUND');
    const badJson = await app.inject({ method: 'POST', url: `${API}/runs/search`, headers: { authorization: `Bearer ${tokens.get('admin')}`, 'content-type': 'application/json' }, payload: '{"experiment_ids": [' });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json().error_code, 'INVALID_PARAMETER_VALUE');
  });

  it('the OpenAPI document lists the MLflow routes with MLflow\'s error body', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json', headers: { authorization: `Bearer ${tokens.get('admin')}` } })).json() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>> };
    const search = doc.paths[`${API}/runs/search`]!.post!;
    assert.match(JSON.stringify(search.responses['400']), /MlflowErrorBody/);
    assert.match(JSON.stringify(search.responses['401']), /MlflowErrorBody/);
    assert.ok(doc.paths[`${API}/experiments/get-by-name`]?.get);
  });
});
