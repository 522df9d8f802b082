import { afterAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../core/index.ts';
import { createPgliteDb, ensureTemplate, listMigrations, migrate, readDeploymentTag, templateKey, templatePath } from '../../src/db/index.ts';

// Columns whose values a migration draws when it runs; REDRAW draws them again per database.
const DRAWN = ['applied_at', 'created_at', 'updated_at'];

/** Everything the migrations define, as sorted text: tables and columns, keys, indexes, code, rows. */
async function catalog(db: Db): Promise<Record<string, string[]>> {
  const list = async (sql: string) => (await db.query<{ x: string }>(sql)).rows.map((r) => r.x).sort();
  const out: Record<string, string[]> = {
    relations: await list(`SELECT c.relname || ' ' || c.relkind::text || ' ' || c.relpersistence::text AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`),
    columns: await list(`SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') || ' ' || ordinal_position AS x FROM information_schema.columns WHERE table_schema = 'public'`),
    constraints: await list(`SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS x FROM pg_constraint WHERE connamespace = 'public'::regnamespace`),
    indexes: await list(`SELECT indexdef AS x FROM pg_indexes WHERE schemaname = 'public'`),
    triggers: await list(`SELECT pg_get_triggerdef(t.oid) AS x FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal`),
    functions: await list(`SELECT pg_get_functiondef(p.oid) AS x FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')`),
    views: await list(`SELECT viewname || ' ' || definition AS x FROM pg_views WHERE schemaname = 'public'`),
    partitions: await list(`SELECT inhrelid::regclass::text || ' of ' || inhparent::regclass::text || ' ' || coalesce(pg_get_expr(c.relpartbound, c.oid), '') AS x FROM pg_inherits JOIN pg_class c ON c.oid = inhrelid`),
    sequences: await list(`SELECT sequencename || ' ' || coalesce(last_value::text, '-') AS x FROM pg_sequences WHERE schemaname = 'public'`),
    extensions: await list(`SELECT extname || ' ' || extversion AS x FROM pg_extension`),
  };
  const tables = (await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.t);
  const drop = DRAWN.map((c) => ` - '${c}'`).join('');
  out.rows = [];
  for (const t of tables) {
    const key = t === 'deployment' ? `${drop} - 'id'` : drop;
    const rows = await list(`SELECT (to_jsonb(r)${key})::text AS x FROM "${t}" r`);
    out.rows.push(`${t}: ${rows.length} ${rows.join(' | ')}`);
  }
  return out;
}

describe('the migrated PGlite template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-template-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a database started from the template equals one migrated from scratch, with its own deployment id', async () => {
    await ensureTemplate();
    assert.ok(existsSync(templatePath()), 'the template is written under its key');
    const scratch = await createPgliteDb();
    const a = await createPgliteDb({ template: true });
    const b = await createPgliteDb({ template: true });
    try {
      const appliedFromScratch = await migrate(scratch);
      assert.equal(appliedFromScratch.length, listMigrations().length);
      // Nothing left to apply: the template holds every current migration.
      assert.deepEqual(await migrate(a), []);
      assert.deepEqual(await migrate(b), []);
      const [fromScratch, fromTemplate] = [await catalog(scratch), await catalog(a)];
      // The comparison has something to compare (the migrations define no views or extensions yet).
      for (const part of ['relations', 'columns', 'constraints', 'indexes', 'triggers', 'functions', 'partitions', 'sequences', 'rows']) {
        assert.ok(fromScratch[part]!.length > 0, `catalog part ${part} is empty`);
      }
      assert.deepEqual(fromTemplate, fromScratch);
      const ledger = (db: Db) => db.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
      assert.deepEqual((await ledger(a)).rows, (await ledger(scratch)).rows);
      // Drawn per database: two databases from one template never share a deployment tag.
      const tags = [await readDeploymentTag(a), await readDeploymentTag(b), await readDeploymentTag(scratch)];
      assert.equal(new Set(tags).size, 3, `tags ${tags.join(', ')}`);
      const { rows } = await a.query<{ fresh: boolean }>(`SELECT bool_and(applied_at > now() - interval '1 minute') AS fresh FROM schema_migrations`);
      assert.equal(rows[0]!.fresh, true);
    } finally {
      await Promise.all([scratch.close(), a.close(), b.close()]);
    }
  });

  it('an embedded folder started from the template persists and reopens as a plain database', async () => {
    const dataDir = join(dir, 'pgdata');
    const db = await createPgliteDb({ dataDir, template: true });
    await db.query(`INSERT INTO competitions (sport_id, code, name) SELECT id, 'T1', 'Template league' FROM sports WHERE code = 'soccer'`);
    const tag = await readDeploymentTag(db);
    await db.close();
    const again = await createPgliteDb({ dataDir, template: true });
    try {
      assert.deepEqual(await migrate(again), []);
      assert.equal(await readDeploymentTag(again), tag, 'reopening keeps the folder (the template is read only for a new folder)');
      const { rows } = await again.query<{ n: number }>(`SELECT count(*)::int AS n FROM competitions WHERE code = 'T1'`);
      assert.equal(rows[0]!.n, 1);
    } finally {
      await again.close();
    }
  });

  it('the key changes with any migration edit, addition or removal', () => {
    const migrations = listMigrations();
    const key = templateKey(migrations);
    assert.match(templatePath(key), new RegExp(`pglite-${key}\\.tar$`));
    assert.equal(templateKey(migrations), key);
    const edited = migrations.map((m, i) => (i === migrations.length - 1 ? { ...m, checksum: '0'.repeat(16) } : m));
    const added = [...migrations, { version: 9999, name: 'next', sql: '', checksum: 'f'.repeat(16) }];
    const keys = [key, templateKey(edited), templateKey(added), templateKey(migrations.slice(0, -1))];
    assert.equal(new Set(keys).size, 4);
  });
});
