import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { assertLowerCaseHeaders, createLazyCompilers } from '../../src/http/lazy-compilers.ts';

const RESPONSE = { 200: { type: 'object', properties: { n: { type: 'integer' }, name: { type: 'string' } }, required: ['n'] } } as const;
const QUERY = { type: 'object', properties: { limit: { type: 'integer', minimum: 1 } }, additionalProperties: false } as const;
const HEADERS = { type: 'object', properties: { 'x-actor': { type: 'string', minLength: 2 } } } as const;

async function appWith(lazy: boolean) {
  const compilers = createLazyCompilers();
  // No HEAD twins, so each route is one schema per part to count.
  const app = Fastify({ exposeHeadRoutes: false, ...(lazy ? { schemaController: { compilersFactory: compilers.compilersFactory } } : {}) });
  if (lazy) app.addHook('onRoute', assertLowerCaseHeaders);
  // Properties outside the schema are dropped and numbers coerced: the compiled serializer's doing.
  app.get('/a', { schema: { querystring: QUERY, headers: HEADERS, response: RESPONSE } }, async () => ({ n: '7', name: 'x', secret: 'not in the schema' }));
  app.get('/b', { schema: { response: RESPONSE } }, async () => ({ n: 1 }));
  await app.ready();
  return { app, compilers };
}

describe('route schemas compiled on first use (src/http/lazy-compilers.ts)', () => {
  it('nothing compiles at ready(); a request compiles its route\'s, and is answered as with the eager defaults', async () => {
    const { app, compilers } = await appWith(true);
    const eager = (await appWith(false)).app;
    try {
      assert.equal(compilers.pending, 4, 'a querystring, a headers and two response schemas');
      for (const url of ['/a?limit=2', '/a?limit=0', '/a?other=1']) {
        const [lazy, plain] = await Promise.all([app.inject(url), eager.inject(url)]);
        assert.deepEqual([lazy.statusCode, lazy.body], [plain.statusCode, plain.body], url);
      }
      const [lazy, plain] = await Promise.all([app.inject({ url: '/a', headers: { 'X-Actor': 'a' } }), eager.inject({ url: '/a', headers: { 'X-Actor': 'a' } })]);
      assert.deepEqual([lazy.statusCode, lazy.body], [plain.statusCode, plain.body], 'a header failing its schema');
      assert.equal(lazy.statusCode, 400);
      assert.equal((await app.inject('/a?limit=2')).body, '{"n":7,"name":"x"}');
      assert.equal(compilers.pending, 1, 'only /b\'s response schema is left');
    } finally {
      await Promise.all([app.close(), eager.close()]);
    }
  });

  it('warm() compiles the rest; schemas met after it compile at once', async () => {
    const { app, compilers } = await appWith(true);
    try {
      await compilers.warm();
      assert.equal(compilers.pending, 0);
      assert.equal((await app.inject('/b')).body, '{"n":1}');
      const late = compilers.compilersFactory.buildSerializer!({}, {})({ schema: RESPONSE[200], method: 'GET', url: '/late', httpStatus: '200' });
      assert.equal(compilers.pending, 0);
      assert.equal(late({ n: 2, other: true }), '{"n":2}');
    } finally {
      await app.close();
    }
  });

  it('a headers schema naming a header with capitals is refused at registration', async () => {
    const app = Fastify();
    app.addHook('onRoute', assertLowerCaseHeaders);
    try {
      assert.throws(() => app.get('/c', { schema: { headers: { type: 'object', properties: { 'X-Actor': { type: 'string' } } } } }, async () => 'ok'),
        /GET \/c: header names in its schema must be lower-case \(X-Actor\)/);
    } finally {
      await app.close();
    }
  });
});
