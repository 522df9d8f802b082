import { Redis } from 'ioredis';
import { aliasVersionStamp, getVersion, listAliases, listModels } from '../../registry/index.ts';
import { type Db, AppError, isAppError, type Logger } from '../../core/index.ts';
import type { OutageLog } from '../outage.ts';
import { loadServedVersion, type LoadOptions, type ServedVersion, type ServingRuntime } from './predictor.ts';

/** Redis channel on which alias moves are announced to every server. */
export const ALIAS_MOVED_CHANNEL = 'sharpline:alias-moved';

/** Which version of a model a request asks for: an alias (default `champion`) or a number. */
export interface VersionSelector {
  alias?: string;
  version?: number;
}

export interface ModelCacheOptions {
  db: Db;
  logger: Logger;
  /** Redis for alias-move announcements; without it only polling notices moves. */
  redisUrl?: string;
  /** Reports Redis outages once for the whole process (the subscriber retries quietly meanwhile). */
  redisOutage?: OutageLog;
  /** Postgres schema, sent with announcements so servers of other schemas can tell (informational). */
  schema?: string;
  /** Alias-stamp poll interval, ms (default 1000; 0 disables polling). */
  pollMs?: number;
  /** Versions kept loaded beyond those an alias points at (default 16). */
  maxVersions?: number;
  /** How long a replaced version stays usable for requests that already hold it, ms (default 5000). */
  retireAfterMs?: number;
  runtime?: ServingRuntime;
  maxBatchRows?: number;
  maxWaitMs?: number;
  onBatch?: LoadOptions['onBatch'];
  onSwap?(model: string, alias: string, from: number, to: number): void;
  onLoad?(served: ServedVersion): void;
}

/**
 * Loaded model versions for serving, with aliases resolved in memory. Requests for a cached alias
 * or version never touch the database. Alias moves are noticed through Redis pub/sub (immediate)
 * and by polling `aliasVersionStamp` (safety net, all modes); the new version is loaded completely
 * before the alias entry is replaced, and the old one is released only after `retireAfterMs`, so
 * a promotion under load fails no request.
 */
export interface ModelCache {
  /**
   * The served version for a selector: synchronous when cached, else a promise that loads it.
   * @throws MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND, MODEL_ALIAS_NOT_FOUND (404),
   *         MODEL_VERSION_NOT_READY (409), MODEL_FORMAT_INVALID (500).
   */
  resolve(model: string, selector?: VersionSelector): ServedVersion | Promise<ServedVersion>;
  /** Loads the `champion` of every registered model and starts watching for alias moves. */
  start(): Promise<void>;
  /** True once `start()` finished (or was never asked for). */
  readonly started: boolean;
  /** Re-reads the aliases of every cached model and swaps the moved ones. */
  refresh(): Promise<void>;
  /** Announces an alias move to every server (Redis) and refreshes this one now. */
  notifyAliasMoved(model: string): Promise<void>;
  /** What is loaded: alias entries and versions. */
  snapshot(): { aliases: Array<{ model: string; alias: string; version: number }>; versions: Array<{ model: string; version: number; runtime: ServingRuntime }> };
  readonly size: number;
  close(): Promise<void>;
}

const key = (model: string, part: string | number) => `${model}\u0000${part}`;

