import type { Config } from './config.ts';
import type { Db } from './shared/db.ts';
import type { Logger } from './shared/logger.ts';
import { createLogger } from './shared/logger.ts';
import { openDb, migrate } from './db/index.ts';
import { openQueues } from './jobs/open-queues.ts';
import type { JobQueues } from './jobs/queue.ts';
import { createServing, type Serving, type ServingOptions } from './serving/index.ts';

/**
 * Everything a running process shares, built once at start-up and passed in.
 * Fastify decorates itself with it; CLI commands and workers receive it.
 */
export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly queues: JobQueues;
  readonly logger: Logger;
  /** Model cache, metrics and prediction log; loads nothing until started or first asked. */
  readonly serving: Serving;
  /** Closes pools and queues; idempotent. */
  close(): Promise<void>;
}

export interface CreateContextOptions {
  /** Apply pending migrations on start (default true: the embedded mode has no separate step). */
  migrate?: boolean;
  logger?: Logger;
  /** BullMQ key prefix (tests use their own). */
  queuePrefix?: string;
  db?: Db;
  queues?: JobQueues;
  serving?: ServingOptions;
  /**
   * Embedded mode: serve this process's database connection to CLI commands run meanwhile
   * (default true: serve, worker and the demo; one-shot CLI commands pass false).
   */
  shareEmbeddedDb?: boolean;
  /** Embedded mode: told what a slow open waits for (another process holding the folder, a first start). */
  onDbNotice?: (message: string) => void;
}

export async function createContext(config: Config, options: CreateContextOptions = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = options.db ?? (await openDb(config, { share: options.shareEmbeddedDb ?? true, onNotice: options.onDbNotice ?? ((message) => logger.info({}, message)) }));
  if (options.migrate ?? true) {
    const applied = await migrate(db);
    if (applied.length) logger.info({ versions: applied.map((m) => m.version) }, 'applied migrations');
  }
  const queues = options.queues ?? (await openQueues(config, options.queuePrefix));
  const serving = createServing({ db, config, logger }, options.serving);
  let closed: Promise<void> | undefined;
  return {
    config,
    db,
    queues,
    logger,
    serving,
    close() {
      closed ??= (async () => {
        await serving.close();
        await queues.close();
        await db.close();
      })();
      return closed;
    },
  };
}
