import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { deleteAlias, setAlias } from '../../registry/index.ts';
import { notifyAliasMoved } from '../../src/serving/index.ts';
import { assertRedisUp, createTestPgDb, TEST_REDIS_URL, type TestDb } from '../support/services.ts';
import { createServingApp, instanceOf, registerTestModel, type RegisteredTestModel } from './support.ts';

const NAMES = ['f0', 'f1', 'f2', 'f3', 'f4'];

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

describe('hot model swaps', () => {
  let t: TestDb;
  let v1: RegisteredTestModel;
  let v2: RegisteredTestModel;

  beforeAll(async () => {
    await assertRedisUp();
    t = await createTestPgDb('serving_swap');
    v1 = await registerTestModel(t.db, { model: 'swap', seed: 21 });
    v2 = await registerTestModel(t.db, { model: 'swap', seed: 22, alias: null });
  });
  afterAll(async () => t?.drop());

  it('promoting a version under load on two servers (Redis pub/sub) fails no request', async () => {
    // Polling is slowed right down so the swap on B can only come from the pub/sub message.
    const a = await createServingApp(t.db, { env: { REDIS_URL: TEST_REDIS_URL }, serving: { pollMs: 60_000, retireAfterMs: 200 } });
    const b = await createServingApp(t.db, { env: { REDIS_URL: TEST_REDIS_URL }, serving: { pollMs: 60_000, retireAfterMs: 200 } });
    let stop = false;
    let load: Promise<unknown> | undefined;
    try {
      await a.ctx.serving.cache.start();
      await b.ctx.serving.cache.start();
      const payload = { instances: [instanceOf(NAMES, v1.testX, 3)] };
      const seen = { a: new Set<number>(), b: new Set<number>() };
      let errors = 0;
      let requests = 0;
      const worker = async (name: 'a' | 'b') => {
        const { app } = name === 'a' ? a : b;
        while (!stop) {
          const res = await app.inject({ method: 'POST', url: '/v1/models/swap/predict', payload });
          requests++;
          if (res.statusCode !== 200) errors++;
          else seen[name].add(res.json().version);
        }
      };
      load = Promise.all([worker('a'), worker('a'), worker('a'), worker('b'), worker('b'), worker('b')]);
      // Both servers answer with version 1 before the promotion (bounded: a loaded machine's first requests are slow).
      await until(() => seen.a.size > 0 && seen.b.size > 0, 30_000);
      assert.deepEqual([...seen.a, ...seen.b].sort(), [1, 1]);

      await setAlias(t.db, 'swap', 'champion', v2.version.version, 'test');
      const notified = Date.now();
      await notifyAliasMoved(a.ctx, 'swap');
      const onB = await until(async () => {
        const s = b.ctx.serving.cache.resolve('swap');
        return (s instanceof Promise ? await s : s).version === 2;
      }, 15_000);
      await new Promise((r) => setTimeout(r, 400));
      stop = true;
      await load;

      assert.equal(errors, 0, `${errors} failed of ${requests}`);
      assert.ok(requests > 100, `only ${requests} requests`);
      assert.ok(seen.a.has(2) && seen.b.has(2), 'both servers serve the new version');
      // B polls once a minute here, so a swap within seconds can only be the pub/sub message; the bound
      // is loose because a loaded CI machine stretches every step, not because the swap is slow.
      assert.ok(Date.now() - notified < 15_000 && onB < 10_000, `B swapped after ${onB} ms`);
      const metrics = (await b.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /sharpline_model_cache_swaps_total\{model="swap",alias="champion"\} 1/);
    } finally {
      // The workers stop before the apps close, so a failed assertion above does not leave them injecting into a closed server.
      stop = true;
      await load?.catch(() => undefined);
      await a.app.close();
      await b.app.close();
      await a.ctx.serving.close();
      await b.ctx.serving.close();
      a.ctx.redis?.close();
      b.ctx.redis?.close();
    }
  });

  it('without Redis, polling the alias stamp swaps within about a second; a removed alias is a 404', async () => {
    const c = await createServingApp(t.db, { serving: { pollMs: 100 } });
    try {
      const payload = { instances: [instanceOf(NAMES, v1.testX, 0)] };
      const first = await c.app.inject({ method: 'POST', url: '/v1/models/swap/predict', payload });
      assert.equal(first.json().version, 2);
      await setAlias(t.db, 'swap', 'champion', 1, 'test');
      await until(async () => (await c.app.inject({ method: 'POST', url: '/v1/models/swap/predict', payload })).json().version === 1, 2000);

      await setAlias(t.db, 'swap', 'staging', 2, 'test');
      assert.equal((await c.app.inject({ method: 'POST', url: '/v1/models/swap/predict?alias=staging', payload })).json().version, 2);
      await deleteAlias(t.db, 'swap', 'staging', 'test');
      await until(async () => (await c.app.inject({ method: 'POST', url: '/v1/models/swap/predict?alias=staging', payload })).statusCode === 404, 2000);
      const gone = await c.app.inject({ method: 'POST', url: '/v1/models/swap/predict?alias=staging', payload });
      assert.equal(gone.json().error.code, 'MODEL_ALIAS_NOT_FOUND');
    } finally {
      await c.app.close();
      await c.ctx.serving.close();
    }
  });
});
