import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { type Db, AppError } from '../../core/index.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
// Any constant works; all Sharpline processes agree on it so only one migrates at a time.
const MIGRATION_LOCK_KEY = 7_301_202_611;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  version: number;
  name: string;
  appliedAt: string | null;
  state: 'applied' | 'pending' | 'changed';
}

/** Reads `NNNN_name.sql` files in version order. */
export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.slice(5, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16),
      };
    });
}

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now())`;

/**
 * Applies pending migrations in one transaction under a transaction-scoped advisory lock,
 * so concurrent processes (several api and worker replicas) never apply one twice.
 * Forward-only; idempotent. Returns the versions applied by this call.
 */
export async function migrate(db: Db): Promise<Migration[]> {
  const migrations = listMigrations();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(CREATE_LEDGER);
    const { rows } = await tx.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations');
    const applied = new Map(rows.map((r) => [r.version, r.checksum]));
    const done: Migration[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      try {
        await tx.exec(m.sql);
      } catch (cause) {
        throw new AppError('DB_MIGRATION_FAILED', `migration ${m.version}_${m.name} failed: ${(cause as Error).message}`, { cause });
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
      done.push(m);
    }
    return done;
  });
}

/** Applied and pending migrations; `changed` flags a file edited after it was applied. */
export async function migrationStatus(db: Db): Promise<MigrationStatus[]> {
  await db.exec(CREATE_LEDGER);
  const { rows } = await db.query<{ version: number; checksum: string; applied_at: Date }>(
    'SELECT version, checksum, applied_at FROM schema_migrations',
  );
  const applied = new Map(rows.map((r) => [r.version, r]));
  return listMigrations().map((m) => {
    const row = applied.get(m.version);
    return {
      version: m.version,
      name: m.name,
      appliedAt: row ? new Date(row.applied_at).toISOString() : null,
      state: !row ? 'pending' : row.checksum === m.checksum ? 'applied' : 'changed',
    };
  });
}
