/**
 * Opening the embedded database folder: this process takes the folder's lock and opens PGlite, or —
 * when a long-running process (serve, worker, demo) holds it — borrows that process's connection
 * through its bridge, or waits a bounded time for a short command holding it to finish, and then
 * refuses with `DB_LOCKED` naming the holder. A second process never opens the folder itself.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Db, AppError } from '../../core/index.ts';
import { bridgeAddress, connectDbBridge, serveDbBridge, type DbBridgeServer } from './db-bridge.ts';
import { describeHolder, tryLockFolder, type FolderHolder, type FolderLock } from './folder-lock.ts';

const POLL_MS = 200;

export interface EmbeddedDbOptions {
  dataDir: string;
  schema?: string;
  /** Serve this process's connection to other processes (long-running processes do). */
  share?: boolean;
  /** Longest wait for the folder while another process holds it without sharing it. */
  waitMs?: number;
  /** Told what a slow open waits for: another process holding the folder, or a first start creating it. */
  onNotice?: (message: string) => void;
  /** Recorded in the lock for other processes' messages. */
  command?: string;
  /** A folder without a database yet starts from the migrated template (see template.ts). */
  template?: boolean;
}

function commandLine(): string {
  const args = process.argv.slice(2).join(' ');
  return (args ? `sharpline ${args}` : process.argv.slice(1).join(' ')).slice(0, 200);
}

/** The folder's PGlite, closed together with the bridge and the lock. */
class LockedDb implements Db {
  readonly kind = 'pglite' as const;
  private closing: Promise<void> | undefined;
  constructor(
    private readonly db: Db,
    private readonly lock: FolderLock,
    private readonly bridge: DbBridgeServer | undefined,
  ) {}

  query: Db['query'] = (sql, params) => this.db.query(sql, params);
  exec: Db['exec'] = (sql) => this.db.exec(sql);
  transaction: Db['transaction'] = (fn, options) => this.db.transaction(fn, options);
  copyRows: Db['copyRows'] = (table, columns, rows, options) => this.db.copyRows(table, columns, rows, options);

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        // Borrowers first: their open transactions roll back while the database is still open.
        await this.bridge?.close();
        await this.db.close();
      } finally {
        this.lock.release();
      }
    })();
    return this.closing;
  }
}

function lockedError(dataDir: string, holder: FolderHolder, waitedMs: number): AppError {
  return new AppError(
    'DB_LOCKED',
    `the embedded database in ${dataDir} is in use by ${describeHolder(holder)}${waitedMs ? ` and was not released within ${Math.round(waitedMs / 1000)} s` : ''}; ` +
      'wait for that command to finish or stop it, or set DATABASE_URL to use Postgres',
    { details: { dataDir, holder } },
  );
}

/** Opens (or borrows) the embedded database in `dataDir`; see the module comment. @throws AppError DB_LOCKED */
export async function openEmbeddedDb(options: EmbeddedDbOptions): Promise<Db> {
  const waitMs = options.waitMs ?? 0;
  const deadline = Date.now() + waitMs;
  const command = options.command ?? commandLine();
  let told = false;
  for (;;) {
    const attempt = tryLockFolder(options.dataDir, command);
    if ('lock' in attempt) return openLocked(attempt.lock, options);
    const holder = attempt.holder;
    if (holder.bridge) {
      const borrowed = await connectDbBridge(holder.bridge, describeHolder(holder)).catch(() => undefined);
      if (borrowed) return borrowed;
    }
    if (Date.now() >= deadline) throw lockedError(options.dataDir, holder, waitMs);
    if (!told) {
      told = true;
      options.onNotice?.(`waiting up to ${Math.round(waitMs / 1000)} s for the embedded database in ${options.dataDir}, in use by ${describeHolder(holder)}`);
    }
    await sleep(POLL_MS);
  }
}

async function openLocked(lock: FolderLock, options: EmbeddedDbOptions): Promise<Db> {
  let db: Db | undefined;
  try {
    const { createPgliteDb } = await import('./pglite-db.ts');
    // A first start runs initdb inside PGlite: several seconds in which the event loop is busy, so
    // a line before and one after are all the progress there can be.
    const fresh = !existsSync(join(options.dataDir, 'PG_VERSION'));
    const started = performance.now();
    if (fresh) options.onNotice?.(`creating the embedded database in ${options.dataDir} (first start only; ${options.template && !options.schema ? 'a few seconds' : 'about 10 s'}) ...`);
    const { templateStart } = await import('./template.ts');
    const from = fresh ? await templateStart({ dataDir: options.dataDir, schema: options.schema, template: options.template }) : undefined;
    db = await createPgliteDb({ dataDir: options.dataDir, schema: options.schema, from });
    if (fresh) options.onNotice?.(`created the embedded database in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const bridge = options.share ? await serveDbBridge(db, bridgeAddress(options.dataDir)) : undefined;
    if (bridge) lock.announce(bridge.address);
    return new LockedDb(db, lock, bridge);
  } catch (error) {
    await db?.close().catch(() => undefined);
    lock.release();
    throw error;
  }
}
