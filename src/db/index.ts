import type { Config } from '../config.ts';
import type { Db } from '../shared/db.ts';
import { createPgDb } from './pg-db.ts';
import type { PgliteDbOptions } from './pglite-db.ts';
import { join } from 'node:path';

export { createPgDb } from './pg-db.ts';
export type { PgliteDbOptions } from './pglite-db.ts';

/** A `Db` over an in-process PGlite database; PGlite (~0.1 s to import) loads on first call. */
export async function createPgliteDb(options: PgliteDbOptions = {}): Promise<Db> {
  return (await import('./pglite-db.ts')).createPgliteDb(options);
}
export { migrate, migrationStatus, listMigrations } from './migrate.ts';
export type { MigrationStatus, Migration } from './migrate.ts';

/** `pg` when DATABASE_URL is set, else embedded PGlite persisted under SHARPLINE_HOME/pgdata. */
export async function openDb(config: Config): Promise<Db> {
  if (config.databaseUrl) return createPgDb(config.databaseUrl, { schema: config.databaseSchema });
  return createPgliteDb({ dataDir: join(config.home, 'pgdata'), schema: config.databaseSchema });
}