export function createModelCache(options: ModelCacheOptions): ModelCache {
  const { db, logger } = options;
  const pollMs = options.pollMs ?? 1000;
  const maxVersions = options.maxVersions ?? 16;
  const retireAfterMs = options.retireAfterMs ?? 5000;
  const loadOptions: LoadOptions = { runtime: options.runtime, maxBatchRows: options.maxBatchRows, maxWaitMs: options.maxWaitMs, logger, onBatch: options.onBatch };

  /** model\0alias → served version. */
  const aliases = new Map<string, ServedVersion>();
  /** model\0version → served version (or its load in progress: concurrent misses share one load). */
  const versions = new Map<string, ServedVersion | Promise<ServedVersion>>();
  const retiring = new Map<NodeJS.Timeout, ServedVersion>();
  /** Bumped whenever aliases are re-read: an alias lookup begun before a refresh must not be cached after it. */
  let epoch = 0;
  let started = true;
  let watching = false;
  let closed = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let lastStamp: string | undefined;
  let subscriber: Redis | undefined;
  let publisher: Redis | undefined;
  let refreshing: Promise<void> | undefined;
  let refreshAgain = false;

  const retire = (served: ServedVersion) => {
    const timer = setTimeout(() => {
      retiring.delete(timer);
      served.release().catch((error: unknown) => logger.warn({ err: error }, 'releasing a model version failed'));
    }, retireAfterMs);
    timer.unref();
    retiring.set(timer, served);
  };

  const inUseByAlias = (served: ServedVersion) => {
    for (const s of aliases.values()) if (s === served) return true;
    return false;
  };

  const evict = () => {
    if (versions.size <= maxVersions) return;
    for (const [k, entry] of versions) {
      if (versions.size <= maxVersions) break;
      if (entry instanceof Promise || inUseByAlias(entry)) continue;
      versions.delete(k);
      retire(entry);
    }
  };

  /** Loads (once) a version by number; the registry row is read to check it exists and is READY. */
  const loadVersion = (model: string, version: number): ServedVersion | Promise<ServedVersion> => {
    const k = key(model, version);
    const hit = versions.get(k);
    if (hit) return hit;
    const loading = (async () => {
      const row = await getVersion(db, model, version);
      const served = await loadServedVersion(db, row, loadOptions);
      options.onLoad?.(served);
      logger.info({ model, version, runtime: served.runtime }, 'model version loaded');
      return served;
    })();
    versions.set(k, loading);
    loading.then(
      (served) => {
        if (closed) {
          void served.release();
          return;
        }
        versions.set(k, served);
        evict();
      },
      // Failed loads are not cached: a PENDING version may become READY, a missing one be created.
      () => versions.delete(k),
    );
    return loading;
  };

  const resolveAlias = async (model: string, alias: string): Promise<ServedVersion> => {
    const seen = epoch;
    const row = await getVersion(db, model, alias);
    const served = await loadVersion(model, row.version);
    if (seen === epoch && !closed && !aliases.has(key(model, alias))) aliases.set(key(model, alias), served);
    ensureWatching();
    return served;
  };

  const doRefresh = async () => {
    epoch++;
    const models = new Set<string>();
    for (const k of aliases.keys()) models.add(k.slice(0, k.indexOf('\u0000')));
    for (const model of models) {
      let current: Map<string, number>;
      try {
        current = new Map((await listAliases(db, model)).map((a) => [a.alias, a.version]));
      } catch (error) {
        if (!(isAppError(error) && error.code === 'MODEL_NOT_FOUND')) throw error;
        current = new Map();
      }
      for (const [k, served] of [...aliases]) {
        if (!k.startsWith(`${model}\u0000`)) continue;
        const alias = k.slice(model.length + 1);
        const target = current.get(alias);
        if (target === undefined) {
          // Removed: the next request asks the registry and gets its 404.
          aliases.delete(k);
          continue;
        }
        if (target === served.version) continue;
        try {
          const next = await loadVersion(model, target);
          if (closed) return;
          aliases.set(k, next);
          options.onSwap?.(model, alias, served.version, target);
          logger.info({ model, alias, from: served.version, to: target }, 'served version swapped');
          evict();
        } catch (error) {
          // Keep serving the old version rather than failing requests; the next stamp change retries.
          logger.error({ err: error, model, alias, to: target }, 'could not load the new version of an alias; still serving the old one');
        }
      }
    }
  };

  const refresh = (): Promise<void> => {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        do {
          refreshAgain = false;
          await doRefresh();
        } while (refreshAgain && !closed);
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  };

  const poll = async () => {
    pollTimer = undefined;
    if (closed) return;
    try {
      const stamp = await aliasVersionStamp(db);
      // The first poll refreshes too: an alias read just before it may already be stale.
      if (stamp !== lastStamp) await refresh();
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

  function ensureWatching(): void {
    if (watching || closed) return;
    watching = true;
    if (pollMs > 0) void poll();
    if (options.redisUrl) {
      subscriber = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 2000) });
      const outage = options.redisOutage;
      subscriber.on('error', (error) => (outage ? outage.failed(error) : logger.warn({ err: error }, 'alias subscriber: redis error')));
      subscriber.on('ready', () => outage?.recovered());
      subscriber.on('message', (_channel, message) => {
        logger.debug({ message }, 'alias moved (pub/sub)');
        refresh().catch((error: unknown) => logger.warn({ err: error }, 'alias refresh failed'));
      });
      subscriber.subscribe(ALIAS_MOVED_CHANNEL).catch((error: unknown) => logger.warn({ err: error }, 'alias subscriber: subscribe failed; polling only'));
    }
  }

  return {
    resolve(model, selector = {}) {
      if (closed) throw new AppError('SERVICE_UNAVAILABLE', 'model cache is closed');
      if (selector.version !== undefined) {
        const hit = versions.get(key(model, selector.version));
        if (hit && !(hit instanceof Promise)) return hit;
        ensureWatching();
        return loadVersion(model, selector.version);
      }
      const alias = selector.alias ?? 'champion';
      return aliases.get(key(model, alias)) ?? resolveAlias(model, alias);
    },
    get started() {
      return started;
    },
    async start() {
      started = false;
      ensureWatching();
      try {
        for (const m of await listModels(db)) {
          if (m.aliases.champion === undefined) continue;
          try {
            await resolveAlias(m.name, 'champion');
          } catch (error) {
            logger.error({ err: error, model: m.name }, 'could not load champion at start');
          }
        }
      } finally {
        started = true;
      }
    },
    refresh,
    async notifyAliasMoved(model) {
      if (options.redisUrl && !closed) {
        publisher ??= new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, commandTimeout: 2000 });
        publisher.on('error', () => undefined);
        try {
          await publisher.publish(ALIAS_MOVED_CHANNEL, JSON.stringify({ model, schema: options.schema ?? null, at: new Date().toISOString() }));
        } catch (error) {
          logger.warn({ err: error, model }, 'could not announce alias move; servers will notice by polling');
        }
      }
      await refresh();
    },
    snapshot() {
      return {
        aliases: [...aliases].map(([k, s]) => ({ model: s.model, alias: k.slice(s.model.length + 1), version: s.version })),
        versions: [...versions.values()].filter((v): v is ServedVersion => !(v instanceof Promise)).map((s) => ({ model: s.model, version: s.version, runtime: s.runtime })),
      };
    },
    get size() {
      return versions.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (pollTimer) clearTimeout(pollTimer);
      await refreshing?.catch(() => undefined);
      subscriber?.disconnect();
      publisher?.disconnect();
      const loaded = new Set<ServedVersion>(retiring.values());
      for (const t of retiring.keys()) clearTimeout(t);
      retiring.clear();
      for (const v of versions.values()) if (!(v instanceof Promise)) loaded.add(v);
      for (const v of aliases.values()) loaded.add(v);
      aliases.clear();
      versions.clear();
      await Promise.all([...loaded].map((v) => v.release().catch(() => undefined)));
    },
  };
}
