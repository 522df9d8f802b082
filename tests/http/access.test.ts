import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestContext, createTestKey } from '../support/app.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import { ROUTE_POLICY, accessOf } from '../../src/http/policy.ts';
import { createKey, revokeKey, rotateKey, operatorActor, KEY_ROLES, type KeyRole } from '../../src/governance/index.ts';
import type { AppContext } from '../../src/context.ts';

/** Values for path parameters: they need not exist (a 404 is an allowed answer, not a 401/403). */
const PARAMS: Record<string, string> = { name: 'no-such-model', v: '1', alias: 'challenger', id: '1', key: 'shl_00000000' };

function concrete(path: string): string {
  return path.replace(/\{([^}]+)\}/g, (_, p: string) => PARAMS[p] ?? 'x');
}

describe('access: every route of the OpenAPI document, with every role and with no key', () => {
  let t: TestDb;
  let ctx: AppContext;
  let app: AppInstance;
  const tokens = new Map<KeyRole, string>();
  let routes: Array<{ method: string; path: string; url: string }> = [];

  beforeAll(async () => {
    t = await createTestPgDb('access');
    ctx = await createTestContext(t.db);
    app = await buildApp(ctx);
    await app.ready();
    for (const role of KEY_ROLES) tokens.set(role, await createTestKey(t.db, role));
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).filter((m) => ['get', 'post', 'put', 'delete', 'patch'].includes(m)).map((m) => ({ method: m.toUpperCase(), path: path.replace(/\{([^}]+)\}/g, ':$1'), url: concrete(path) })),
    );
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await t.drop();
  });

  it('the OpenAPI document lists every route of the policy table (no stale entries), and each has a policy', () => {
    const documented = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const hidden = new Set(['GET /openapi.json']);
    for (const route of Object.keys(ROUTE_POLICY)) if (!hidden.has(route)) assert.ok(documented.has(route), `${route} is in the policy table but not a route`);
    for (const r of routes) assert.ok(accessOf(r.method, r.path), `${r.method} ${r.path} has no policy`);
    assert.ok(routes.length >= 50, `only ${routes.length} routes found`);
  });

  it('no key: 401 UNAUTHENTICATED with WWW-Authenticate on every guarded route; open routes answer', async () => {
    for (const r of routes) {
      const res = await app.inject({ method: r.method as 'GET', url: r.url, payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
      const access = accessOf(r.method, r.path)!;
      if (access === 'open' || access === 'metrics' || access === 'docs') {
        assert.ok(![401, 403].includes(res.statusCode), `${r.method} ${r.url} is open but answered ${res.statusCode}`);
      } else {
        assert.equal(res.statusCode, 401, `${r.method} ${r.url} without a key answered ${res.statusCode}`);
        // The Open Inference Protocol's routes answer its own error object, { error: "<message>" }.
        if (r.path === '/v2' || r.path.startsWith('/v2/')) assert.match(res.json().error, /needs an API key/);
        // MLflow's routes answer MLflow's error body, { error_code, message }.
        else if (r.path.startsWith('/api/2.0/mlflow/')) assert.equal(res.json().error_code, 'UNAUTHENTICATED');
        else assert.equal(res.json().error.code, 'UNAUTHENTICATED');
        assert.equal(res.headers['www-authenticate'], 'Bearer realm="sharpline"');
      }
    }
  });

  it('each role: 403 FORBIDDEN where the table does not allow it, never 401/403 where it does', async () => {
    let allowed = 0;
    let forbidden = 0;
    for (const role of KEY_ROLES) {
      for (const r of routes) {
        const res = await app.inject({ method: r.method as 'GET', url: r.url, headers: { authorization: `Bearer ${tokens.get(role)}` }, payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
        const access = accessOf(r.method, r.path)!;
        const ok = typeof access === 'string' || (access as readonly string[]).includes(role);
        if (ok) {
          allowed += 1;
          assert.ok(![401, 403].includes(res.statusCode), `${role} ${r.method} ${r.url} is allowed but answered ${res.statusCode} ${res.body.slice(0, 200)}`);
        } else {
          forbidden += 1;
          assert.equal(res.statusCode, 403, `${role} ${r.method} ${r.url} is not allowed but answered ${res.statusCode}`);
          const body = res.json();
          if (typeof body.error === 'string') assert.match(body.error, new RegExp(`role ${role} may not`));
          else if (body.error_code) {
            assert.equal(body.error_code, 'PERMISSION_DENIED');
            assert.match(body.message, new RegExp(`role ${role} may not`));
          } else {
            assert.equal(body.error.code, 'FORBIDDEN');
            assert.match(body.error.message, new RegExp(`role ${role} may not`));
          }
        }
      }
    }
    assert.ok(allowed > 0 && forbidden > 0);
  });

  it('the issue\'s roles: app predicts and reads models only; reviewer reads and decides; scientist changes; admin holds keys', () => {
    const may = (role: KeyRole, route: string) => {
      const a = ROUTE_POLICY[route]!;
      return typeof a === 'string' || a.includes(role);
    };
    assert.ok(may('app', 'POST /v1/models/:name/predict') && may('app', 'GET /v1/models/:name'));
    assert.ok(!may('app', 'GET /v1/games') && !may('app', 'GET /v1/models/:name/versions/:v/predictions') && !may('app', 'POST /v1/training-jobs'));
    assert.ok(may('reviewer', 'GET /v1/games') && may('reviewer', 'POST /v1/proposals/:id/approve') && !may('reviewer', 'POST /v1/training-jobs'));
    assert.ok(may('scientist', 'POST /v1/training-jobs') && may('scientist', 'POST /v1/models/:name/proposals') && !may('scientist', 'POST /v1/proposals/:id/approve'));
    assert.ok(!may('scientist', 'POST /v1/keys') && may('admin', 'POST /v1/keys') && !may('reviewer', 'GET /v1/keys'));
  });

  it('a route registered without a policy fails start-up, naming it', async () => {
    const bare = await buildApp(ctx);
    bare.get('/v1/unguarded', async () => ({ ok: true }));
    await assert.rejects(async () => { await bare.ready(); }, /routes without an access policy in src\/http\/policy\.ts: GET \/v1\/unguarded/);
  });

  it('bad keys: malformed header, unknown key, wrong secret, revoked, expired — all 401 naming why', async () => {
    const probe = (authorization: string) => app.inject({ method: 'GET', url: '/v1/models', headers: { authorization } });
    assert.match((await probe('Basic abc')).json().error.message, /must be "Bearer <API key>"/);
    assert.match((await probe('Bearer nope')).json().error.message, /not a Sharpline API key/);
    const token = tokens.get('app')!;
    const wrong = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await probe(`Bearer ${wrong}`)).statusCode, 401);
    const { token: doomed, key } = await createKey(t.db, operatorActor('tests'), { name: 'doomed', role: 'app' });
    assert.equal((await probe(`Bearer ${doomed}`)).statusCode, 200);
    await revokeKey(t.db, operatorActor('tests'), key.prefix);
    app.keyCache.clear();
    const revoked = await probe(`Bearer ${doomed}`);
    assert.equal(revoked.statusCode, 401);
    assert.match(revoked.json().error.message, /is revoked/);
    const { token: old, key: rotating } = await createKey(t.db, operatorActor('tests'), { name: 'rotating', role: 'app' });
    const { token: fresh } = await rotateKey(t.db, operatorActor('tests'), rotating.prefix);
    app.keyCache.clear();
    assert.equal((await probe(`Bearer ${old}`)).statusCode, 401);
    assert.equal((await probe(`Bearer ${fresh}`)).statusCode, 200);
    const { token: short, key: shortKey } = await createKey(t.db, operatorActor('tests'), { name: 'short-lived', role: 'app', expires: '1m' });
    await t.db.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [shortKey.id]);
    assert.match((await probe(`Bearer ${short}`)).json().error.message, /is expired/);
  });

  it('a cached key revoked or rotated through the API stops working on the very next request', async () => {
    const admin = `Bearer ${tokens.get('admin')!}`;
    const probe = (token: string) => app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${token}` } });
    const { token, key } = await createKey(t.db, operatorActor('tests'), { name: 'cached-then-revoked', role: 'app' });
    // Concurrent first requests share one verification, and each is let in by it.
    const first = await Promise.all(Array.from({ length: 8 }, () => probe(token)));
    assert.deepEqual(first.map((r) => r.statusCode), Array(8).fill(200));
    assert.equal((await probe(token)).statusCode, 200, 'cached');
    assert.equal((await app.inject({ method: 'DELETE', url: `/v1/keys/${key.prefix}`, headers: { authorization: admin } })).statusCode, 200);
    const revoked = await probe(token);
    assert.equal(revoked.statusCode, 401);
    assert.match(revoked.json().error.message, /is revoked/);
    const { token: old, key: rotating } = await createKey(t.db, operatorActor('tests'), { name: 'cached-then-rotated', role: 'app' });
    assert.equal((await probe(old)).statusCode, 200);
    const rotated = await app.inject({ method: 'POST', url: `/v1/keys/${rotating.prefix}/rotate`, headers: { authorization: admin } });
    assert.equal(rotated.statusCode, 200);
    assert.equal((await probe(old)).statusCode, 401);
    assert.equal((await probe(rotated.json().token)).statusCode, 200);
  });

  it('SHARPLINE_AUTH=off opens everything; /metrics and /docs need a key when configured so', async () => {
    const offCtx = await createTestContext(t.db, { env: { SHARPLINE_AUTH: 'off' } });
    const off = await buildApp(offCtx);
    assert.equal((await off.inject({ method: 'GET', url: '/v1/models' })).statusCode, 200);
    await off.close();
    const closedCtx = await createTestContext(t.db, { env: { SHARPLINE_METRICS_ACCESS: 'key', SHARPLINE_DOCS_ACCESS: 'key' } });
    const closed = await buildApp(closedCtx);
    for (const url of ['/metrics', '/openapi.json', '/docs']) {
      assert.equal((await closed.inject({ method: 'GET', url })).statusCode, 401, url);
      const withKey = await closed.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens.get('app')}` } });
      assert.ok(withKey.statusCode < 400, `${url} with a key: ${withKey.statusCode}`);
    }
    assert.equal((await closed.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    await closed.close();
  });

  it('keys are stored as scrypt hashes only; the listing never shows a secret', async () => {
    const { rows } = await t.db.query<{ hash: string }>('SELECT hash FROM api_keys');
    for (const row of rows) {
      assert.match(row.hash, /^scrypt\$16384\$8\$1\$/);
      for (const token of tokens.values()) assert.ok(!row.hash.includes(token.slice('shl_00000000_'.length)));
    }
    const list = await app.inject({ method: 'GET', url: '/v1/keys', headers: { authorization: `Bearer ${tokens.get('admin')}` } });
    for (const token of tokens.values()) assert.ok(!list.body.includes(token));
  });
});
