import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestApp } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { registerTestModel } from '../serving/support.ts';
import type { AppInstance } from '../../src/http/app.ts';
import { FUZZ_BODY_LIMIT, operationsOf, requestArbitrary, urlOf, type Operation } from '../support/fuzz.ts';

/**
 * A bounded, seeded fuzz of every route of the OpenAPI document: wrong types, huge and
 * non-finite numbers, deep nesting, invalid UTF-8 and NUL, oversize bodies, path traversal and
 * SQL-looking text in path, query and body. Every answer must be below 500, in the service's error
 * shape when it is an error, and free of stack traces and SQL; the server must be healthy after.
 */
const SEED = 20261202;
const RUNS = 1500;
const BODY_LIMIT = FUZZ_BODY_LIMIT;

/** What must never reach a client: stack frames, file paths, SQL, driver errors. */
const LEAKS: Array<[string, RegExp]> = [
  ['a stack frame', /\bat [\w.<>]+ \(?[^)\s]*:\d+:\d+/],
  ['a source path', /\/(src|node_modules|work)\/[\w./-]+\.(ts|js|mjs)/],
  ['SQL', /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b[\s\S]{0,200}\b(FROM|WHERE|VALUES|RETURNING)\b/i],
  ['a Postgres error', /syntax error at or near|invalid input syntax|invalid byte sequence|violates .* constraint|relation "|column "|SQLSTATE|\bpg-pool\b/i],
];

describe('fuzzing every route of the OpenAPI document', () => {
  let t: TestDb;
  let app: AppInstance;
  let ops: Operation[];
  beforeAll(async () => {
    t = await createTestPgDb('fuzz');
    await importSyntheticLeague(t.db, { seasons: 2 });
    await registerTestModel(t.db, { model: 'fuzz' });
    ({ app } = await createTestApp(t.db, { env: { SHARPLINE_RATE_LIMIT: 'off', SHARPLINE_BODY_LIMIT_BYTES: String(BODY_LIMIT), SHARPLINE_PREDICT_BODY_LIMIT_BYTES: String(BODY_LIMIT * 4) } }));
    ops = operationsOf((await app.inject({ url: '/openapi.json' })).json());
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('the OpenAPI document lists the routes the fuzz covers', () => {
    assert.ok(ops.length >= 35, `${ops.length} operations`);
    assert.ok(ops.some((o) => o.body));
  });

  it('the requests that answered 500 before: NUL in path and query, non-finite limits', async () => {
    const urls = ['/v1/models/%00', '/v1/training-jobs/%00', '/v1/models/%FF', '/v1/games/%00/features',
      ...ops.filter((o) => o.method === 'GET' && o.query.some((q) => q.name === 'model' || q.name === 'limit')).flatMap((o) => [urlOf(o, o.pathParams.map(() => 'fuzz'), [['model', '%00']]), urlOf(o, o.pathParams.map(() => 'fuzz'), [['limit', 'Infinity']]), urlOf(o, o.pathParams.map(() => 'fuzz'), [['limit', '1e309']])])];
    for (const url of urls) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.match((res.json() as { error: { code: string } }).error.code, /^(REQUEST_TEXT_INVALID|VALIDATION_FAILED)$/, url);
    }
  });

  it(`${RUNS} seeded requests: no 5xx, every error in the service's shape, no stack or SQL in any body`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestArbitrary(ops), async ({ op, params, query, body }) => {
        const url = urlOf(op, params, query);
        const res = await app.inject({ method: op.method, url, ...(body ? { payload: body.payload, headers: { 'content-type': body.contentType } } : {}) });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        const where = `${op.method} ${url.slice(0, 300)} ${body ? String(body.payload).slice(0, 200) : ''}\n-> ${res.statusCode} ${res.body.slice(0, 500)}`;
        assert.ok(res.statusCode < 500, where);
        if (res.statusCode >= 400) {
          const parsed = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } | string };
          // The Open Inference Protocol's routes answer its own error object, { error: "<message>" }.
          if (op.path === '/v2' || op.path.startsWith('/v2/')) assert.equal(typeof parsed.error, 'string', where);
          // MLflow's routes answer MLflow's error body.
          else if (op.path.startsWith('/api/2.0/mlflow/')) {
            const mlflow = parsed as { error_code?: unknown; message?: unknown };
            assert.equal(typeof mlflow.error_code, 'string', where);
            assert.equal(typeof mlflow.message, 'string', where);
          } else {
            assert.equal(typeof (parsed.error as { code?: unknown })?.code, 'string', where);
            assert.equal(typeof (parsed.error as { message?: unknown })?.message, 'string', where);
          }
        }
        for (const [what, pattern] of LEAKS) assert.ok(!pattern.test(res.body) || op.path === '/openapi.json' || op.path === '/metrics', `${what} in ${where}`);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // The fuzz reached the routes' logic, not only the validator.
    assert.ok([...statuses.keys()].some((s) => s < 300), JSON.stringify([...statuses]));
    assert.ok([...statuses.keys()].some((s) => s === 404), JSON.stringify([...statuses]));
  });

  it('the server is healthy afterwards and still predicts', async () => {
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
    const res = await app.inject({ method: 'POST', url: '/v1/models/fuzz/predict', payload: { instances: [{ f0: 0.1, f1: 0.2, f2: 0.3, f3: 0.4, f4: 0.5 }] } });
    assert.equal(res.statusCode, 200, res.body);
  });
});
