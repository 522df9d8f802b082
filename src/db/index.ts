import type { Config } from '../config.ts';
import type { Db } from '../../core/index.ts';
import { createPgDb } from './pg-db.ts';
import type { PgliteDbOptions } from './pglite-db.ts';
import { join } from 'node:path';
import type { OutageLog } from '../outage.ts';

export { createPgDb } from './pg-db.ts';
export type { PgliteDbOptions } from './pglite-db.ts';
export { migrate, migrationStatus, listMigrations } from './migrate.ts';
export { ensureTemplate, templatePath, templateKey } from './template.ts';
export { readDeploymentTag } from './deployment.ts';
export type { MigrationStatus, Migration } from './migrate.ts';
export { lockPathOf, readHolder, type FolderHolder } from './folder-lock.ts';

/**
 * A `Db` over an in-process PGlite database (PGlite, ~0.1 s to import, loads on first call). With a
 * `dataDir` the folder's lock is taken first (see embedded.ts): throws DB_LOCKED when another
 * process holds it.
 */
export async function createPgliteDb(options: PgliteDbOptions = {}): Promise<Db> {
  if (options.dataDir) return (await import('./embedded.ts')).openEmbeddedDb({ dataDir: options.dataDir, schema: options.schema, template: options.template });
  const from = options.from ?? (await (await import('./template.ts')).templateStart(options));
  return (await import('./pglite-db.ts')).createPgliteDb({ ...options, from });
}

export interface OpenDbOptions {
  /** Embedded mode: serve this process's connection to other processes (long-running processes). */
  share?: boolean;
  /** Embedded mode: told what a slow open waits for (another process holding the folder, a first start). */
  onNotice?: (message: string) => void;
  /** Postgres mode: told when the server stops and starts answering (one warning per outage). */
  outage?: OutageLog;
  /** Embedded mode: a first start loads the migrated template instead of running initdb and every migration. */
  template?: boolean;
}

/** The embedded database folder under SHARPLINE_HOME. */
export function embeddedDataDir(config: Config): string {
  return join(config.home, 'pgdata');
}

/**
 * `pg` when DATABASE_URL is set, else embedded PGlite persisted under SHARPLINE_HOME/pgdata — or,
 * when a running server holds that folder, that server's connection.
 * @throws AppError DB_LOCKED when another process keeps the folder beyond SHARPLINE_DB_LOCK_WAIT_SECONDS
 */
export async function openDb(config: Config, options: OpenDbOptions = {}): Promise<Db> {
  if (config.databaseUrl) return createPgDb(config.databaseUrl, { schema: config.databaseSchema, outage: options.outage });
  const { openEmbeddedDb } = await import('./embedded.ts');
  return openEmbeddedDb({ dataDir: embeddedDataDir(config), schema: config.databaseSchema, share: options.share, waitMs: config.dbLockWaitSeconds * 1000, onNotice: options.onNotice, template: options.template && config.pgliteTemplate });
}
