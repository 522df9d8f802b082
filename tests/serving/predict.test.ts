import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { predictProba } from '../../models/index.ts';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestApp } from '../support/app.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { instanceOf, registerTestModel, type RegisteredTestModel } from './support.ts';

const NAMES = ['f0', 'f1', 'f2', 'f3', 'f4'];

describe('POST /v1/models/:name/predict with instances', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let v1: RegisteredTestModel;
  let v2: RegisteredTestModel;

  beforeAll(async () => {
    t = await createTestPgDb('serving_predict');
    v1 = await registerTestModel(t.db, { model: 'wdl', seed: 1 });
    v2 = await registerTestModel(t.db, { model: 'wdl', seed: 2, alias: 'challenger' });
    await registerTestModel(t.db, { model: 'wdl', seed: 3, alias: null, pending: true });
    ({ app, ctx } = await createTestApp(t.db, { env: { SHARPLINE_MAX_PREDICT_ROWS: '50' } }));
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.serving.close();
    await t?.drop();
  });

  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });

  it('returns the stored model\'s probabilities by class, with model, version and features', async () => {
    const rows = 5;
    const instances = Array.from({ length: rows }, (_, i) => instanceOf(NAMES, v1.testX, i));
    const res = await post('/v1/models/wdl/predict', { instances });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.model, 'wdl');
    assert.equal(body.version, v1.version.version);
    assert.equal(body.runtime, 'onnx');
    assert.deepEqual(body.classes, ['home', 'draw', 'away']);
    const expected = predictProba(v1.model, v1.testX.subarray(0, rows * NAMES.length), rows);
    body.predictions.forEach((p: { model: string; version: number; probabilities: Record<string, number>; features: Record<string, number> }, i: number) => {
      assert.equal(p.model, 'wdl');
      assert.equal(p.version, v1.version.version);
      assert.deepEqual(p.features, instances[i]);
      ['home', 'draw', 'away'].forEach((c, k) => assert.ok(Math.abs(p.probabilities[c]! - expected[i * 3 + k]!) < 1e-5, `${c} row ${i}`));
    });
  });

  it('a plain answer is written by its version\'s compiled writer: every key of the documented shape, features in the version\'s order', async () => {
    const row = instanceOf(NAMES, v1.testX, 2);
    const reversed = Object.fromEntries(Object.entries(row).reverse());
    for (const url of ['/v1/models/wdl/predict', '/v1/models/wdl/predict?alias=challenger']) {
      const res = await post(url, { instances: [reversed] });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      // JSON.stringify would echo the client's order; the version's writer lists its features.
      assert.deepEqual(Object.keys(body.predictions[0].features), NAMES, url);
      assert.deepEqual(Object.keys(body), ['model', 'version', 'runtime', 'classes', 'predictions']);
      assert.deepEqual(Object.keys(body.predictions[0]), ['model', 'version', 'probabilities', 'features']);
      assert.deepEqual(Object.keys(body.predictions[0].probabilities), ['home', 'draw', 'away']);
      assert.deepEqual(body.predictions[0].features, row);
      assert.equal(res.body, JSON.stringify({ ...body, predictions: [{ ...body.predictions[0], features: row }] }), 'nothing more, nothing less than the shape');
    }
    // An error after the version was found is still the error body, not a prediction's writer's output.
    const bad = await post('/v1/models/wdl/predict', { instances: [{ ...row, f9: 1 }] });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'MODEL_INPUT_INVALID');
  });

  it('a batch in the usual form (read as one table, written as bytes) answers exactly what the same rows get as objects', async () => {
    const text = (rows: Record<string, number>[], order: string[], space = '') => `{"instances":[${rows.map((row) => `{${order.map((n) => `"${n}":${space}${row[n]}`).join(',')}}`).join(',')}]}`;
    const send = (payload: string, url = '/v1/models/wdl/predict') => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });
    // Float32 values (17 digits: formatted) and rounded ones (echoed from the body as they are).
    const raw = Array.from({ length: 40 }, (_, i) => instanceOf(NAMES, v1.testX, i));
    const rounded = raw.map((row) => Object.fromEntries(NAMES.map((n) => [n, Math.round(row[n]! * 1e4) / 1e4])));
    for (const rows of [raw, rounded, [rounded[0]!]]) {
      const table = await send(text(rows, NAMES));
      const objects = await send(text(rows, [...NAMES].reverse()));
      const spaced = await send(text(rows, NAMES, ' '));
      assert.equal(table.statusCode, 200, table.body);
      assert.equal(table.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(table.body, objects.body);
      assert.equal(spaced.body, objects.body);
      assert.deepEqual(table.json().predictions.map((p: { features: Record<string, number> }) => p.features), rows);
    }
    // The table path checks the same limits and answers the same errors.
    const many = await send(text(Array.from({ length: 51 }, () => rounded[0]!), NAMES));
    assert.equal(many.statusCode, 413);
    assert.deepEqual(many.json().error.details, { rows: 51, max: 50 });
    const other = await send(text([rounded[0]!], NAMES, '').replace('"f4"', '"f9"'));
    assert.equal(other.statusCode, 400);
    assert.deepEqual(other.json().error.details.problems.map((p: { feature: string; problem: string }) => `${p.feature}:${p.problem}`).sort(), ['f4:missing', 'f9:extra']);
    assert.equal((await send(text([rounded[0]!], NAMES), '/v1/models/nope/predict')).json().error.code, 'MODEL_NOT_FOUND');
  });

  it('accepts features in any key order', async () => {
    const row = instanceOf(NAMES, v1.testX, 4);
    const reversed = Object.fromEntries(Object.entries(row).reverse());
    const res = await post('/v1/models/wdl/predict', { instances: [row, reversed] });
    assert.equal(res.statusCode, 200, res.body);
    const [a, b] = res.json().predictions;
    assert.deepEqual(a.probabilities, b.probabilities);
  });

  it('single rows go through the coalescer and match too', async () => {
    const res = await post('/v1/models/wdl/predict', { instances: [instanceOf(NAMES, v1.testX, 7)] });
    assert.equal(res.statusCode, 200, res.body);
    const expected = predictProba(v1.model, v1.testX.subarray(7 * 5, 8 * 5), 1);
    const p = res.json().predictions[0].probabilities;
    assert.ok(Math.abs(p.home - expected[0]!) < 1e-5 && Math.abs(p.away - expected[2]!) < 1e-5);
  });

  it('selects a version by ?version= and by ?alias=', async () => {
    const instances = [instanceOf(NAMES, v2.testX, 0)];
    const byVersion = await post(`/v1/models/wdl/predict?version=${v2.version.version}`, { instances });
    const byAlias = await post('/v1/models/wdl/predict?alias=challenger', { instances });
    const champion = await post('/v1/models/wdl/predict', { instances });
    assert.equal(byVersion.json().version, v2.version.version);
    assert.equal(byAlias.json().version, v2.version.version);
    assert.equal(champion.json().version, v1.version.version);
    const expected = predictProba(v2.model, v2.testX.subarray(0, 5), 1);
    assert.ok(Math.abs(byAlias.json().predictions[0].probabilities.home - expected[0]!) < 1e-5);
  });

  it('unknown model, version or alias: 404 with a code', async () => {
    const instances = [instanceOf(NAMES, v1.testX, 0)];
    const cases: Array<[string, string]> = [
      ['/v1/models/nope/predict', 'MODEL_NOT_FOUND'],
      ['/v1/models/wdl/predict?version=99', 'MODEL_VERSION_NOT_FOUND'],
      ['/v1/models/wdl/predict?alias=staging', 'MODEL_ALIAS_NOT_FOUND'],
      ['/v1/models/nope/predict?version=1', 'MODEL_NOT_FOUND'],
    ];
    for (const [url, code] of cases) {
      const res = await post(url, { instances });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, code, url);
      assert.equal(typeof res.json().error.message, 'string');
    }
  });

  it('a version that is not READY: 409', async () => {
    const res = await post('/v1/models/wdl/predict?version=3', { instances: [instanceOf(NAMES, v1.testX, 0)] });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'MODEL_VERSION_NOT_READY');
    assert.equal(res.json().error.details.status, 'PENDING');
  });

  it('missing, extra, non-numeric and non-finite features: 400 naming each', async () => {
    const good = instanceOf(NAMES, v1.testX, 0);
    const { f1: _dropped, ...missing } = good;
    const instances = [good, missing, { ...good, extra: 1, other: 2 }, { ...good, f2: '3' }, { ...good, f3: null }, 'row'];
    const res = await app.inject({
      method: 'POST',
      url: '/v1/models/wdl/predict',
      headers: { 'content-type': 'application/json' },
      // 1e999 parses to Infinity: the only way JSON can carry a non-finite number.
      payload: JSON.stringify({ instances }).replace('"f4":' + JSON.stringify(good.f4), '"f4":1e999'),
    });
    assert.equal(res.statusCode, 400, res.body);
    const { code, details, message } = res.json().error;
    assert.equal(code, 'MODEL_INPUT_INVALID');
    assert.match(message, /invalid feature value/);
    const problems = details.problems.map((p: { index: number; feature: string; problem: string }) => `${p.index}:${p.feature}:${p.problem}`);
    assert.deepEqual(problems.sort(), ['0:f4:non-finite', '1:f1:missing', '2:extra:extra', '2:other:extra', '3:f2:non-numeric', '4:f3:non-numeric', '5::not-an-object'].sort());
    assert.equal(details.count, 7);
    assert.deepEqual(details.expected, NAMES);
  });

  it('a feature beyond the float32 range (1e39): 400 naming it, on /v1 and /v2; never 200 with null probabilities', async () => {
    const good = instanceOf(NAMES, v1.testX, 0);
    const res = await post('/v1/models/wdl/predict', { instances: [good, { ...good, f0: 1e39 }, { ...good, f2: -3.5e38 }] });
    assert.equal(res.statusCode, 400, res.body);
    const { code, details } = res.json().error;
    assert.equal(code, 'MODEL_INPUT_INVALID');
    assert.deepEqual(details.problems, [{ index: 1, feature: 'f0', problem: 'out-of-range' }, { index: 2, feature: 'f2', problem: 'out-of-range' }]);
    // The largest float32 itself is a valid input.
    const max = await post('/v1/models/wdl/predict', { instances: [{ ...good, f1: 3.4028234663852886e38 }] });
    assert.notEqual(max.json().error?.details?.problems?.[0]?.problem, 'out-of-range', max.body);
    const v2 = await post('/v2/models/wdl/infer', { inputs: [{ name: 'features', shape: [1, 5], datatype: 'FP64', data: [1e39, 1, 0, 0, 0] }] });
    assert.equal(v2.statusCode, 400, v2.body);
    // The protocol's error object: the message names the feature.
    assert.match(v2.json().error, /feature f0\b.*float32 range/);
  });

  it('a non-finite model output is never served: 422 MODEL_OUTPUT_INVALID naming the rows', async () => {
    const good = instanceOf(NAMES, v1.testX, 0);
    // Within float32, but the hidden layer's sums overflow to Infinity and the softmax gives NaN.
    const huge = Object.fromEntries(NAMES.map((n) => [n, 3e38]));
    for (const instances of [[huge], [good, huge]]) {
      const res = await post('/v1/models/wdl/predict', { instances });
      assert.equal(res.statusCode, 422, res.body);
      const { code, details } = res.json().error;
      assert.equal(code, 'MODEL_OUTPUT_INVALID');
      assert.deepEqual(details.rows, [`instances[${instances.length - 1}]`]);
    }
    const v2 = await post('/v2/models/wdl/infer', { inputs: [{ name: 'features', shape: [1, 5], datatype: 'FP64', data: NAMES.map(() => 3e38) }] });
    assert.equal(v2.statusCode, 422, v2.body);
    assert.equal(typeof v2.json().error, 'string');
  });

  it('rejects bodies with neither or both of instances/games, and bad query values', async () => {
    const neither = await post('/v1/models/wdl/predict', {});
    assert.equal(neither.statusCode, 400);
    assert.equal(neither.json().error.code, 'MODEL_INPUT_INVALID');
    const unknownKey = await post('/v1/models/wdl/predict', { rows: [] });
    assert.equal(unknownKey.statusCode, 400);
    const both = await post('/v1/models/wdl/predict?alias=champion&version=1', { instances: [] });
    assert.equal(both.statusCode, 400);
    assert.equal(both.json().error.code, 'VALIDATION_FAILED');
  });

  it('more rows than SHARPLINE_MAX_PREDICT_ROWS: 413', async () => {
    const instances = Array.from({ length: 51 }, (_, i) => instanceOf(NAMES, v1.testX, i));
    const res = await post('/v1/models/wdl/predict', { instances });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'PAYLOAD_TOO_LARGE');
    assert.deepEqual(res.json().error.details, { rows: 51, max: 50 });
    const ok = await post('/v1/models/wdl/predict', { instances: instances.slice(0, 50) });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().predictions.length, 50);
  });

  it('a body over the byte limit: 413', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/models/wdl/predict', headers: { 'content-type': 'application/json' }, payload: `{"instances":[${'1,'.repeat(9_000_000)}1]}` });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('answers from memory: a cached alias needs no database query', async () => {
    const instances = [instanceOf(NAMES, v1.testX, 0)];
    await post('/v1/models/wdl/predict', { instances });
    const original = ctx.db.query.bind(ctx.db);
    let queries = 0;
    (ctx.db as { query: typeof original }).query = ((sql: string, params?: readonly unknown[]) => {
      queries++;
      return original(sql, params);
    }) as typeof original;
    try {
      for (let i = 0; i < 20; i++) assert.equal((await post('/v1/models/wdl/predict', { instances })).statusCode, 200);
    } finally {
      (ctx.db as { query: typeof original }).query = original;
    }
    // The alias poll may run once in this window; requests themselves add nothing.
    assert.ok(queries <= 2, `${queries} queries`);
  });
});
