import type { Config } from '../config.ts';
import type { Db } from '../shared/db.ts';
import { createPgDb } from './pg-db.ts';
import { createPgliteDb } from './pglite-db.ts';
import { join } from 'node:path';
import type { OutageLog } from '../shared/outage.ts';

export { createPgDb } from './pg-db.ts';
export { createPgliteDb } from './pglite-db.ts';
export { migrate, migrationStatus, listMigrations } from './migrate.ts';
export { readDeploymentTag } from './deployment.ts';
export type { MigrationStatus, Migration } from './migrate.ts';

/** `pg` when DATABASE_URL is set, else embedded PGlite persisted under SHARPLINE_HOME/pgdata. */
export async function openDb(config: Config, options: { outage?: OutageLog } = {}): Promise<Db> {
  if (config.databaseUrl) return createPgDb(config.databaseUrl, { schema: config.databaseSchema, outage: options.outage });
  return createPgliteDb({ dataDir: join(config.home, 'pgdata'), schema: config.databaseSchema });
}
