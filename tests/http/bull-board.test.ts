import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createTestPgDb, TEST_REDIS_URL, uniqueName, type TestDb } from '../support/services.ts';
import { createTestContext, createTestKey } from '../support/app.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import { createBullmqQueues, TRAINING_QUEUE } from '../../src/jobs/index.ts';
import { QUEUES_BOARD_CSP } from '../../src/http/routes/queues-board.routes.ts';
import type { AppContext } from '../../src/context.ts';

describe('/ui/queues: bull-board over the server\'s BullMQ queues (real Redis, real Postgres)', () => {
  let t: TestDb;
  let ctx: AppContext;
  let app: AppInstance;
  let admin: string;
  const prefix = uniqueName('bbq15-board');

  beforeAll(async () => {
    // A 10 s bound rather than the 2 s default: the first add loads BullMQ's scripts, and on a CI
    // machine running two test files at once that once took longer than 2 s (QUEUE_UNAVAILABLE).
    t = await createTestPgDb('bbq15_board');
    ctx = await createTestContext(t.db, { queues: createBullmqQueues(TEST_REDIS_URL, { prefix, timeoutMs: 10_000 }) });
    app = await buildApp(ctx);
    await app.ready();
    admin = await createTestKey(t.db, 'admin');
    await ctx.queues.add(TRAINING_QUEUE, 'train', { runId: 'bbq15' }, { jobId: 'bbq15-job' } as never);
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await t?.drop();
  });

  it('admin (Bearer): the page answers 200 with its own CSP, and the API lists the training queue with its job', async () => {
    const page = await app.inject({ method: 'GET', url: '/ui/queues/', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(page.statusCode, 200, page.body);
    assert.match(page.body, /<base href="\/ui\/queues\/?"/);
    assert.equal(page.headers['content-security-policy'], QUEUES_BOARD_CSP);
    // Its scripts come from this origin, under the same admin-only prefix.
    const script = /<script defer src="(static\/js\/main[^"]+)"/.exec(page.body)?.[1];
    assert.ok(script, 'no main script in the page');
    const asset = await app.inject({ method: 'GET', url: `/ui/queues/${script}`, headers: { authorization: `Bearer ${admin}` } });
    assert.equal(asset.statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: `/ui/queues/${script}` })).statusCode, 401);
    const api = await app.inject({ method: 'GET', url: '/ui/queues/api/queues', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(api.statusCode, 200, api.body);
    const names = (api.json() as { queues: Array<{ name: string; counts: Record<string, number> }> }).queues.map((q) => q.name);
    assert.ok(names.includes(TRAINING_QUEUE), `queues: ${names.join(', ')}`);
    const training = (api.json() as { queues: Array<{ name: string; counts: Record<string, number> }> }).queues.find((q) => q.name === TRAINING_QUEUE)!;
    assert.equal(training.counts.waiting, 1);
  });

  it('a browser signs in once with an admin key: HttpOnly SameSite=Strict cookie scoped to /ui/queues, then the API answers with it', async () => {
    const form = await app.inject({ method: 'GET', url: '/ui/queues/sign-in' });
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<form method="post" action="\/ui\/queues\/sign-in">/);
    const signIn = await app.inject({ method: 'POST', url: '/ui/queues/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `key=${encodeURIComponent(admin)}` });
    assert.equal(signIn.statusCode, 303, signIn.body);
    assert.equal(signIn.headers.location, '/ui/queues/');
    const cookie = String(signIn.headers['set-cookie']);
    assert.match(cookie, /^sharpline_queues=[^;]+; Path=\/ui\/queues; HttpOnly; SameSite=Strict/);
    const api = await app.inject({ method: 'GET', url: '/ui/queues/api/queues', headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(api.statusCode, 200, api.body);
    // The cookie is read under /ui/queues only.
    const elsewhere = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(elsewhere.statusCode, 401);
  });

  it('reviewer, scientist and app keys are refused 403 FORBIDDEN; no key 401 UNAUTHENTICATED; a non-admin cannot sign in', async () => {
    for (const role of ['reviewer', 'scientist', 'app'] as const) {
      const token = await createTestKey(t.db, role);
      for (const url of ['/ui/queues/', '/ui/queues/api/queues']) {
        const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.statusCode, 403, `${role} ${url}: ${res.body}`);
        assert.equal(res.json().error.code, 'FORBIDDEN');
      }
      const signIn = await app.inject({ method: 'POST', url: '/ui/queues/sign-in', payload: { key: token } });
      assert.equal(signIn.statusCode, 403, signIn.body);
      assert.equal(signIn.headers['set-cookie'], undefined);
    }
    for (const url of ['/ui/queues', '/ui/queues/', '/ui/queues/api/queues']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 401, `${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'UNAUTHENTICATED');
      assert.match(res.json().error.message, /sign in at \/ui\/queues\/sign-in/);
    }
    const bad = await app.inject({ method: 'POST', url: '/ui/queues/sign-in', payload: { key: 'shl_not_a_key' } });
    assert.equal(bad.statusCode, 401);
  });

  it('the console under /ui keeps the strict CSP of the rest of the service', async () => {
    for (const url of ['/ui/', '/healthz']) {
      const csp = String((await app.inject({ method: 'GET', url })).headers['content-security-policy']);
      assert.match(csp, /script-src 'self'(;|$)/, url);
      assert.notEqual(csp, QUEUES_BOARD_CSP, url);
      assert.doesNotMatch(csp, /googleapis/, url);
    }
  });
});

describe('/ui/queues with in-process queues (no REDIS_URL)', () => {
  let t: TestDb;
  let ctx: AppContext;
  let app: AppInstance;

  beforeAll(async () => {
    t = await createTestPgDb('bbq15_board_ip');
    ctx = await createTestContext(t.db);
    app = await buildApp(ctx);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await t?.drop();
  });

  it('admin gets 404 QUEUES_IN_PROCESS saying the queues run in-process; others are still refused', async () => {
    const admin = await createTestKey(t.db, 'admin');
    for (const url of ['/ui/queues', '/ui/queues/', '/ui/queues/api/queues']) {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${admin}` } });
      assert.equal(res.statusCode, 404, `${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'QUEUES_IN_PROCESS');
      assert.match(res.json().error.message, /in-process/);
    }
    const reviewer = await createTestKey(t.db, 'reviewer');
    assert.equal((await app.inject({ method: 'GET', url: '/ui/queues/', headers: { authorization: `Bearer ${reviewer}` } })).statusCode, 403);
    assert.equal((await app.inject({ method: 'GET', url: '/ui/queues/' })).statusCode, 401);
  });
});
