import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AppError } from '../../core/index.ts';
import { changeSaved, openSaved, removeSaved, runSaved, saveQuery, savedQueryOwner } from '../../src/services/index.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { createTestContext, createTestKey } from '../support/app.ts';
import { BIN } from '../support/cli.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { TEST_DATABASE_URL, createTestPgDb, createTestPgliteDb, postgresReachable, type TestDb } from '../support/services.ts';

// Postgres is a requirement, never a reason to skip: this throws, naming the address, when it is down.
await postgresReachable();
const run = promisify(execFile);

let t: TestDb;
let ctx: AppContext;
let app: AppInstance;
const keys: Record<'alice' | 'bob' | 'reviewer' | 'app', string> = { alice: '', bob: '', reviewer: '', app: '' };
let games = 0;

const HOME_WIN_BY_SEASON = { groupBy: ['season'], measures: [{ kind: 'winRate' }, { kind: 'mean', column: 'marketProb' }] };
const CHART = { type: 'line', x: 'season', y: ['winRate', 'mean_marketProb'] };
const PAYLOADS = ["'; DROP TABLE saved_queries; --", "x' OR '1'='1", '1); DELETE FROM games; --', '" OR ""="', '$1; SELECT pg_sleep(10)', "') UNION SELECT hash FROM api_keys --", '../../etc/passwd', '%27%20OR%201%3D1'];

beforeAll(async () => {
  t = await createTestPgDb('exb16_saved');
  games = (await importSyntheticLeague(t.db, { seasons: 3 })).summary.inserted;
  ctx = await createTestContext(t.db);
  app = await buildApp(ctx);
  await app.ready();
  keys.alice = await createTestKey(t.db, 'scientist', 'alice');
  keys.bob = await createTestKey(t.db, 'scientist', 'bob');
  keys.reviewer = await createTestKey(t.db, 'reviewer', 'rita');
  keys.app = await createTestKey(t.db, 'app', 'an-app');
}, 120_000);
afterAll(async () => {
  await app?.close();
  await ctx?.close();
  await t?.drop();
});

