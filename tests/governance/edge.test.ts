import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createTestPgDb, uniqueName, TEST_REDIS_URL, assertRedisUp, startRedisServer, type TestDb } from '../support/services.ts';
import { createTestApp, createTestContext } from '../support/app.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import type { Principal } from '../../src/http/types.ts';

/**
 * Stands in for the auth hook (onRequest) until keys land: a test header names the key, so the
 * rate limit's key and role come from `request.principal` as they will in production.
 */
function principalFromTestHeader(app: AppInstance): void {
  app.addHook('onRequest', async (request) => {
    const header = request.headers['x-test-principal'];
    if (typeof header === 'string') {
      const [keyId, role] = header.split(':') as [string, Principal['role']];
      request.principal = { keyId, keyPrefix: `shl_${keyId.slice(0, 8)}`, role, name: keyId };
    }
  });
}

/** Closes what a context opened on Redis, leaving the suite's shared test database open. */
async function closeKeepingDb(ctx: AppContext): Promise<void> {
  await ctx.serving.close();
  await ctx.queues.close();
}

describe('the edge: security headers, CORS, rate limits, body bounds', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestPgDb('edge');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('every route of the OpenAPI document, /docs and a 404 carry the security headers', async () => {
    const { app } = await createTestApp(t.db, { env: { SHARPLINE_RATE_LIMIT: 'off' } });
    try {
      const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
      const urls = ['/docs', '/docs/', '/openapi.json', '/', '/no/such/route', ...Object.keys(doc.paths).map((p) => p.replace(/\{[^}]+\}/g, 'x'))];
      for (const url of urls) {
        const methods = Object.keys(doc.paths[Object.keys(doc.paths).find((p) => p.replace(/\{[^}]+\}/g, 'x') === url) ?? ''] ?? { get: 1 });
        for (const method of methods) {
          const res = await app.inject({ method: method.toUpperCase() as 'GET', url, ...(method === 'get' || method === 'delete' ? {} : { payload: {} }) });
          assert.match(String(res.headers['content-security-policy']), /default-src 'self'/, `${method} ${url}`);
          assert.equal(res.headers['x-content-type-options'], 'nosniff', `${method} ${url}`);
          assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${method} ${url}`);
          assert.ok(res.headers['strict-transport-security'], `${method} ${url}`);
          assert.equal(res.headers['x-powered-by'], undefined);
        }
      }
    } finally {
      await app.close();
    }
  });

  it('/docs still works under its CSP: every script and style it loads is same-origin and served, none inline', async () => {
    const { app } = await createTestApp(t.db, { env: { SHARPLINE_RATE_LIMIT: 'off' } });
    try {
      let res = await app.inject({ url: '/docs' });
      if (res.statusCode === 302) res = await app.inject({ url: new URL(String(res.headers.location), 'http://x/docs').pathname });
      assert.equal(res.statusCode, 200);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'(;|$)/);
      const html = res.body;
      const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].filter((m) => m[1]!.trim());
      assert.deepEqual(inline, [], 'no inline script (the CSP would block it)');
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((a) => !a.startsWith('#'));
      assert.ok(assets.some((a) => a.endsWith('.js')), html);
      for (const asset of assets) {
        assert.ok(!/^(https?:)?\/\//.test(asset), `${asset} is cross-origin`);
        const r = await app.inject({ url: new URL(asset, 'http://x/docs/').pathname });
        assert.equal(r.statusCode, 200, asset);
      }
    } finally {
      await app.close();
    }
  });

  it('CORS is off by default: a preflight gets no Access-Control headers', async () => {
    const { app } = await createTestApp(t.db, { env: { SHARPLINE_RATE_LIMIT: 'off' } });
    try {
      const res = await app.inject({ method: 'OPTIONS', url: '/v1/models', headers: { origin: 'https://desk.example.com', 'access-control-request-method': 'GET' } });
      assert.equal(res.statusCode, 404);
      assert.equal(res.headers['access-control-allow-origin'], undefined);
      const get = await app.inject({ url: '/v1/models', headers: { origin: 'https://desk.example.com' } });
      assert.equal(get.headers['access-control-allow-origin'], undefined);
    } finally {
      await app.close();
    }
  });

  it('CORS with SHARPLINE_CORS_ORIGINS: a preflight from an allowed origin is answered, another origin is not allowed', async () => {
    const { app } = await createTestApp(t.db, { env: { SHARPLINE_RATE_LIMIT: 'off', SHARPLINE_CORS_ORIGINS: 'https://desk.example.com' } });
    try {
      const ok = await app.inject({ method: 'OPTIONS', url: '/v1/models/x/predict', headers: { origin: 'https://desk.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
      assert.equal(ok.statusCode, 204);
      assert.equal(ok.headers['access-control-allow-origin'], 'https://desk.example.com');
      assert.match(String(ok.headers['access-control-allow-methods']), /POST/);
      assert.match(String(ok.headers['access-control-allow-headers']), /authorization/);
      const other = await app.inject({ method: 'OPTIONS', url: '/v1/models/x/predict', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
      assert.equal(other.headers['access-control-allow-origin'], undefined);
    } finally {
      await app.close();
    }
  });

  it('rate limit (in memory without REDIS_URL): 429 RATE_LIMITED with Retry-After per key by role, per address without a key; probes never limited', async () => {
    // Keys come from the test header here, so the access check is off (SHARPLINE_AUTH, issue 14's keys).
    const app = await buildApp(await createTestContext(t.db, { env: { SHARPLINE_AUTH: 'off', SHARPLINE_RATE_LIMIT: 'anonymous=3,app=5', SHARPLINE_RATE_LIMIT_WINDOW_SECONDS: '600' } }));
    principalFromTestHeader(app);
    await app.ready();
    try {
      const statuses = [];
      // Access is off here, so requests without a key pass and are counted per address (the Redis test
      // below shows refused keyless requests counted too).
      for (let i = 0; i < 4; i++) statuses.push((await app.inject({ url: '/v1/models' })).statusCode);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const limited = await app.inject({ url: '/v1/models' });
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.json().error.code, 'RATE_LIMITED');
      assert.equal(limited.headers['x-ratelimit-limit'], '3');
      assert.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 600, String(limited.headers['retry-after']));
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'probes pass');
      // An app key has its own, larger budget, counted per key.
      const app1 = [];
      for (let i = 0; i < 6; i++) app1.push((await app.inject({ url: '/v1/models', headers: { 'x-test-principal': 'key-one:app' } })).statusCode);
      assert.deepEqual(app1, [200, 200, 200, 200, 200, 429]);
      assert.equal((await app.inject({ url: '/v1/models', headers: { 'x-test-principal': 'key-two:app' } })).statusCode, 200, 'another key counts apart');
      assert.match((await app.inject({ url: '/v1/models', headers: { 'x-test-principal': 'key-one:app' } })).json().error.message, /key shl_key-one/);
    } finally {
      await app.close();
    }
  });

  it('rate limit on Redis when REDIS_URL is set: two servers of one deployment share the count under the deployment prefix', async () => {
    await assertRedisUp();
    const prefix = uniqueName('edge_rl');
    const env = { REDIS_URL: TEST_REDIS_URL, SHARPLINE_QUEUE_PREFIX: prefix, SHARPLINE_RATE_LIMIT: 'anonymous=4', SHARPLINE_RATE_LIMIT_WINDOW_SECONDS: '600' };
    const a = await createTestApp(t.db, { env });
    const b = await createTestApp(t.db, { env });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const statuses = [];
      // Without a key (the helper's admin key dropped): refused, and counted across both servers.
      for (const { app } of [a, b, a, b, a]) statuses.push((await app.inject({ url: '/v1/models', headers: { authorization: '' } })).statusCode);
      assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
      // One counter for the address, shared by both servers (the helper's warm-up request counts under its own key).
      const keys = (await redis.keys(`${prefix}:rate-limit:*`)).filter((k) => k.includes(':ip:'));
      assert.equal(keys.length, 1, keys.join(', '));
      const other = await createTestApp(t.db, { env: { ...env, SHARPLINE_QUEUE_PREFIX: `${prefix}_other` } });
      assert.equal((await other.app.inject({ url: '/v1/models' })).statusCode, 200, 'another deployment on the same Redis counts apart');
      await other.app.close();
      await closeKeepingDb(other.ctx);
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await a.app.close();
      await b.app.close();
      await closeKeepingDb(a.ctx);
      await closeKeepingDb(b.ctx);
    }
  });

  it('rate limit on a Redis that stops answering: requests pass uncounted and at once', async () => {
    const redis = await startRedisServer();
    const env = { REDIS_URL: redis.url, SHARPLINE_QUEUE_PREFIX: uniqueName('edge_down'), SHARPLINE_RATE_LIMIT: 'anonymous=2', SHARPLINE_RATE_LIMIT_WINDOW_SECONDS: '600' };
    const { app, ctx } = await createTestApp(t.db, { env });
    try {
      assert.equal((await app.inject({ url: '/v1/models' })).statusCode, 200);
      await redis.kill();
      for (let i = 0; i < 4; i++) assert.equal((await app.inject({ url: '/v1/models' })).statusCode, 200, 'Redis down: not limited, not failed');
    } finally {
      await app.close();
      await closeKeepingDb(ctx);
      await redis.dispose();
    }
  });

  it('request bodies are bounded per route: small by default, large for batch predictions', async () => {
    const { app } = await createTestApp(t.db, { env: { SHARPLINE_RATE_LIMIT: 'off', SHARPLINE_BODY_LIMIT_BYTES: '4096', SHARPLINE_PREDICT_BODY_LIMIT_BYTES: '1048576' } });
    try {
      const big = JSON.stringify({ model: 'm', description: 'x'.repeat(8000) });
      const training = await app.inject({ method: 'POST', url: '/v1/training-jobs', payload: big, headers: { 'content-type': 'application/json' } });
      assert.equal(training.statusCode, 413);
      assert.equal(training.json().error.code, 'PAYLOAD_TOO_LARGE');
      const rows = JSON.stringify({ instances: Array.from({ length: 400 }, () => ({ a: 1, b: 2 })) });
      assert.ok(rows.length > 4096);
      const predict = await app.inject({ method: 'POST', url: '/v1/models/nope/predict', payload: rows, headers: { 'content-type': 'application/json' } });
      assert.notEqual(predict.statusCode, 413, predict.body);
      const huge = JSON.stringify({ instances: Array.from({ length: 80_000 }, () => ({ a: 1, b: 2 })) });
      assert.equal((await app.inject({ method: 'POST', url: '/v1/models/nope/predict', payload: huge, headers: { 'content-type': 'application/json' } })).statusCode, 413);
    } finally {
      await app.close();
    }
  });

  it('training parameters are bounded in the spec schema: 8x4096 layers and 10^9 epochs are refused with a coded error', async () => {
    const { app } = await createTestApp(t.db, { env: { SHARPLINE_RATE_LIMIT: 'off' } });
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/training-jobs', payload: { model: 'm', featureSet: 'soccer-1x2-market', algo: 'mlp', trainTo: '2020-06-30', testFrom: '2020-07-01', testTo: '2021-06-30', params: { hidden: Array(8).fill(4096), epochs: 1e9 } } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.code, 'TRAINING_SPEC_INVALID');
      assert.match(res.json().error.message, /params\.hidden\[0\]/);
      assert.match(res.json().error.message, /params\.epochs/);
    } finally {
      await app.close();
    }
  });
});

describe('failed authentications per address', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestPgDb('edge_auth');
  });
  afterAll(async () => {
    await t.drop();
  });

  for (const store of ['memory', 'redis'] as const) {
    it(`an address with too many 401s is refused 429 before its key is checked (${store})`, async () => {
      const env: Record<string, string> = { SHARPLINE_RATE_LIMIT: 'anonymous=1000', SHARPLINE_AUTH_FAILURE_LIMIT: '3', SHARPLINE_RATE_LIMIT_WINDOW_SECONDS: '600' };
      if (store === 'redis') Object.assign(env, { REDIS_URL: TEST_REDIS_URL, SHARPLINE_QUEUE_PREFIX: uniqueName('edge_af') });
      const ctx = await createTestContext(t.db, { env });
      const app = await buildApp(ctx, { extraPolicy: { 'GET /test/deny': 'open' } });
      // Stands in for the auth hook refusing a bad key; counts how often it is reached.
      let checked = 0;
      app.get('/test/deny', { schema: { hide: true } }, async (_request, reply) => {
        checked++;
        return reply.code(401).send({ error: { code: 'VALIDATION_FAILED', message: 'bad key' } });
      });
      await app.ready();
      try {
        const statuses = [];
        for (let i = 0; i < 5; i++) statuses.push((await app.inject({ url: '/test/deny', remoteAddress: '10.7.0.1' })).statusCode);
        assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
        assert.equal(checked, 3, 'refused before the check');
        const other = await app.inject({ url: '/v1/models', remoteAddress: '10.7.0.1' });
        assert.equal(other.statusCode, 429, 'the address is refused on every route');
        assert.equal(other.json().error.code, 'RATE_LIMITED');
        assert.ok(Number(other.headers['retry-after']) > 0);
        // Another address is not limited: it gets the ordinary 401 of a request without a key.
        assert.equal((await app.inject({ url: '/v1/models', remoteAddress: '10.7.0.2' })).statusCode, 401, 'other addresses are not');
      } finally {
        await app.close();
        await closeKeepingDb(ctx);
      }
    });
  }
});
