import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { createLazySerializers } from '../../src/http/lazy-compilers.ts';

const RESPONSE = { 200: { type: 'object', properties: { n: { type: 'integer' }, name: { type: 'string' } }, required: ['n'] } } as const;

async function appWith(lazy: boolean) {
  const serializers = createLazySerializers();
  // No HEAD twins, so each route is one schema to count.
  const app = Fastify({ exposeHeadRoutes: false, ...(lazy ? { schemaController: { compilersFactory: serializers.compilersFactory } } : {}) });
  // Properties outside the schema are dropped and numbers coerced: the compiled serializer's doing.
  app.get('/a', { schema: { response: RESPONSE } }, async () => ({ n: '7', name: 'x', secret: 'not in the schema' }));
  app.get('/b', { schema: { response: RESPONSE } }, async () => ({ n: 1 }));
  await app.ready();
  return { app, serializers };
}

describe('response serializers compiled on first use (src/http/lazy-compilers.ts)', () => {
  it('nothing compiles at ready(); a response compiles its own, and answers as the eager default does', async () => {
    const { app, serializers } = await appWith(true);
    const eager = (await appWith(false)).app;
    try {
      assert.equal(serializers.pending, 2);
      const [lazyA, eagerA] = await Promise.all([app.inject('/a'), eager.inject('/a')]);
      assert.equal(lazyA.body, eagerA.body);
      assert.equal(lazyA.body, '{"n":7,"name":"x"}');
      assert.equal(serializers.pending, 1, 'only /a compiled');
    } finally {
      await Promise.all([app.close(), eager.close()]);
    }
  });

  it('warm() compiles the rest; routes added after it compile at once', async () => {
    const { app, serializers } = await appWith(true);
    try {
      await serializers.warm();
      assert.equal(serializers.pending, 0);
      assert.equal((await app.inject('/b')).body, '{"n":1}');
      const late = serializers.compilersFactory.buildSerializer({}, {})({ schema: RESPONSE[200], method: 'GET', url: '/late', httpStatus: '200' });
      assert.equal(serializers.pending, 0);
      assert.equal(late({ n: 2, other: true }), '{"n":2}');
    } finally {
      await app.close();
    }
  });
});