const as = (who: keyof typeof keys) => ({ authorization: `Bearer ${keys[who]}` });
const count = async (table: string) => Number((await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

describe('saved queries and charts: per key, shared by link', () => {
  test('save a chart, list it, open it by its link from another key, run it; the list is per key', async () => {
    const saved = await app.inject({ method: 'POST', url: '/v1/saved-queries', headers: as('alice'), payload: { name: 'Home wins by season', spec: HOME_WIN_BY_SEASON, chart: CHART } });
    assert.equal(saved.statusCode, 201, saved.body);
    const body = saved.json();
    assert.match(body.shareId, /^[A-Za-z0-9_-]{16}$/);
    assert.equal(body.kind, 'chart');
    assert.equal(body.mine, true);
    assert.equal(body.link, `/ui/#/explore?share=${body.shareId}`);
    assert.deepEqual(body.chart, CHART);
    assert.deepEqual(body.spec, HOME_WIN_BY_SEASON);

    const plain = await app.inject({ method: 'POST', url: '/v1/saved-queries', headers: as('alice'), payload: { name: 'all games', spec: { measures: [{ kind: 'count' }] } } });
    assert.equal(plain.statusCode, 201, plain.body);
    assert.equal(plain.json().kind, 'query');

    const mine = (await app.inject({ method: 'GET', url: '/v1/saved-queries', headers: as('alice') })).json().saved;
    assert.deepEqual(mine.map((s: { name: string }) => s.name).sort(), ['Home wins by season', 'all games']);
    const charts = (await app.inject({ method: 'GET', url: '/v1/saved-queries?kind=chart', headers: as('alice') })).json().saved;
    assert.deepEqual(charts.map((s: { name: string }) => s.name), ['Home wins by season']);
    assert.deepEqual((await app.inject({ method: 'GET', url: '/v1/saved-queries', headers: as('bob') })).json().saved, [], "bob's list holds only bob's");

    const opened = await app.inject({ method: 'GET', url: `/v1/saved-queries/${body.shareId}`, headers: as('reviewer') });
    assert.equal(opened.statusCode, 200, opened.body);
    assert.equal(opened.json().mine, false);
    assert.deepEqual(opened.json().chart, CHART);
    const ran = await app.inject({ method: 'POST', url: `/v1/saved-queries/${body.shareId}/run`, headers: as('bob') });
    assert.equal(ran.statusCode, 200, ran.body);
    assert.equal(ran.json().rows.length, 3, 'three seasons');
    assert.equal(ran.json().saved.name, 'Home wins by season');
    const direct = await app.inject({ method: 'POST', url: '/v1/queries', headers: as('bob'), payload: HOME_WIN_BY_SEASON });
    assert.deepEqual(ran.json().rows, direct.json().rows, 'the saved document answers what the document answers');

    // An app key reads models only: it can neither save nor open a link.
    assert.equal((await app.inject({ method: 'GET', url: `/v1/saved-queries/${body.shareId}`, headers: as('app') })).statusCode, 403);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/saved-queries', headers: as('app'), payload: { name: 'x', spec: HOME_WIN_BY_SEASON } })).statusCode, 403);
  });

  test("one key cannot change or delete another's saved query; the owner can; the name is unique per key", async () => {
    const { shareId } = (await app.inject({ method: 'POST', url: '/v1/saved-queries', headers: as('alice'), payload: { name: 'mine only', spec: { measures: [{ kind: 'count' }] } } })).json();
    for (const who of ['bob', 'reviewer'] as const) {
      const put = await app.inject({ method: 'PUT', url: `/v1/saved-queries/${shareId}`, headers: as(who), payload: { name: 'hijacked', spec: { measures: [{ kind: 'roi' }] } } });
      assert.equal(put.statusCode, 403, put.body);
      assert.equal(put.json().error.code, 'SAVED_QUERY_NOT_OWNER');
      const del = await app.inject({ method: 'DELETE', url: `/v1/saved-queries/${shareId}`, headers: as(who) });
      assert.equal(del.statusCode, 403, del.body);
      assert.equal(del.json().error.code, 'SAVED_QUERY_NOT_OWNER');
    }
    const still = (await app.inject({ method: 'GET', url: `/v1/saved-queries/${shareId}`, headers: as('bob') })).json();
    assert.equal(still.name, 'mine only');
    assert.deepEqual(still.spec, { measures: [{ kind: 'count' }] });

    // Same name: refused for alice, allowed for bob (names are per key).
    const again = await app.inject({ method: 'POST', url: '/v1/saved-queries', headers: as('alice'), payload: { name: 'mine only', spec: { measures: [{ kind: 'roi' }] } } });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'SAVED_QUERY_NAME_TAKEN');
    assert.equal((await app.inject({ method: 'POST', url: '/v1/saved-queries', headers: as('bob'), payload: { name: 'mine only', spec: { measures: [{ kind: 'roi' }] } } })).statusCode, 201);

    const renamed = await app.inject({ method: 'PUT', url: `/v1/saved-queries/${shareId}`, headers: as('alice'), payload: { name: 'renamed', spec: { measures: [{ kind: 'roi' }] }, chart: { type: 'bar', x: 'roi', y: ['roi'] } } });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json().shareId, shareId, 'the link survives a change');
    assert.equal(renamed.json().kind, 'chart');
    const clash = await app.inject({ method: 'PUT', url: `/v1/saved-queries/${shareId}`, headers: as('alice'), payload: { name: 'all games', spec: { measures: [{ kind: 'count' }] } } });
    assert.equal(clash.statusCode, 409, 'renaming onto another of hers');

    const deleted = await app.inject({ method: 'DELETE', url: `/v1/saved-queries/${shareId}`, headers: as('alice') });
    assert.equal(deleted.statusCode, 200);
    const gone = await app.inject({ method: 'GET', url: `/v1/saved-queries/${shareId}`, headers: as('bob') });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().error.code, 'SAVED_QUERY_NOT_FOUND');
  });

  test('the use cases check ownership themselves (the CLI and any edge get the same answer)', async () => {
    const alice = savedQueryOwner({ keyId: '00000000-0000-4000-8000-00000000000a' });
    const bob = savedQueryOwner({ keyId: '00000000-0000-4000-8000-00000000000b' });
    const saved = await saveQuery(ctx, alice, { name: 'service level', spec: HOME_WIN_BY_SEASON });
    await assert.rejects(changeSaved(ctx, bob, saved.shareId, { name: 'x', spec: HOME_WIN_BY_SEASON }), (e: unknown) => e instanceof AppError && e.code === 'SAVED_QUERY_NOT_OWNER');
    await assert.rejects(removeSaved(ctx, bob, saved.shareId), (e: unknown) => e instanceof AppError && e.code === 'SAVED_QUERY_NOT_OWNER');
    await assert.rejects(removeSaved(ctx, savedQueryOwner(undefined), saved.shareId), (e: unknown) => e instanceof AppError && e.code === 'SAVED_QUERY_NOT_OWNER', 'local is not a key');
    assert.equal((await openSaved(ctx, bob, saved.shareId)).mine, false);
    assert.equal((await removeSaved(ctx, alice, saved.shareId)).name, 'service level');
  });

  test('injection attempts through the name, the description, the share id and the chart: bound as values or refused; no table changes', async () => {
    const before = { games: await count('games'), keys: await count('api_keys') };
    const owner = savedQueryOwner({ keyId: '00000000-0000-4000-8000-0000000000cc' });
    for (const [i, p] of PAYLOADS.entries()) {
      // Free text (name, description) is stored and read back byte for byte.
      const saved = await saveQuery(ctx, owner, { name: `${p} #${i}`, description: p, spec: { filters: { competition: [p] }, measures: [{ kind: 'count' }] } });
      const back = await openSaved(ctx, owner, saved.shareId);
      assert.equal(back.name, `${p} #${i}`);
      assert.equal(back.description, p);
      assert.equal((await runSaved(ctx, saved.shareId)).rows[0]!.count, 0, 'the payload filter matched nothing');
      const http = await app.inject({ method: 'POST', url: '/v1/saved-queries', headers: as('bob'), payload: { name: p, spec: { measures: [{ kind: 'count' }] } } });
      assert.equal(http.statusCode, 201, http.body);
      assert.equal(http.json().name, p);

      // The share id: never a statement's text: refused (use case) or 400 (route) before any SQL.
      await assert.rejects(openSaved(ctx, owner, p), (e: unknown) => e instanceof AppError && e.code === 'SAVED_QUERY_NOT_FOUND', p);
      await assert.rejects(runSaved(ctx, p), (e: unknown) => e instanceof AppError && e.code === 'SAVED_QUERY_NOT_FOUND', p);
      await assert.rejects(removeSaved(ctx, owner, p), (e: unknown) => e instanceof AppError && e.code === 'SAVED_QUERY_NOT_FOUND', p);
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const res = await app.inject({ method, url: `/v1/saved-queries/${encodeURIComponent(p)}`, headers: as('bob'), payload: method === 'PUT' ? { name: 'n', spec: { measures: [{ kind: 'count' }] } } : undefined });
        assert.ok([400, 404].includes(res.statusCode), `${method} share id ${p}: ${res.statusCode}`);
        assert.ok(['VALIDATION_FAILED', 'SAVED_QUERY_NOT_FOUND'].includes(res.json().error.code), res.body);
      }
      const ran = await app.inject({ method: 'POST', url: `/v1/saved-queries/${encodeURIComponent(p)}/run`, headers: as('bob') });
      assert.ok([400, 404].includes(ran.statusCode), `run ${p}: ${ran.statusCode}`);

      // The chart's type and column names are closed: refused as QUERY_INVALID.
      for (const chart of [{ type: p, x: 'season', y: ['winRate'] }, { type: 'line', x: p, y: ['winRate'] }, { type: 'line', x: 'season', y: [p] }, { type: 'line', x: 'season', y: ['winRate'], [p]: 1 }]) {
        await assert.rejects(saveQuery(ctx, owner, { name: `chart ${i}`, spec: HOME_WIN_BY_SEASON, chart }), (e: unknown) => e instanceof AppError && e.code === 'QUERY_INVALID', JSON.stringify(chart));
      }
      // The kind filter of the list is closed too.
      assert.equal((await app.inject({ method: 'GET', url: `/v1/saved-queries?kind=${encodeURIComponent(p)}`, headers: as('bob') })).statusCode, 400);
      // An extra top-level key is refused.
      await assert.rejects(saveQuery(ctx, owner, { name: `extra ${i}`, spec: HOME_WIN_BY_SEASON, [p]: true }), (e: unknown) => e instanceof AppError && e.code === 'QUERY_INVALID');
    }
    // Names that cannot be text (NUL, control characters) or are blank are refused, not a 500.
    for (const name of ['a\u0000b', 'line\nbreak', '   ', '', 'x'.repeat(101)]) {
      await assert.rejects(saveQuery(ctx, owner, { name, spec: HOME_WIN_BY_SEASON }), (e: unknown) => e instanceof AppError && e.code === 'QUERY_INVALID', JSON.stringify(name));
      const res = await app.inject({ method: 'POST', url: '/v1/saved-queries', headers: as('bob'), payload: { name, spec: HOME_WIN_BY_SEASON } });
      assert.equal(res.statusCode, 400, `${JSON.stringify(name)}: ${res.body}`);
    }
    // The query document inside is checked as POST /v1/queries checks it.
    await assert.rejects(saveQuery(ctx, owner, { name: 'bad doc', spec: { groupBy: [PAYLOADS[0]], measures: [{ kind: 'count' }] } }), (e: unknown) => e instanceof AppError && e.code === 'QUERY_INVALID');
    assert.equal(await count('games'), before.games);
    assert.equal(await count('api_keys'), before.keys);
    assert.equal(await count('saved_queries') >= PAYLOADS.length * 2, true);
    assert.ok(games > 0);
  });

  test('sharpline query --save NAME --chart, --saved and --open <shareId> (the CLI over the same use cases)', async () => {
    const env = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, SHARPLINE_API_KEY: keys.alice, LOG_LEVEL: 'warn' };
    const saved = await run(process.execPath, [BIN, 'query', '--group-by', 'season', '--measure', 'winRate,mean:marketProb', '--save', 'cli chart', '--chart', 'line:season:winRate,mean_marketProb', '--json'], { env, timeout: 90_000 });
    const shareId = /share id ([A-Za-z0-9_-]{16})/.exec(saved.stderr)?.[1];
    assert.ok(shareId, saved.stderr);
    assert.equal(JSON.parse(saved.stdout).rows.length, 3);
    const list = JSON.parse((await run(process.execPath, [BIN, 'query', '--saved', '--json'], { env, timeout: 90_000 })).stdout) as Array<{ name: string; kind: string; shareId: string }>;
    const mine = list.find((s) => s.shareId === shareId);
    assert.equal(mine?.name, 'cli chart');
    assert.equal(mine?.kind, 'chart');
    const opened = await run(process.execPath, [BIN, 'query', '--open', shareId!, '--csv'], { env: { ...env, SHARPLINE_API_KEY: keys.bob }, timeout: 90_000 });
    assert.match(opened.stdout, /^season,winRate,mean_marketProb\n/);
    assert.equal(opened.stdout.trim().split('\n').length, 4);
    const clash = await run(process.execPath, [BIN, 'query', '--save', 'cli chart'], { env, timeout: 90_000 }).then(() => null, (e: { code: number; stderr: string }) => e);
    assert.ok(clash && clash.code !== 0, 'a taken name exits non-zero');
    assert.match(clash!.stderr, /SAVED_QUERY_NAME_TAKEN|already saved/);
  }, 240_000);
});

