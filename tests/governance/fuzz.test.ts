import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestApp } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { registerTestModel } from '../serving/support.ts';
import type { AppInstance } from '../../src/http/app.ts';

/**
 * A bounded, seeded fuzz of every route of the OpenAPI document: wrong types, huge and
 * non-finite numbers, deep nesting, invalid UTF-8 and NUL, oversize bodies, path traversal and
 * SQL-looking text in path, query and body. Every answer must be below 500, in the service's error
 * shape when it is an error, and free of stack traces and SQL; the server must be healthy after.
 */
const SEED = 20261202;
const RUNS = 1500;
const BODY_LIMIT = 4096;

interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  pathParams: string[];
  query: Array<{ name: string; type: string }>;
  body: boolean;
}

/** Text meant to break something: encodings, traversal, SQL, numbers a parser chokes on. */
const HOSTILE = [
  '%00', 'a%00b', '%FF', '%C3%28', '%ED%A0%80', '%E2%82', '..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2f', '....//....//',
  "'%20OR%20'1'%3D'1", '1%3B%20DROP%20TABLE%20models--', '%22%3B--', '%5C', '%25', '%2525', '%0A', '%0D%0A', '%09', '%7F', '%E2%80%AE',
  'Infinity', '-Infinity', 'NaN', '1e309', '-1e309', '1e-400', '9999999999999999999999', '-1', '0', '0x10', '1.5', '%201', '1%20', '',
  'true', 'null', '[]', '%7B%7D', 'x'.repeat(3000), encodeURIComponent('ø'.repeat(300)), encodeURIComponent('😀'), 'champion', 'fuzz', '1', 'SYN', 'E0',
] as const;

/** Values that reach a route's logic when combined: names and ids that exist. */
const KNOWN = ['fuzz', 'champion', '1', '2', 'soccer-1x2-market', 'SYN', 'soccer', 'book', 'best', 'json', 'csv'];

const text = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.constantFrom(...KNOWN) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
);

/** JSON values of every type, including deep and wide ones and NUL/lone-surrogate strings. */
const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', "' OR 1=1 --", '../../etc/passwd', 'x'.repeat(5000), 1e308, -1e308, 2 ** 53 + 1, -0, 1e-320),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

function validBody(op: Operation): Record<string, unknown> {
  const key = `${op.method} ${op.path}`;
  if (key === 'POST /v1/training-jobs') return { model: 'fuzz-new', featureSet: 'soccer-1x2-market', trainTo: '2024-06-30', testFrom: '2024-07-01', testTo: '2025-06-30', params: { epochs: 1 } };
  if (key.startsWith('PUT /v1/models/{name}/aliases')) return { version: 1, actor: 'fuzz' };
  if (key === 'POST /v1/feature-sets/{name}/online') return { competition: 'SYN', home: 'a', away: 'b', kickoff: '2026-12-01T15:00:00Z' };
  if (key.endsWith('/predict')) return { instances: [{ f0: 0.1, f1: 0.2, f2: 0.3, f3: 0.4, f4: 0.5 }] };
  if (key.endsWith('/infer')) return { inputs: [{ name: 'features', shape: [1, 5], datatype: 'FP32', data: [0.1, 0.2, 0.3, 0.4, 0.5] }] };
  return {};
}

/** A request body: a valid one with one field broken, any JSON, deep nesting, oversize, bad JSON or bad UTF-8. */
function bodyArbitrary(op: Operation): fc.Arbitrary<{ payload: string | Buffer; contentType: string }> {
  const json = (v: unknown) => ({ payload: JSON.stringify(v) ?? 'null', contentType: 'application/json' });
  const base = validBody(op);
  const fields = Object.keys(base);
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...(fields.length ? fields : ['x'])), hostileJsonValue).map(([f, v]) => json({ ...base, [f]: v })) },
    { weight: 1, arbitrary: fc.constant(json(base)) },
    { weight: 2, arbitrary: hostileJsonValue.map(json) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((d) => ({ payload: '['.repeat(d) + ']'.repeat(d), contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 5000 }).map((d) => ({ payload: '{"a":'.repeat(d) + '1' + '}'.repeat(d), contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.constant({ payload: JSON.stringify({ ...base, pad: 'x'.repeat(BODY_LIMIT * 2) }), contentType: 'application/json' }) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":}', 'nul', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000').map((p) => ({ payload: p, contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.constant({ payload: Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]), contentType: 'application/json' }) },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x').map((contentType) => ({ payload: 'a=1', contentType })) },
  );
}

function requestArbitrary(ops: Operation[]) {
  return fc.constantFrom(...ops).chain((op) =>
    fc.record({
      op: fc.constant(op),
      params: fc.tuple(...op.pathParams.map(() => text), fc.constant('')),
      query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...(op.query.length ? op.query.map((q) => q.name) : ['x'])), fc.constantFrom('x', '__proto__', 'limit%00', '%FF')), text), { maxLength: 4 }),
      body: op.body ? bodyArbitrary(op).map((b) => b as { payload: string | Buffer; contentType: string } | undefined) : fc.constant(undefined),
    }),
  );
}

function urlOf(op: Operation, params: readonly string[], query: ReadonlyArray<readonly [string, string]>): string {
  let i = 0;
  const path = op.path.replace(/\{[^}]+\}/g, () => params[i++] ?? 'x');
  return query.length ? `${path}?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : path;
}

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
  before(async () => {
    t = await createTestPgDb('fuzz');
    await importSyntheticLeague(t.db, { seasons: 2 });
    await registerTestModel(t.db, { model: 'fuzz' });
    ({ app } = await createTestApp(t.db, { env: { SHARPLINE_RATE_LIMIT: 'off', SHARPLINE_BODY_LIMIT_BYTES: String(BODY_LIMIT), SHARPLINE_PREDICT_BODY_LIMIT_BYTES: String(BODY_LIMIT * 4) } }));
    const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string; schema?: { type?: string } }>; requestBody?: unknown }>> };
    ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, type: p.schema?.type ?? 'string' })),
        body: op.requestBody !== undefined,
      })),
    );
  });
  after(async () => {
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
          const parsed = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
          assert.equal(typeof parsed.error?.code, 'string', where);
          assert.equal(typeof parsed.error?.message, 'string', where);
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
