import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { INSTANCE_TABLE } from '../../src/http/instance-table.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { createTestPgliteDb, type TestDb } from '../support/services.ts';
import { createTestContext } from '../support/app.ts';

describe('the JSON body parser gives a table only to a route that takes one', () => {
  // The embedded database: the parser is all this reads, no model is served.
  let t: TestDb, ctx: AppContext, app: AppInstance;
  beforeAll(async () => {
    t = await createTestPgliteDb();
    ctx = await createTestContext(t.db);
    app = await buildApp(ctx, { extraPolicy: { 'POST /test/table': 'open', 'POST /test/plain': 'open' } });
    const probe = async (request: { body: unknown }) => {
      const body = request.body as { [INSTANCE_TABLE]?: { rows: number; columns: string[] } } & Record<string, unknown>;
      const table = body[INSTANCE_TABLE];
      return table ? { table: { rows: table.rows, columns: table.columns } } : { keys: Object.keys(body) };
    };
    app.post('/test/table', { config: { instanceTable: true } }, probe);
    app.post('/test/plain', probe);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.serving.close();
    await t?.drop();
  });

  it('the predict route\'s form becomes a table there, plain JSON elsewhere and for any other body', async () => {
    const send = (url: string, payload: string) => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });
    const batch = '{"instances":[{"a":1,"b":2},{"a":3,"b":4}]}';
    assert.deepEqual((await send('/test/table', batch)).json(), { table: { rows: 2, columns: ['a', 'b'] } });
    assert.deepEqual((await send('/test/plain', batch)).json(), { keys: ['instances'] });
    assert.deepEqual((await send('/test/table', '{"instances":[{"a":"1"}]}')).json(), { keys: ['instances'] });
    // The generic parser's checks still apply to what the table reader leaves to it.
    assert.equal((await send('/test/table', '{"instances":[{"__proto__":{"x":1}}]}')).statusCode, 400);
    assert.equal((await send('/test/table', '{"instances":[{"a":1}]')).statusCode, 400);
  });
});
