import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { createTestPgDb, createTestPgliteDb, type TestDb } from '../support/services.ts';
import { createTestContext } from '../support/app.ts';
import type { AppInstance } from '../../src/http/app.ts';
import { AppError } from '../../core/errors.ts';
import type { AppContext } from '../../src/context.ts';
import { createBullmqQueues } from '../../src/jobs/index.ts';
import { freePort } from '../support/services.ts';
import { buildTestApp } from '../support/app.ts';

describe('HTTP app', () => {
  let t: TestDb;
  let ctx: AppContext;
  let app: AppInstance;
  beforeAll(async () => {
    t = await createTestPgDb('http');
    ctx = await createTestContext(t.db);
    app = await buildTestApp(ctx, { extraPolicy: { 'POST /test/echo': 'open' } });
    // A probe route to exercise validation and error mapping end to end.
    app.post('/test/echo', {
      schema: { body: Type.Object({ n: Type.Number(), tag: Type.String() }, { additionalProperties: false }) },
    }, async (request) => {
      if (request.body.tag === 'missing') throw new AppError('MODEL_NOT_FOUND', 'no model called missing', { details: { name: 'missing' } });
      if (request.body.tag === 'crash') throw new Error('secret internals');
      return { n: request.body.n };
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await t.drop();
  });

  it('GET / points to the docs, the OpenAPI document and health (JSON, or a page for a browser)', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    const hrefs = (res.json() as { links: Array<{ href: string }> }).links.map((l) => l.href);
    for (const href of ['/docs', '/openapi.json', '/healthz']) assert.ok(hrefs.includes(href), href);
    const page = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /<a href="\/docs">/);
  });

  it('GET /healthz is live', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
    assert.ok(res.headers['x-request-id']);
  });

  it('GET /readyz checks the database', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().checks.database, 'ok');
  });

  it('GET /readyz answers 503 naming Redis when the queue backend is down', async () => {
    // A real BullMQ client pointed at a port nothing listens on.
    const downQueues = createBullmqQueues(`redis://127.0.0.1:${await freePort()}`, { prefix: 'readyz-test' });
    const down = await buildTestApp({ ...ctx, queues: downQueues });
    const res = await down.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.match(res.json().status, /queue/);
    assert.match(res.json().checks.queue, /Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\)/);
    await down.close();
    await downQueues.close();
  });

  it('serves OpenAPI generated from route schemas, and a docs page', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(spec.openapi, '3.1.0');
    assert.ok(spec.paths['/healthz']);
    assert.ok(spec.paths['/readyz']);
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /swagger/i);
  });

  it('maps validation failures to 400 with each problem named', async () => {
    const res = await app.inject({ method: 'POST', url: '/test/echo', payload: { n: 'x', extra: 1 } });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.error.code, 'VALIDATION_FAILED');
    const paths = body.error.details.map((d: { path: string }) => d.path).join(' ');
    assert.match(paths, /extra/);
    assert.match(paths, /tag/);
  });

  it('maps malformed JSON to 400, never 500', async () => {
    const res = await app.inject({ method: 'POST', url: '/test/echo', payload: '{"n": 1,', headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'VALIDATION_FAILED');
  });

  it('maps AppError codes through the one status table', async () => {
    const res = await app.inject({ method: 'POST', url: '/test/echo', payload: { n: 1, tag: 'missing' } });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { error: { code: 'MODEL_NOT_FOUND', message: 'no model called missing', details: { name: 'missing' } } });
  });

  it('hides internals of unexpected errors behind a 500 INTERNAL', async () => {
    const res = await app.inject({ method: 'POST', url: '/test/echo', payload: { n: 1, tag: 'crash' } });
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().error.code, 'INTERNAL');
    assert.doesNotMatch(res.body, /secret/);
  });

  it('answers unknown routes with 404 NOT_FOUND in the error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
  });

  it('echoes a caller-supplied request id', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(res.headers['x-request-id'], 'abc-123');
  });
});

describe('HTTP app on the embedded database', () => {
  it('is ready on PGlite', async () => {
    const t = await createTestPgliteDb();
    const ctx = await createTestContext(t.db);
    const app = await buildTestApp(ctx);
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200);
    await app.close();
    await t.drop();
  });
});
