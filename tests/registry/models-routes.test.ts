import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { AppContext } from '../../src/context.ts';
import type { AppInstance } from '../../src/http/app.ts';
import { createVersion, markReady, putArtifact, savePredictions } from '../../registry/index.ts';
import { createTestApp, TEST_ADMIN } from '../support/app.ts';
import { createTestPgDb, type TestDb } from '../support/services.ts';

describe('models routes', () => {
  let t: TestDb;
  let ctx: AppContext;
  let app: AppInstance;

  beforeAll(async () => {
    // The routes do not depend on the Db kind (the contract suites cover both); pg starts faster.
    t = await createTestPgDb('routes');
    ({ app, ctx } = await createTestApp(t.db));
    const db = t.db;
    const classes = ['home', 'draw', 'away'];
    const lineage = { featureSet: { name: 'soccer-core', hash: 'h1' }, algorithm: 'mlp', seed: 3, createdBy: 'test', extra: 'kept' };
    const v1 = (await createVersion(db, { model: 'soccer-1x2', runId: 'r1', classes, lineage, description: 'big five' })).version;
    await savePredictions(db, v1.id, [
      { gameId: 2, kickoff: '2020-01-02T15:00:00.000Z', competition: 'E0', home: 'Arsenal', away: 'Chelsea, FC', probabilities: [0.5, 0.3, 0.2], outcome: 'home' },
      { gameId: 1, kickoff: '2020-01-01T15:00:00.000Z', competition: 'E0', home: 'Leeds', away: 'Hull', probabilities: [0.1, 0.2, 0.7], outcome: null },
    ]);
    await putArtifact(db, v1.id, { kind: 'dense-json', json: { layers: [] } });
    await markReady(db, v1.id, { metrics: { logLoss: 0.97 }, evaluation: { perSeason: { '2019/20': { n: 2 } } }, timings: { fitMs: 10 } });
    await createVersion(db, { model: 'soccer-1x2', runId: 'r2', classes, lineage: { ...lineage, seed: null, codeVersion: null } });
  });

  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await t?.drop();
  });

  it('lists models and shows one', async () => {
    const list = await app.inject({ method: 'GET', url: '/v1/models' });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().models.map((m: { name: string }) => m.name), ['soccer-1x2']);
    const one = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2' });
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().lastVersion, 2);
    assert.equal(one.json().description, 'big five');
    const missing = await app.inject({ method: 'GET', url: '/v1/models/nope' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'MODEL_NOT_FOUND');
  });

  it('lists versions and shows one with lineage, metrics and evaluation', async () => {
    const list = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/versions' });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().versions.map((v: { version: number; status: string }) => [v.version, v.status]), [[2, 'PENDING'], [1, 'READY']]);
    assert.equal(list.json().versions[0].evaluation, undefined);
    const ready = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/versions?status=READY' });
    assert.equal(ready.json().versions.length, 1);
    const bad = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/versions?status=LIVE' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'VALIDATION_FAILED');

    const one = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/versions/1' });
    assert.equal(one.statusCode, 200);
    const body = one.json();
    assert.deepEqual(body.lineage, { featureSet: { name: 'soccer-core', hash: 'h1' }, algorithm: 'mlp', seed: 3, createdBy: 'test', extra: 'kept' });
    assert.deepEqual(body.metrics, { logLoss: 0.97 });
    assert.deepEqual(body.evaluation, { perSeason: { '2019/20': { n: 2 } } });
    assert.equal(body.predictionCount, 2);
    assert.deepEqual(body.artifacts.map((a: { kind: string }) => a.kind), ['dense-json']);
    const pending = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/versions/2' });
    assert.deepEqual([pending.json().lineage.seed, pending.json().lineage.codeVersion], [null, null], 'unknown lineage stays null, not 0 or ""');
    const latest = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/versions/latest' });
    assert.equal(latest.json().version, 1);
    const missing = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/versions/9' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'MODEL_VERSION_NOT_FOUND');
  });

  it('serves predictions as JSON and CSV', async () => {
    const json = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/versions/1/predictions' });
    assert.equal(json.statusCode, 200);
    const body = json.json();
    assert.deepEqual(body.classes, ['home', 'draw', 'away']);
    assert.equal(body.total, 2);
    assert.deepEqual(body.predictions.map((p: { gameId: number }) => p.gameId), [1, 2]);
    assert.deepEqual(body.predictions[1].probabilities, [0.5, 0.3, 0.2]);
    const csv = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/versions/1/predictions?format=csv' });
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.equal(
      csv.body,
      'game_id,kickoff,competition,home,away,p_home,p_draw,p_away,outcome\n' +
        '1,2020-01-01T15:00:00.000Z,E0,Leeds,Hull,0.1,0.2,0.7,\n' +
        '2,2020-01-02T15:00:00.000Z,E0,Arsenal,"Chelsea, FC",0.5,0.3,0.2,home\n',
    );
    const page = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/versions/1/predictions?limit=1&offset=1' });
    assert.deepEqual(page.json().predictions.map((p: { gameId: number }) => p.gameId), [2]);
  });

  it('moves, removes and audits aliases (as the key\'s owner); refuses PENDING versions, bad names and protected aliases', async () => {
    const protectedMove = await app.inject({ method: 'PUT', url: '/v1/models/soccer-1x2/aliases/champion', payload: { version: 1 } });
    assert.equal(protectedMove.statusCode, 409);
    assert.equal(protectedMove.json().error.code, 'ALIAS_PROTECTED');
    assert.match(protectedMove.json().error.message, /propose the move/);
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/models/soccer-1x2/aliases/champion' })).json().error.code, 'ALIAS_PROTECTED');
    const notReady = await app.inject({ method: 'PUT', url: '/v1/models/soccer-1x2/aliases/challenger', payload: { version: 2 } });
    assert.equal(notReady.statusCode, 409);
    assert.equal(notReady.json().error.code, 'MODEL_VERSION_NOT_READY');
    const badName = await app.inject({ method: 'PUT', url: '/v1/models/soccer-1x2/aliases/Champ!', payload: { version: 1 } });
    assert.equal(badName.statusCode, 400);
    assert.equal(badName.json().error.code, 'MODEL_ALIAS_INVALID');
    const badBody = await app.inject({ method: 'PUT', url: '/v1/models/soccer-1x2/aliases/challenger', payload: { version: 'one' } });
    assert.equal(badBody.statusCode, 400);
    assert.equal(badBody.json().error.code, 'VALIDATION_FAILED');

    // A body's `actor` is ignored: the audited actor is the key's owner.
    const set = await app.inject({ method: 'PUT', url: '/v1/models/soccer-1x2/aliases/challenger', payload: { version: 1, actor: 'alice' } });
    assert.equal(set.statusCode, 200);
    assert.deepEqual([set.json().changed, set.json().previousVersion, set.json().alias.version, set.json().alias.updatedBy], [true, null, 1, TEST_ADMIN]);
    const byAlias = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/versions/challenger' });
    assert.equal(byAlias.json().version, 1);
    assert.deepEqual(byAlias.json().aliases, ['challenger']);

    const del = await app.inject({ method: 'DELETE', url: '/v1/models/soccer-1x2/aliases/challenger?actor=bob' });
    assert.equal(del.statusCode, 200);
    assert.deepEqual(del.json(), { model: 'soccer-1x2', alias: 'challenger', previousVersion: 1 });
    const again = await app.inject({ method: 'DELETE', url: '/v1/models/soccer-1x2/aliases/challenger' });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().error.code, 'MODEL_ALIAS_NOT_FOUND');

    const history = await app.inject({ method: 'GET', url: '/v1/models/soccer-1x2/aliases/challenger/history' });
    assert.equal(history.statusCode, 200);
    assert.deepEqual(
      history.json().events.map((e: { fromVersion: number | null; toVersion: number | null; actor: string }) => [e.fromVersion, e.toVersion, e.actor]),
      [[1, null, TEST_ADMIN], [null, 1, TEST_ADMIN]],
    );
    const audit = await app.inject({ method: 'GET', url: '/v1/audit?action=alias' });
    assert.deepEqual(audit.json().entries.map((e: { action: string; actor: string; target: string }) => [e.action, e.actor, e.target]), [
      ['alias.removed', TEST_ADMIN, 'soccer-1x2/challenger'],
      ['alias.moved', TEST_ADMIN, 'soccer-1x2/challenger'],
    ]);
  });

  it('documents the routes in OpenAPI', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/v1/models', '/v1/models/{name}', '/v1/models/{name}/versions', '/v1/models/{name}/versions/{v}', '/v1/models/{name}/versions/{v}/predictions', '/v1/models/{name}/aliases/{alias}', '/v1/models/{name}/aliases/{alias}/history']) {
      assert.ok(spec.paths[path], `missing ${path}`);
    }
  });
});
