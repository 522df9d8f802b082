import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { AppError } from '../../core/errors.ts';
import { ALIAS_MOVED_CHANNEL } from '../../src/serving/index.ts';
import { moveAlias, removeAlias } from '../../src/services/index.ts';
import { assertRedisUp, createTestPgDb, TEST_REDIS_URL, type TestDb } from '../support/services.ts';
import { createServingApp, instanceOf, registerTestModel, type RegisteredTestModel } from '../serving/support.ts';
import { operatorActor } from '../../src/governance/index.ts';

const NAMES = ['f0', 'f1', 'f2', 'f3', 'f4'];

/** Resolves with the next announcement for `model` on the alias channel; rejects after `ms`. */
function nextAnnouncement(subscriber: Redis, model: string, ms = 5000): Promise<{ model: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no alias-move announcement for ${model} within ${ms} ms`)), ms);
    const onMessage = (_channel: string, message: string) => {
      const parsed = JSON.parse(message) as { model: string };
      if (parsed.model !== model) return;
      clearTimeout(timer);
      subscriber.off('message', onMessage);
      resolve(parsed);
    };
    subscriber.on('message', onMessage);
  });
}

describe('promotion and demotion: one use case for every edge', () => {
  let t: TestDb;
  let v1: RegisteredTestModel;
  let subscriber: Redis;
  const model = `promo-${process.pid}`;

  beforeAll(async () => {
    await assertRedisUp();
    t = await createTestPgDb('services_alias');
    v1 = await registerTestModel(t.db, { model, seed: 31 });
    await registerTestModel(t.db, { model, seed: 32, alias: null });
    subscriber = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    await subscriber.subscribe(ALIAS_MOVED_CHANNEL);
  });
  afterAll(async () => {
    subscriber?.disconnect();
    await t?.drop();
  });

  it('moving an alias announces it to every server and swaps this one at once', async () => {
    // Polling is off: the swap can only come from the move itself.
    const { app, ctx } = await createServingApp(t.db, { env: { REDIS_URL: TEST_REDIS_URL }, serving: { pollMs: 0 } });
    try {
      assert.equal((await ctx.serving.cache.resolve(model)).version, 1);
      const heard = nextAnnouncement(subscriber, model);
      const result = await moveAlias(ctx, { model, alias: 'champion', version: 2, actor: operatorActor('test') });
      assert.deepEqual([result.changed, result.previousVersion, result.alias.version], [true, 1, 2]);
      assert.equal((await heard).model, model);
      assert.equal((await ctx.serving.cache.resolve(model)).version, 2, 'this process serves the new champion without waiting for a poll');

      const again = await moveAlias(ctx, { model, alias: 'champion', version: 2, actor: operatorActor('test') });
      assert.equal(again.changed, false);

      const removedHeard = nextAnnouncement(subscriber, model);
      await moveAlias(ctx, { model, alias: 'challenger', version: 1, actor: operatorActor('test') });
      await removedHeard;
      const gone = nextAnnouncement(subscriber, model);
      assert.deepEqual(await removeAlias(ctx, { model, alias: 'challenger', actor: operatorActor('test') }), { model, alias: 'challenger', previousVersion: 1 });
      await gone;
      await assert.rejects(async () => ctx.serving.cache.resolve(model, { alias: 'challenger' }), (e: unknown) => e instanceof AppError && e.code === 'MODEL_ALIAS_NOT_FOUND');
    } finally {
      await app.close();
      await ctx.serving.close();
      ctx.redis?.close();
    }
  });

  it('HTTP reads name@version and name@alias through the same parser, and refuses two selectors', async () => {
    const { app, ctx } = await createServingApp(t.db, { serving: { pollMs: 0 } });
    try {
      const payload = { instances: [instanceOf(NAMES, v1.testX, 0)] };
      const byNumber = await app.inject({ method: 'POST', url: `/v1/models/${model}@1/predict`, payload });
      assert.equal(byNumber.statusCode, 200, byNumber.body);
      assert.equal(byNumber.json().version, 1);
      const byAlias = await app.inject({ method: 'POST', url: `/v1/models/${model}@champion/predict`, payload });
      assert.equal(byAlias.json().version, 2);
      const both = await app.inject({ method: 'POST', url: `/v1/models/${model}@1/predict?alias=champion`, payload });
      assert.equal(both.statusCode, 400);
      assert.equal(both.json().error.code, 'VALIDATION_FAILED');
      const v2 = await app.inject({ method: 'GET', url: `/v2/models/${model}/versions/1` });
      assert.equal(v2.json().parameters.version, 1);
    } finally {
      await app.close();
      await ctx.serving.close();
    }
  });
});
