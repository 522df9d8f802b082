import { getVersion, listAliases, listModels } from '../../registry/index.ts';
import { type Db, AppError, isAppError, type Logger } from '../../core/index.ts';
import type { RedisConnections } from '../redis.ts';
import type { LoadOptions, ServedVersion, ServingRuntime } from './predictor.ts';
import { createAliasWatcher } from './alias-watcher.ts';
import { createVersionTable } from './version-table.ts';

export { ALIAS_MOVED_CHANNEL } from './alias-watcher.ts';

/** Which version of a model a request asks for: an alias (default `champion`) or a number. */
export interface VersionSelector {
  alias?: string;
  version?: number;
}

export interface ModelCacheOptions {
  db: Db;
  logger: Logger;
  /** The context's Redis connections, for alias-move announcements; without them only polling notices moves. */
  redis?: RedisConnections;
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
  onLoadFailed?(model: string, version: number, error: unknown): void;
  onInference?: LoadOptions['onInference'];
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

const key = (model: string, alias: string) => `${model}\u0000${alias}`;

/**
 * The cache is three parts: the version table (loaded versions, loading once, retiring late), the
 * alias watcher (pub/sub and the alias-stamp poll), and here the alias entries that join them:
 * model\0alias -> the served version, re-pointed on every noticed move.
 */
export function createModelCache(options: ModelCacheOptions): ModelCache {
  const { db, logger } = options;
  const table = createVersionTable({
    db,
    logger,
    load: { runtime: options.runtime, maxBatchRows: options.maxBatchRows, maxWaitMs: options.maxWaitMs, logger, onBatch: options.onBatch, onInference: options.onInference },
    maxVersions: options.maxVersions,
    retireAfterMs: options.retireAfterMs,
    onLoad: options.onLoad,
    onLoadFailed: options.onLoadFailed,
  });
  /** model\0alias → served version. */
  const aliases = new Map<string, ServedVersion>();
  /** Bumped whenever aliases are re-read: an alias lookup begun before a refresh must not be cached after it. */
  let epoch = 0;
  let started = true;
  let closed = false;
  let refreshing: Promise<void> | undefined;
  let refreshAgain = false;

  const inUseByAlias = (served: ServedVersion) => {
    for (const s of aliases.values()) if (s === served) return true;
    return false;
  };

  const loadVersion = (model: string, version: number): ServedVersion | Promise<ServedVersion> => {
    const found = table.load(model, version);
    if (found instanceof Promise) found.then(() => table.evict(inUseByAlias), () => undefined);
    return found;
  };

  const resolveAlias = async (model: string, alias: string): Promise<ServedVersion> => {
    const seen = epoch;
    const row = await getVersion(db, model, alias);
    const served = await loadVersion(model, row.version);
    if (seen === epoch && !closed && !aliases.has(key(model, alias))) aliases.set(key(model, alias), served);
    watcher.start();
    return served;
  };

  /** Re-reads the aliases of every cached model and re-points the moved ones (new version loaded first). */
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
          table.evict(inUseByAlias);
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

  const watcher = createAliasWatcher({ db, logger, redis: options.redis, schema: options.schema, pollMs: options.pollMs, onMoved: refresh });

  return {
    resolve(model, selector = {}) {
      if (closed) throw new AppError('SERVICE_UNAVAILABLE', 'model cache is closed');
      if (selector.version !== undefined) {
        const hit = table.loaded(model, selector.version);
        if (hit) return hit;
        watcher.start();
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
      watcher.start();
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
      await watcher.announce(model);
      await refresh();
    },
    snapshot() {
      return {
        aliases: [...aliases].map(([k, s]) => ({ model: s.model, alias: k.slice(s.model.length + 1), version: s.version })),
        versions: table.loadedVersions().map((s) => ({ model: s.model, version: s.version, runtime: s.runtime })),
      };
    },
    get size() {
      return table.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      watcher.close();
      await refreshing?.catch(() => undefined);
      const held = [...aliases.values()];
      aliases.clear();
      await table.close(held);
    },
  };
}
