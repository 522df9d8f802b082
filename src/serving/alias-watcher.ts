import { aliasVersionStamp } from '../../registry/index.ts';
import { type Db, isAppError, type Logger } from '../../core/index.ts';
import type { RedisConnections } from '../redis.ts';

/** Redis channel on which alias moves are announced to every server. */
export const ALIAS_MOVED_CHANNEL = 'sharpline:alias-moved';

export interface AliasWatcherOptions {
  db: Db;
  logger: Logger;
  /** The context's Redis connections; without them only polling notices moves. */
  redis?: RedisConnections;
  /** Postgres schema, sent with announcements so servers of other schemas can tell (informational). */
  schema?: string;
  /** Alias-stamp poll interval, ms (default 1000; 0 disables polling). */
  pollMs?: number;
  /** Called when aliases may have moved: a changed stamp, or an announcement. */
  onMoved(): Promise<void>;
}

/**
 * Notices alias moves made anywhere: immediately through Redis pub/sub when the mover announces it,
 * and by polling the registry's alias stamp (the safety net, in every mode). Nothing runs until
 * `start()`.
 */
export interface AliasWatcher {
  /** Starts polling and subscribing; idempotent. */
  start(): void;
  /** Tells every server (Redis) that an alias of `model` moved; never throws (a failure only logs: polling notices). */
  announce(model: string): Promise<void>;
  close(): void;
}

export function createAliasWatcher(options: AliasWatcherOptions): AliasWatcher {
  const { db, logger, redis } = options;
  const pollMs = options.pollMs ?? 1000;
  let started = false;
  let closed = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let lastStamp: string | undefined;

  const poll = async () => {
    pollTimer = undefined;
    if (closed) return;
    try {
      const stamp = await aliasVersionStamp(db);
      // The first poll reports a move too: an alias read just before it may already be stale.
      if (stamp !== lastStamp) await options.onMoved();
      lastStamp = stamp;
    } catch (error) {
      // A database outage is reported once by the database handle; the poll keeps trying quietly.
      if (!isAppError(error) || error.code !== 'DATABASE_UNAVAILABLE') logger.warn({ err: error }, 'alias poll failed');
    }
    if (!closed) {
      pollTimer = setTimeout(() => void poll(), pollMs);
      pollTimer.unref();
    }
  };

  return {
    start() {
      if (started || closed) return;
      started = true;
      if (pollMs > 0) void poll();
      if (redis) {
        const subscriber = redis.subscriber();
        subscriber.on('message', (channel, message) => {
          if (channel !== ALIAS_MOVED_CHANNEL || closed) return;
          logger.debug({ message }, 'alias moved (pub/sub)');
          options.onMoved().catch((error: unknown) => logger.warn({ err: error }, 'alias refresh failed'));
        });
        subscriber.subscribe(ALIAS_MOVED_CHANNEL).catch((error: unknown) => logger.warn({ err: error }, 'alias subscriber: subscribe failed; polling only'));
      }
    },
    async announce(model) {
      if (!redis || closed) return;
      try {
        await redis.publisher().publish(ALIAS_MOVED_CHANNEL, JSON.stringify({ model, schema: options.schema ?? null, at: new Date().toISOString() }));
      } catch (error) {
        logger.warn({ err: error, model }, 'could not announce alias move; servers will notice by polling');
      }
    },
    close() {
      closed = true;
      if (pollTimer) clearTimeout(pollTimer);
    },
  };
}
