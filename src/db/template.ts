/**
 * A migrated PGlite data directory to start new embedded databases from. Creating a PGlite database
 * runs initdb inside WebAssembly (5–12 s on two cores) and then every migration; loading a dumped
 * data directory (`loadDataDir`) takes about a second. The template is a tarball of a database
 * that ran initdb and all migrations, written once per migration set:
 * `<package root>/node_modules/.cache/sharpline/pglite-<key>.tar`, where the key hashes PGlite's
 * version and every migration's version, name and checksum. Editing, adding or removing a
 * migration (or upgrading PGlite) changes the key, so a stale template is never read; the next
 * fresh database builds a new one. `npm run build` (and so `npm install`) builds it ahead.
 * SHARPLINE_PGLITE_TEMPLATE=off creates every database from scratch instead.
 *
 * A database started from the template equals one migrated from scratch (tests/db/template.test.ts
 * compares their catalogs and rows) except for the values the migrations draw when they run, which
 * are drawn again here (REDRAW): the deployment id (so two databases never share a tag or queue
 * prefix) and the now() times of seeded rows. A migration that seeds another drawn value (a random
 * id outside `deployment`) must add it to REDRAW.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { listMigrations, type Migration } from './migrate.ts';

/**
 * Run on every database started from the template: the values drawn when the migrations ran, drawn
 * again. Every column defaulting to now() in a table holding rows (seeded rows, the ledger) gets
 * this start's time; the deployment id a new random value.
 */
export const REDRAW = `
UPDATE deployment SET id = replace(gen_random_uuid()::text, '-', '');
DO $$
DECLARE c record; seeded boolean;
BEGIN
  FOR c IN SELECT k.table_name, k.column_name FROM information_schema.columns k
             JOIN pg_tables t ON t.schemaname = k.table_schema AND t.tablename = k.table_name
            WHERE k.table_schema = 'public' AND k.column_default = 'now()' LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', c.table_name) INTO seeded;
    IF seeded THEN EXECUTE format('UPDATE %I SET %I = now()', c.table_name, c.column_name); END IF;
  END LOOP;
END $$;`;

/** The nearest folder above this module holding a package.json (the repository, or dist's parent). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'node_modules'))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(fileURLToPath(import.meta.url));
    dir = up;
  }
}

function pgliteVersion(): string {
  try {
    const file = join(packageRoot(), 'node_modules', '@electric-sql', 'pglite', 'package.json');
    return String(JSON.parse(readFileSync(file, 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

/** Hash of PGlite's version and the migration set: the template's name. */
export function templateKey(migrations: readonly Migration[] = listMigrations()): string {
  const hash = createHash('sha256').update(`pglite ${pgliteVersion()}\n`);
  for (const m of migrations) hash.update(`${m.version} ${m.name} ${m.checksum}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** Where the template for the current migrations lives: the package's node_modules/.cache/sharpline. */
export function templatePath(key = templateKey()): string {
  return join(packageRoot(), 'node_modules', '.cache', 'sharpline', `pglite-${key}.tar`);
}

/**
 * Builds the template for the current migrations unless it exists; returns its path (and its
 * bytes when built here). Concurrent builders each write their own file and rename it into place,
 * so a reader sees a whole one. `written` is false when the folder is not writable (a read-only
 * install): the bytes still serve this process.
 */
export async function ensureTemplate(): Promise<{ path: string; built: boolean; written: boolean; bytes?: Buffer }> {
  const path = templatePath();
  if (existsSync(path)) return { path, built: false, written: true };
  const { createPgliteDb } = await import('./pglite-db.ts');
  const { migrate } = await import('./migrate.ts');
  const db = await createPgliteDb({ template: false });
  let bytes: Buffer;
  try {
    await migrate(db);
    // Without a checkpoint the dump restores through WAL replay, which moves each used sequence
    // 32 values on (Postgres logs sequences ahead), unlike the database the dump was taken of.
    await db.exec('CHECKPOINT');
    const blob = await (db as unknown as { raw: PGlite }).raw.dumpDataDir('none');
    bytes = Buffer.from(await blob.arrayBuffer());
  } finally {
    await db.close();
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
    const partial = `${path}.${process.pid}.${Date.now()}.partial`;
    writeFileSync(partial, bytes);
    renameSync(partial, path);
    return { path, built: true, written: true, bytes };
  } catch {
    return { path, built: true, written: false, bytes };
  }
}

/**
 * What a new database should start from: the template when `template` is asked for, the database
 * is new (in memory, or a folder without PG_VERSION) and no schema is named; else undefined (initdb).
 * A context asks for it unless its config's `pgliteTemplate` is off (SHARPLINE_PGLITE_TEMPLATE=off).
 */
export async function templateStart(options: { dataDir?: string; schema?: string; template?: boolean }): Promise<{ data: Blob; redraw: string } | undefined> {
  if (!options.template || options.schema) return undefined;
  if (options.dataDir && existsSync(join(options.dataDir, 'PG_VERSION'))) return undefined;
  const data = await readTemplate();
  return data ? { data, redraw: REDRAW } : undefined;
}

/** The template's bytes, building it first when absent; undefined when it cannot be built (the caller then creates the database from scratch). */
export async function readTemplate(): Promise<Blob | undefined> {
  try {
    const { path, bytes } = await ensureTemplate();
    const buf = bytes ?? readFileSync(path);
    return new Blob([new Uint8Array(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength)]);
  } catch {
    return undefined;
  }
}