test('on PGlite (the embedded default) saving, listing, opening and the owner check work the same', async () => {
  const p = await createTestPgliteDb();
  try {
    const local = { db: p.db, config: { queryTimeoutMs: 10_000, queryMaxRows: 100 } };
    const owner = savedQueryOwner(undefined);
    const saved = await saveQuery(local, owner, { name: "embedded 'chart'", spec: HOME_WIN_BY_SEASON, chart: CHART });
    assert.equal(saved.kind, 'chart');
    assert.deepEqual((await openSaved(local, owner, saved.shareId)).chart, CHART);
    assert.deepEqual((await runSaved(local, saved.shareId)).rows, []);
    await assert.rejects(removeSaved(local, savedQueryOwner({ keyId: '00000000-0000-4000-8000-0000000000dd' }), saved.shareId), (e: unknown) => e instanceof AppError && e.code === 'SAVED_QUERY_NOT_OWNER');
    await assert.rejects(saveQuery(local, owner, { name: "embedded 'chart'", spec: HOME_WIN_BY_SEASON }), (e: unknown) => e instanceof AppError && e.code === 'SAVED_QUERY_NAME_TAKEN');
    assert.equal((await removeSaved(local, owner, saved.shareId)).shareId, saved.shareId);
  } finally {
    await p.drop();
  }
}, 240_000);
