import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestContext, createTestKey } from '../support/app.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { createVersion, markFailed, markReady } from '../../registry/index.ts';
import type { KeyRole } from '../../src/governance/index.ts';

/**
 * MLflow's model-registry REST API (https://mlflow.org/docs/latest/rest-api.html), driven with
 * plain HTTP requests as an MLflow client sends them, over Sharpline's registry: versions made by
 * the registry's store as training makes them, aliases moved under Sharpline's promotion rule.
 */
const API = '/api/2.0/mlflow';

interface MlflowModelVersion { name: string; version: string; status: string; run_id: string; current_stage: string; aliases: string[]; source: string; creation_timestamp: number }

describe('MLflow model registry API: registered models, versions, aliases under the promotion rule', () => {
  let t: TestDb;
  let ctx: AppContext;
  let app: AppInstance;
  const tokens = new Map<KeyRole, string>();
  const model = `mlfreg-${process.pid}`;

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
    t = await createTestPgDb('mlf20_registry');
    ctx = await createTestContext(t.db);
    app = await buildApp(ctx);
    await app.ready();
    for (const role of ['admin', 'scientist', 'reviewer', 'app'] as const) tokens.set(role, await createTestKey(t.db, role, `mlfreg-${role}`));
    // Three versions as training registers them: two READY, the newest FAILED.
    for (const [i, outcome] of (['ready', 'ready', 'failed'] as const).entries()) {
      const { version } = await createVersion(t.db, { model, runId: `run_reg${i}`, classes: ['home', 'draw', 'away'], lineage: { createdBy: 'dana', algorithm: 'mlp' } });
      if (outcome === 'ready') await markReady(t.db, version.id, { metrics: { logLoss: 0.98 - i / 100 } });
      else await markFailed(t.db, version.id, 'diverged');
    }
    for (const name of ['other-a', 'other-b']) await createVersion(t.db, { model: name, runId: `run_${name}`, classes: ['home', 'draw', 'away'] });
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await t?.drop();
  });

  it('registered-models/get and model-versions/get: versions as strings, statuses in MLflow\'s words, no stages', async () => {
    const res = await call('GET', 'registered-models/get', { name: model }, 'app');
    assert.equal(res.statusCode, 200, res.body);
    const rm = res.json().registered_model;
    assert.equal(rm.name, model);
    assert.equal(typeof rm.creation_timestamp, 'number');
    assert.deepEqual(rm.latest_versions.map((v: MlflowModelVersion) => [v.version, v.status]), [['3', 'FAILED_REGISTRATION']]);
    assert.deepEqual(rm.aliases, []);

    const v1 = await call('GET', 'model-versions/get', { name: model, version: '1' });
    assert.equal(v1.statusCode, 200, v1.body);
    const version = v1.json().model_version as MlflowModelVersion & { user_id: string };
    assert.equal(version.version, '1');
    assert.equal(version.status, 'READY');
    assert.equal(version.current_stage, 'None');
    assert.equal(version.run_id, 'run_reg0');
    assert.equal(version.source, 'runs:/run_reg0/model');
    assert.equal(version.user_id, 'dana');
    assert.equal((await call('GET', 'model-versions/get', { name: `${model}-x`, version: '1' })).json().error_code, 'RESOURCE_DOES_NOT_EXIST');
    for (const [query, status, code] of [
      [{ name: model, version: '9' }, 404, 'RESOURCE_DOES_NOT_EXIST'],
      [{ name: model, version: 'one' }, 400, 'INVALID_PARAMETER_VALUE'],
      [{ name: model }, 400, 'INVALID_PARAMETER_VALUE'],
    ] as const) {
      const r = await call('GET', 'model-versions/get', query);
      assert.equal(r.statusCode, status, r.body);
      assert.equal(r.json().error_code, code);
    }
    const none = await call('GET', 'registered-models/get', { name: 'no-such-model' });
    assert.equal(none.statusCode, 404);
    assert.deepEqual(Object.keys(none.json()).sort(), ['error_code', 'message']);
  });

  it('registered-models/create, and search with name filters and paging', async () => {
    const created = await call('POST', 'registered-models/create', { name: 'other-c', description: 'from a notebook' });
    assert.equal(created.statusCode, 200, created.body);
    assert.equal(created.json().registered_model.description, 'from a notebook');
    assert.deepEqual(created.json().registered_model.latest_versions, []);
    const again = await call('POST', 'registered-models/create', { name: 'other-c' });
    assert.equal(again.statusCode, 400);
    assert.equal(again.json().error_code, 'RESOURCE_ALREADY_EXISTS');
    const badName = await call('POST', 'registered-models/create', { name: 'Has Spaces' });
    assert.equal(badName.statusCode, 400);
    assert.equal(badName.json().error_code, 'INVALID_PARAMETER_VALUE');
    assert.equal((await call('POST', 'registered-models/create', { name: 'other-d' }, 'reviewer')).json().error_code, 'PERMISSION_DENIED');

    const like = await call('GET', 'registered-models/search', { filter: "name LIKE 'other-%'" }, 'app');
    assert.equal(like.statusCode, 200, like.body);
    assert.deepEqual(like.json().registered_models.map((m: { name: string }) => m.name), ['other-a', 'other-b', 'other-c']);
    assert.deepEqual((await call('GET', 'registered-models/search', { filter: `name = '${model}'` })).json().registered_models.map((m: { name: string }) => m.name), [model]);
    assert.deepEqual((await call('GET', 'registered-models/search', { filter: "name ILIKE 'OTHER-B'" })).json().registered_models.map((m: { name: string }) => m.name), ['other-b']);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await call('GET', 'registered-models/search', { filter: "name LIKE 'other%'", order_by: 'name DESC', max_results: 2, ...(token ? { page_token: token } : {}) });
      assert.equal(res.statusCode, 200, res.body);
      seen.push(...res.json().registered_models.map((m: { name: string }) => m.name));
      token = res.json().next_page_token;
      pages += 1;
    } while (token && pages < 10);
    assert.deepEqual(seen, ['other-c', 'other-b', 'other-a']);
    assert.equal(pages, 2);

    for (const query of [{ filter: 'name = 3' }, { filter: "tags.x = 'y'" }, { max_results: 1001 }, { page_token: '!!!' }]) {
      const res = await call('GET', 'registered-models/search', query);
      assert.equal(res.statusCode, 400, `${JSON.stringify(query)}: ${res.body}`);
      assert.equal(res.json().error_code, 'INVALID_PARAMETER_VALUE');
    }
  });

  it('model-versions/search (name, run_id, version_number) and get-latest-versions', async () => {
    const res = await call('GET', 'model-versions/search', { filter: `name='${model}'` }, 'app');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().model_versions.map((v: MlflowModelVersion) => v.version), ['3', '2', '1']);
    const byRun = await call('GET', 'model-versions/search', { filter: "run_id = 'run_reg1'" });
    assert.deepEqual(byRun.json().model_versions.map((v: MlflowModelVersion) => [v.name, v.version]), [[model, '2']]);
    const newer = await call('GET', 'model-versions/search', { filter: `name = '${model}' and version_number >= 2`, order_by: 'version_number ASC' });
    assert.deepEqual(newer.json().model_versions.map((v: MlflowModelVersion) => v.version), ['2', '3']);
    const first = (await call('GET', 'model-versions/search', { filter: `name='${model}'`, max_results: 2 })).json();
    assert.equal(first.model_versions.length, 2);
    const rest = (await call('GET', 'model-versions/search', { filter: `name='${model}'`, max_results: 2, page_token: first.next_page_token })).json();
    assert.deepEqual(rest.model_versions.map((v: MlflowModelVersion) => v.version), ['1']);
    assert.equal(rest.next_page_token, undefined);

    const latest = await call('POST', 'registered-models/get-latest-versions', { name: model }, 'app');
    assert.equal(latest.statusCode, 200, latest.body);
    assert.deepEqual(latest.json().model_versions.map((v: MlflowModelVersion) => v.version), ['3']);
    assert.deepEqual((await call('POST', 'registered-models/get-latest-versions', { name: model, stages: ['Production'] })).json().model_versions, []);
    assert.deepEqual((await call('GET', 'registered-models/get-latest-versions', { name: model, stages: 'None' })).json().model_versions.map((v: MlflowModelVersion) => v.version), ['3']);
    assert.equal((await call('POST', 'registered-models/get-latest-versions', { name: 'nope' })).statusCode, 404);
  });

  it('aliases: an unprotected alias moves at once; champion answers PERMISSION_DENIED naming the proposal flow, and moves once approved', async () => {
    const set = await call('POST', 'registered-models/alias', { name: model, alias: 'challenger', version: '2' });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json(), {});
    const got = await call('GET', 'registered-models/alias', { name: model, alias: 'challenger' }, 'app');
    assert.equal(got.statusCode, 200, got.body);
    assert.equal((got.json().model_version as MlflowModelVersion).version, '2');
    assert.deepEqual((got.json().model_version as MlflowModelVersion).aliases, ['challenger']);
    assert.deepEqual((await call('GET', 'registered-models/get', { name: model })).json().registered_model.aliases, [{ alias: 'challenger', version: '2' }]);
    // The move is Sharpline's own: the native route and the audit log see it.
    const history = await app.inject({ method: 'GET', url: `/v1/models/${model}/aliases/challenger/history`, headers: { authorization: `Bearer ${tokens.get('admin')}` } });
    assert.equal(history.json().events[0].toVersion, 2);
    assert.equal(history.json().events[0].actor, 'mlfreg-scientist');

    const champion = await call('POST', 'registered-models/alias', { name: model, alias: 'champion', version: '1' });
    assert.equal(champion.statusCode, 403, champion.body);
    assert.equal(champion.json().error_code, 'PERMISSION_DENIED');
    assert.match(champion.json().message, /protected alias: propose the move/);
    assert.equal((await call('GET', 'registered-models/alias', { name: model, alias: 'champion' })).statusCode, 404);
    assert.equal((await call('POST', 'registered-models/alias', { name: model, alias: 'champion', version: '1' }, 'admin')).statusCode, 403, 'an admin key too');

    // The proposal flow moves it: proposed by a scientist, approved by a reviewer; MLflow then reads it.
    const proposed = await app.inject({ method: 'POST', url: `/v1/models/${model}/proposals`, headers: { authorization: `Bearer ${tokens.get('scientist')}` }, payload: { alias: 'champion', version: 1 } });
    assert.equal(proposed.statusCode, 201, proposed.body);
    const approved = await app.inject({ method: 'POST', url: `/v1/proposals/${proposed.json().id}/approve`, headers: { authorization: `Bearer ${tokens.get('reviewer')}` } });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(((await call('GET', 'registered-models/alias', { name: model, alias: 'champion' })).json().model_version as MlflowModelVersion).version, '1');
    const demote = await call('DELETE', 'registered-models/alias', { name: model, alias: 'champion' });
    assert.equal(demote.statusCode, 403);
    assert.equal(demote.json().error_code, 'PERMISSION_DENIED');

    for (const [body, status, code] of [
      [{ name: model, alias: 'challenger', version: '3' }, 409, 'RESOURCE_CONFLICT'],
      [{ name: model, alias: 'challenger', version: '99' }, 404, 'RESOURCE_DOES_NOT_EXIST'],
      [{ name: model, alias: 'Bad Alias', version: '1' }, 400, 'INVALID_PARAMETER_VALUE'],
      [{ name: model, alias: 'latest', version: '1' }, 400, 'INVALID_PARAMETER_VALUE'],
      [{ name: model, alias: 'challenger' }, 400, 'INVALID_PARAMETER_VALUE'],
    ] as const) {
      const res = await call('POST', 'registered-models/alias', body);
      assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().error_code, code);
    }
    assert.equal((await call('POST', 'registered-models/alias', { name: model, alias: 'staging', version: '1' }, 'app')).json().error_code, 'PERMISSION_DENIED');

    // DELETE with a JSON body, as MLflow clients send it (the query string works too).
    const removed = await call('DELETE', 'registered-models/alias', { name: model, alias: 'challenger' });
    assert.equal(removed.statusCode, 200, removed.body);
    assert.equal((await call('GET', 'registered-models/alias', { name: model, alias: 'challenger' })).json().error_code, 'RESOURCE_DOES_NOT_EXIST');
    await call('POST', 'registered-models/alias', { name: model, alias: 'staging', version: '2' });
    const byQuery = await app.inject({ method: 'DELETE', url: `${API}/registered-models/alias?name=${model}&alias=staging`, headers: { authorization: `Bearer ${tokens.get('scientist')}` } });
    assert.equal(byQuery.statusCode, 200, byQuery.body);
    const missing = await app.inject({ method: 'DELETE', url: `${API}/registered-models/alias`, headers: { authorization: `Bearer ${tokens.get('scientist')}` } });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.json().message, /Missing value for required parameter 'name'/);
  });
});
