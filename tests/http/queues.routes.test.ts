import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPgDb, TEST_REDIS_URL, uniqueName, type TestDb } from '../support/services.ts';
import { createTestApp } from '../support/app.ts';
import { createBullmqQueues, type JobQueues } from '../../src/jobs/index.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';

describe('the queue dashboard (bull-board at /ui/queues, BullMQ on real Redis)', () => {
  let t: TestDb;
  let queues: JobQueues;
  let app: AppInstance;
  let ctx: AppContext;
  before(async () => {
    t = await createTestPgDb('queuesui');
    queues = createBullmqQueues(TEST_REDIS_URL, { prefix: uniqueName('queuesui') });
    ({ app, ctx } = await createTestApp(t.db, { queues }));
  });
  after(async () => {
    await app.close();
    await ctx.close();
    await t.drop();
  });

  it('refuses the dashboard without a ticket, with a coded 401 saying where to open it', async () => {
    const res = await app.inject({ method: 'GET', url: '/ui/queues/' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'QUEUE_DASHBOARD_TICKET_REQUIRED');
    const forged = await app.inject({ method: 'GET', url: '/ui/queues/api/queues', headers: { cookie: `sharpline_queues=${Math.floor(Date.now() / 1000) + 600}.forged` } });
    assert.equal(forged.statusCode, 401);
  });

  it('opens with a ticket from POST /v1/queues/session: the page, and the training queue in its API', async () => {
    const ticket = await app.inject({ method: 'POST', url: '/v1/queues/session' });
    assert.equal(ticket.statusCode, 204);
    const cookie = String(ticket.headers['set-cookie']);
    assert.match(cookie, /HttpOnly; SameSite=Strict/);
    assert.match(cookie, /Path=\/ui\/queues/);
    const value = cookie.split(';')[0]!;
    const page = await app.inject({ method: 'GET', url: '/ui/queues/', headers: { cookie: value } });
    assert.equal(page.statusCode, 200, page.body.slice(0, 300));
    assert.match(page.body, /<html/i);
    const api = await app.inject({ method: 'GET', url: '/ui/queues/api/queues', headers: { cookie: value } });
    assert.equal(api.statusCode, 200, api.body.slice(0, 300));
    assert.ok((api.json().queues as Array<{ name: string }>).some((q) => q.name === 'training'), api.body.slice(0, 300));
  });

  it('says the dashboard is unavailable when jobs run in-process', async () => {
    const other = await createTestApp(t.db);
    try {
      const res = await other.app.inject({ method: 'POST', url: '/v1/queues/session' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'QUEUE_DASHBOARD_UNAVAILABLE');
    } finally {
      await other.app.close();
      await other.ctx.serving.close();
    }
  });
});
