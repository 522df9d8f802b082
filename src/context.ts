import type { Config } from './config.ts';
import { type Db, type Logger, createLogger } from '../core/index.ts';
import { openDb, migrate, readDeploymentTag } from './db/index.ts';
import { createOutageLog, redactUrl } from './outage.ts';
import { openQueues } from './jobs/open-queues.ts';
import { QUEUE_DEPTH_STATES, type JobQueues } from './jobs/queue.ts';
import { TRAINING_QUEUE } from './jobs/training.job.ts';
import { SWEEP_QUEUE } from './jobs/sweep.job.ts';
import { createServing, type Serving, type ServingOptions } from './serving/index.ts';
import { createSecrets, type Secrets } from './secrets/index.ts';
import { recordAudit } from './governance/index.ts';
import { findCodeVersion } from './code-version.ts';
import { createRedisConnections, type RedisConnections } from './redis.ts';
import { driftGaugeRows } from './services/drift-service.ts';

/**
 * Everything a running process shares, built once at start-up and passed in.
 * Fastify decorates itself with it; CLI commands and workers receive it.
 */
/** Which deployment this process serves: what tells it apart from others sharing one Redis. */
export interface Deployment {
  /** 12 hex characters derived from the database's deployment id, database name and schema. */
  readonly tag: string;
  /** BullMQ key prefix: SHARPLINE_QUEUE_PREFIX, else `sharpline-<tag>`. */
  readonly queuePrefix: string;
}

export interface AppContext {
  readonly config: Config;
  readonly deployment: Deployment;
  readonly db: Db;
  readonly queues: JobQueues;
  readonly logger: Logger;
  /** Model cache, metrics and prediction log; loads nothing until started or first asked. */
  readonly serving: Serving;
  /** Encrypted data-provider secrets: `secrets.use(name, fn)` opens one for the length of `fn`. */
  readonly secrets: Secrets;
  /** Redis connections beside BullMQ's (alias-move pub/sub), made on first use; none without REDIS_URL. */
  readonly redis: RedisConnections | undefined;
  /** The running code's commit (SHARPLINE_CODE_VERSION, else the checkout's HEAD), for trained versions' lineage. */
  readonly codeVersion: string | null;
  /** Closes pools and queues; idempotent. */
  close(): Promise<void>;
}

export interface CreateContextOptions {
  /** Apply pending migrations on start (default true: the embedded mode has no separate step). */
  migrate?: boolean;
  logger?: Logger;
  /** BullMQ key prefix, over SHARPLINE_QUEUE_PREFIX and the derived default. */
  queuePrefix?: string;
  db?: Db;
  queues?: JobQueues;
  serving?: ServingOptions;
  /**
   * No outage warnings (default false). One-shot CLI commands set it: the command's own one-line
   * error already says which service failed, and a log line beside it would say it twice.
   */
  quietOutages?: boolean;
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
  const postgresOutage = config.databaseUrl
    ? createOutageLog(logger, 'Postgres', `${redactUrl(config.databaseUrl)} (DATABASE_URL)`, 'requests that need it answer 503 DATABASE_UNAVAILABLE until it returns', { started: false })
    : undefined;
  const redisOutage = config.redisUrl
    ? createOutageLog(logger, 'Redis', `${redactUrl(config.redisUrl)} (REDIS_URL)`, 'training submissions answer 503 QUEUE_UNAVAILABLE and queued runs wait in Postgres until it returns', { started: !options.quietOutages })
    : undefined;
  const db =
    options.db ??
    (await openDb(config, {
      outage: postgresOutage,
      share: options.shareEmbeddedDb ?? true,
      // Started from the migrated template only when this context migrates anyway (not `db status`).
      template: options.migrate ?? true,
      onNotice: options.onDbNotice ?? ((message) => logger.info({}, message)),
    }));
  let tag: string | undefined;
  try {
    if (options.migrate ?? true) {
      const applied = await migrate(db);
      if (applied.length) logger.info({ versions: applied.map((m) => m.version) }, 'applied migrations');
    }
    tag = await readDeploymentTag(db);
    if (!options.quietOutages) postgresOutage?.start();
  } catch (error) {
    // Nothing else is open yet: release the pool so a failed start exits at once.
    if (!options.db) await db.close().catch(() => undefined);
    throw error;
  }
  // Before migration 0008 (`db migrate`, `db status`) there is no tag yet, and no queue is used.
  const deployment: Deployment = Object.freeze({ tag: tag ?? 'unmigrated', queuePrefix: options.queuePrefix ?? config.queuePrefix ?? `sharpline-${tag ?? 'unmigrated'}` });
  const queues = options.queues ?? (await openQueues(config, { prefix: deployment.queuePrefix, outage: redisOutage, logger }));
  // Every change to and use of a secret leaves an audit row, in the transaction of the change.
  const secrets = createSecrets(db, config.secrets, {
    record: async (tx, actor, event) => {
      await recordAudit(tx, actor, event.action, { target: event.secret, details: event.details });
    },
  });
  const redis = config.redisUrl ? createRedisConnections(config.redisUrl, { logger, outage: redisOutage }) : undefined;
  const serving = createServing({ db, config, logger, redis }, options.serving);
  serving.metrics.setQueueDepthReader(async () => {
    const rows: Array<{ queue: string; state: string; count: number }> = [];
    for (const queue of [TRAINING_QUEUE, SWEEP_QUEUE]) {
      const counts = await queues.jobCounts(queue);
      for (const state of QUEUE_DEPTH_STATES) rows.push({ queue, state, count: counts[state] });
    }
    return rows;
  });
  // The drift gauges show the latest stored drift reports (whoever computed them: a schedule, the API, the CLI).
  serving.metrics.setDriftReader(() => driftGaugeRows({ db, config }));
  let closed: Promise<void> | undefined;
  return {
    config,
    deployment,
    db,
    queues,
    logger,
    serving,
    secrets,
    redis,
    codeVersion: findCodeVersion(config.codeVersion),
    close() {
      closed ??= (async () => {
        await serving.close();
        redis?.close();
        await queues.close();
        await db.close();
      })();
      return closed;
    },
  };
}
