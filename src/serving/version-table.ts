import { getVersion } from '../../registry/index.ts';
import type { Db, Logger } from '../../core/index.ts';
import { loadServedVersion, type LoadOptions, type ServedVersion } from './predictor.ts';

export interface VersionTableOptions {
  db: Db;
  logger: Logger;
  load: LoadOptions;
  /** Versions kept loaded beyond those in use (default 16). */
  maxVersions?: number;
  /** How long a dropped version stays usable for requests that already hold it, ms (default 5000). */
  retireAfterMs?: number;
  onLoad?(served: ServedVersion): void;
  /** A load that failed (missing artifact, bad graph, version not READY ...). */
  onLoadFailed?(model: string, version: number, error: unknown): void;
}

/**
 * The loaded versions, by model and number: each loaded once (concurrent misses share one load),
 * kept up to `maxVersions` beyond those `inUse` says are served, and released only `retireAfterMs`
 * after it is dropped, so a request holding a replaced version finishes on it.
 */
export interface VersionTable {
  /** The loaded version, if it is loaded (not while loading). */
  loaded(model: string, version: number): ServedVersion | undefined;
  /**
   * The version, loading it when needed after reading its registry row (it must exist and be READY).
   * Failed loads are not kept: a PENDING version may become READY, a missing one be created.
   * @throws MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND, MODEL_VERSION_NOT_READY, MODEL_FORMAT_INVALID
   */
  load(model: string, version: number): ServedVersion | Promise<ServedVersion>;
  /** Drops loaded versions beyond `maxVersions`, oldest first, skipping those `inUse` keeps. */
  evict(inUse: (served: ServedVersion) => boolean): void;
  /** Hands a version no longer referenced to the retirement delay, then releases it. */
  retire(served: ServedVersion): void;
  loadedVersions(): ServedVersion[];
  readonly size: number;
  /** Releases everything loaded or retiring, plus `also` (versions only a caller still holds). */
  close(also?: Iterable<ServedVersion>): Promise<void>;
}

const key = (model: string, version: number) => `${model}\u0000${version}`;

export function createVersionTable(options: VersionTableOptions): VersionTable {
  const { db, logger } = options;
  const maxVersions = options.maxVersions ?? 16;
  const retireAfterMs = options.retireAfterMs ?? 5000;
  const versions = new Map<string, ServedVersion | Promise<ServedVersion>>();
  const retiring = new Map<NodeJS.Timeout, ServedVersion>();
  let closed = false;

  const retire = (served: ServedVersion) => {
    const timer = setTimeout(() => {
      retiring.delete(timer);
      served.release().catch((error: unknown) => logger.warn({ err: error }, 'releasing a model version failed'));
    }, retireAfterMs);
    timer.unref();
    retiring.set(timer, served);
  };

  return {
    loaded(model, version) {
      const hit = versions.get(key(model, version));
      return hit && !(hit instanceof Promise) ? hit : undefined;
    },
    load(model, version) {
      const k = key(model, version);
      const hit = versions.get(k);
      if (hit) return hit;
      const loading = (async () => {
        let served: ServedVersion;
        try {
          const row = await getVersion(db, model, version);
          served = await loadServedVersion(db, row, options.load);
        } catch (error) {
          options.onLoadFailed?.(model, version, error);
          throw error;
        }
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
        },
        () => versions.delete(k),
      );
      return loading;
    },
    evict(inUse) {
      if (versions.size <= maxVersions) return;
      for (const [k, entry] of versions) {
        if (versions.size <= maxVersions) break;
        if (entry instanceof Promise || inUse(entry)) continue;
        versions.delete(k);
        retire(entry);
      }
    },
    retire,
    loadedVersions() {
      return [...versions.values()].filter((v): v is ServedVersion => !(v instanceof Promise));
    },
    get size() {
      return versions.size;
    },
    async close(also = []) {
      closed = true;
      const loaded = new Set<ServedVersion>(retiring.values());
      for (const t of retiring.keys()) clearTimeout(t);
      retiring.clear();
      for (const v of versions.values()) if (!(v instanceof Promise)) loaded.add(v);
      for (const v of also) loaded.add(v);
      versions.clear();
      await Promise.all([...loaded].map((v) => v.release().catch(() => undefined)));
    },
  };
}
