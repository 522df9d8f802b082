import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPgDb, createTestPgliteDb, type TestDb } from '../support/services.ts';
import { createPgliteDb, migrate, migrationStatus, listMigrations } from '../../src/db/index.ts';
import { connectDbBridge, serveDbBridge } from '../../src/db/db-bridge.ts';

/** A PGlite database reached the way a CLI command reaches a running server's: through its bridge. */
async function createBridgedPgliteDb(): Promise<TestDb> {
  const holder = await createTestPgliteDb();
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-bridge-'));
  const bridge = await serveDbBridge(holder.db, join(dir, 'pgdata.sock'));
  const db = await connectDbBridge(bridge.address, 'the test');
  return {
    db,
    schema: 'public',
    async drop() {
      await db.close();
      await bridge.close();
      await holder.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The embedded default: PGlite in a data folder, opened under the folder's lock. */
async function createFolderPgliteDb(): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-folder-'));
  const db = await createPgliteDb({ dataDir: join(dir, 'pgdata') });
  await migrate(db);
  return {
    db,
    schema: 'public',
    async drop() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The same contract runs against both Db implementations, PGlite in its folder, and PGlite through the bridge. */
for (const [label, open] of [
  ['pg', () => createTestPgDb('dbc')],
  ['pglite', createTestPgliteDb],
  ['pglite in a locked data folder', createFolderPgliteDb],
  ['pglite through the bridge', createBridgedPgliteDb],
] as const) {
  describe(`Db contract: ${label}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await open();
      await t.db.exec('CREATE TABLE kv (k text PRIMARY KEY, v integer, meta jsonb, at timestamptz, tags text[])');
    });
    afterAll(() => t.drop());

    it('runs parameterised queries and returns rows and counts', async () => {
      const ins = await t.db.query('INSERT INTO kv (k, v) VALUES ($1, $2), ($3, $4)', ['a', 1, 'b', 2]);
      assert.equal(ins.rowCount, 2);
      const { rows } = await t.db.query<{ k: string; v: number }>('SELECT k, v FROM kv WHERE v >= $1 ORDER BY k', [1]);
      assert.deepEqual(rows, [{ k: 'a', v: 1 }, { k: 'b', v: 2 }]);
    });

    it('passes arrays as array parameters and objects as json', async () => {
      await t.db.query('INSERT INTO kv (k, meta, tags) VALUES ($1, $2, $3)', ['j', { x: [1, 2] }, ['p', 'q']]);
      const { rows } = await t.db.query<{ meta: unknown; tags: string[] }>('SELECT meta, tags FROM kv WHERE k = ANY($1)', [['j']]);
      assert.deepEqual(rows[0], { meta: { x: [1, 2] }, tags: ['p', 'q'] });
    });

    it('commits a transaction and rolls one back on error', async () => {
      await t.db.transaction(async (tx) => {
        await tx.query('INSERT INTO kv (k, v) VALUES ($1, $2)', ['c', 3]);
      });
      await assert.rejects(
        t.db.transaction(async (tx) => {
          await tx.query('INSERT INTO kv (k, v) VALUES ($1, $2)', ['d', 4]);
          throw new Error('boom');
        }),
        /boom/,
      );
      const { rows } = await t.db.query<{ k: string }>("SELECT k FROM kv WHERE k IN ('c', 'd') ORDER BY k");
      assert.deepEqual(rows.map((r) => r.k), ['c']);
    });

    it('runs a transaction at the isolation level it asks for, nested calls inside the outer one', async () => {
      const level = (db: typeof t.db) => db.query<{ level: string }>("SELECT current_setting('transaction_isolation') AS level").then((r) => r.rows[0]!.level);
      const lock = { classId: 7_301_999, key: 'contract', timeoutMs: 5000, what: 'the contract test' };
      assert.equal(await t.db.transaction((tx) => level(tx), { isolation: 'repeatable read', lock }), 'repeatable read');
      assert.equal(await t.db.transaction((tx) => level(tx), { isolation: 'serializable' }), 'serializable');
      assert.equal(await t.db.transaction((tx) => level(tx)), 'read committed');
      assert.equal(await t.db.transaction((tx) => tx.transaction((inner) => level(inner), { isolation: 'serializable' }), { isolation: 'repeatable read' }), 'repeatable read');
    });

    it('bulk-loads rows with awkward text through copyRows', async () => {
      const rows: unknown[][] = Array.from({ length: 2500 }, (_, i) => [`bulk${i}`, i, i % 2 ? { n: i } : null, new Date(Date.UTC(2020, 0, 1, 0, 0, i)), null]);
      rows.push(['tab\there\\back\nline', -1, { s: 'quote"d' }, null, null]);
      assert.equal(await t.db.copyRows('kv', ['k', 'v', 'meta', 'at', 'tags'], rows), 2501);
      const { rows: out } = await t.db.query<{ n: number; s: number }>("SELECT count(*)::int AS n, sum(v)::int AS s FROM kv WHERE k LIKE 'bulk%'");
      assert.deepEqual(out[0], { n: 2500, s: (2499 * 2500) / 2 });
      const odd = await t.db.query<{ k: string; meta: unknown }>('SELECT k, meta FROM kv WHERE v = -1');
      assert.deepEqual(odd.rows[0], { k: 'tab\there\\back\nline', meta: { s: 'quote"d' } });
      const at = await t.db.query<{ at: Date }>("SELECT at FROM kv WHERE k = 'bulk61'");
      assert.equal(new Date(at.rows[0]!.at).toISOString(), '2020-01-01T00:01:01.000Z');
    });

    it('bulk-loads typed rows through copyRows exactly (binary COPY on pg)', async () => {
      await t.db.exec('CREATE TABLE typed_copy (id bigint PRIMARY KEY, at timestamptz, xs double precision[], x double precision)');
      const at = Date.UTC(2021, 8, 4, 14, 0, 0, 123);
      const tiny = Number.MIN_VALUE;
      const rows: unknown[][] = [
        [2 ** 53 - 1, at, [0.1, null, -2.5e-300, tiny, Infinity, -Infinity, NaN], 1 / 3],
        [-7, new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999)), [], -0],
        [3, null, [null, null], null],
        [4, at, null, 123456789.123456789],
      ];
      for (let i = 0; i < 3000; i++) rows.push([100 + i, at + i, [i / 7, i % 3 ? null : -i / 11], i * 0.1]);
      assert.equal(await t.db.copyRows('typed_copy', ['id', 'at', 'xs', 'x'], rows, { types: ['int8', 'timestamptz', 'float8[]', 'float8'] }), rows.length);
      const { rows: out } = await t.db.query<{ id: number; at_ms: number | null; xs: (number | string | null)[] | null; x: number | null }>(
        'SELECT id::float8 AS id, (extract(epoch FROM at) * 1000)::float8 AS at_ms, xs, x FROM typed_copy ORDER BY id',
      );
      assert.equal(out.length, rows.length);
      const num = (v: number | string | null) => (v === null ? null : Number(v));
      const want = [...rows].sort((a, b) => (a[0] as number) - (b[0] as number));
      out.forEach((r, i) => {
        const [id, when, xs, x] = want[i]!;
        assert.equal(r.id, id);
        assert.equal(r.at_ms, when === null ? null : when instanceof Date ? when.getTime() : when);
        // -0 is stored as 0, as the text encoding writes it; NaN and infinities survive.
        assert.deepEqual(r.xs?.map(num) ?? null, xs === null ? null : (xs as (number | null)[]).map((v) => (v === 0 ? 0 : v)));
        assert.ok(Object.is(r.x === null ? null : Number(r.x), x === null ? null : x === 0 ? 0 : x), `x of ${id}`);
      });
    });

    it('migrations are recorded, idempotent and reported by status', async () => {
      assert.deepEqual(await migrate(t.db), []);
      const status = await migrationStatus(t.db);
      assert.equal(status.length, listMigrations().length);
      assert.ok(status.every((s) => s.state === 'applied'));
    });

    it('the schema refuses a team playing itself and odds at or below 1.0', async () => {
      const sport = (await t.db.query<{ id: number }>("SELECT id FROM sports WHERE code = 'soccer'")).rows[0]!.id;
      const comp = (await t.db.query<{ id: number }>("INSERT INTO competitions (sport_id, code, name) VALUES ($1, 'E0', 'Premier League') RETURNING id", [sport])).rows[0]!.id;
      const season = (await t.db.query<{ id: number }>("INSERT INTO seasons (competition_id, label, start_year) VALUES ($1, '2023/24', 2023) RETURNING id", [comp])).rows[0]!.id;
      const team = (await t.db.query<{ id: number }>("INSERT INTO teams (sport_id, key, name) VALUES ($1, 'arsenal', 'Arsenal') RETURNING id", [sport])).rows[0]!.id;
      await assert.rejects(
        t.db.query(
          "INSERT INTO games (sport_id, competition_id, season_id, game_date, kickoff, home_team_id, away_team_id, source) VALUES ($1, $2, $3, '2023-08-12', '2023-08-12T14:00Z', $4, $4, 'test')",
          [sport, comp, season, team],
        ),
        /check/i,
      );
      const book = (await t.db.query<{ id: number }>("INSERT INTO bookmakers (code, name) VALUES ('pinnacle', 'Pinnacle') RETURNING id")).rows[0]!.id;
      await assert.rejects(
        t.db.query("INSERT INTO odds (game_id, kickoff, bookmaker_id, market, selection, kind, price) VALUES (1, '2023-08-12T14:00Z', $1, '1x2', 'home', 'closing', 1.0)", [book]),
        /check/i,
      );
    });
  });
}

describe('migrations under concurrency (pg)', () => {
  it('two processes migrating at once apply each migration exactly once', async () => {
    const { createPgDb } = await import('../../src/db/index.ts');
    const { TEST_DATABASE_URL, uniqueName } = await import('../support/services.ts');
    const schema = uniqueName('mig');
    const admin = createPgDb(TEST_DATABASE_URL, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const a = createPgDb(TEST_DATABASE_URL, { schema });
    const b = createPgDb(TEST_DATABASE_URL, { schema });
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      assert.equal(ra.length + rb.length, listMigrations().length);
      const { rows } = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      assert.equal(rows[0]!.n, listMigrations().length);
    } finally {
      await a.close();
      await b.close();
      await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    }
  });
});
